// A reader that stops early (`plan | head`, `state list --json | head`) closes the pipe the CLI
// writes to: the command must end quietly — its usual exit code, no `write EPIPE`, no stack trace.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { apply } from '../src/index.js';
import { BIN } from './helpers/cli.js';
import { tempDir } from './helpers/temp.js';

/** Far more output than a pipe holds (64 KiB on Linux), so the CLI is still writing when the reader goes. */
const DEVELOPERS = 1500;

interface ClosedEarly {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  /** What the reader took before it closed the pipe. */
  head: string;
}

/** Runs the CLI with stdout into a reader that closes the pipe after the first chunk, like `| head -1`. */
function runIntoClosingReader(args: string[], cwd: string, env: Record<string, string>): Promise<ClosedEarly> {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: cwd, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let head = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdout.setEncoding('utf8').once('data', (chunk: string) => {
    head = chunk;
    child.stdout.destroy();
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stderr, head }));
  });
}

function manifest(): string {
  let text = 'version: 1\ndevelopers:\n';
  for (let i = 0; i < DEVELOPERS; i++) {
    text += `  - email: dev${i}@example.com\n    fullName: Developer Number ${i}\n    status: approved\n    meta: { team: team-${i % 7} }\n    credentials:\n      - { type: acl, group: partners }\n      - { type: acl, group: team-${i % 5} }\n`;
  }
  return text;
}

function expectQuietEnd(result: ClosedEarly, code: number): void {
  expect(result.head.length, 'the reader got some output first').toBeGreaterThan(0);
  expect(result.stderr).not.toMatch(/EPIPE/);
  expect(result.stderr).not.toMatch(/\n\s+at /);
  expect(result.stderr).not.toMatch(/Error/);
  expect(result.signal).toBeNull();
  expect(result.code).toBe(code);
}

describe('a closed pipe', () => {
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    dir = tempDir('portalform-epipe-');
    writeFileSync(join(dir, 'portal.yaml'), manifest());
    env = { PORTALFORM_STATE: join(dir, 'portalform.db') };
    // A stored state for the listing; the plan is made against an empty one.
    writeFileSync(join(dir, 'stored.yaml'), manifest());
    await apply({ state: env.PORTALFORM_STATE, paths: ['stored.yaml'], cwd: dir, env: {} });
  }, 120_000);

  it('ends `plan | head` quietly with exit 0, in text and in JSON', async () => {
    const fresh = { PORTALFORM_STATE: join(dir, 'nothing-yet.db') };
    expectQuietEnd(await runIntoClosingReader(['plan', 'portal.yaml'], dir, fresh), 0);
    expectQuietEnd(await runIntoClosingReader(['plan', 'portal.yaml', '--json'], dir, fresh), 0);
  }, 60_000);

  it('keeps the usual exit code: 2 for changes with --detailed-exitcode', async () => {
    const fresh = { PORTALFORM_STATE: join(dir, 'nothing-yet.db') };
    expectQuietEnd(await runIntoClosingReader(['plan', 'portal.yaml', '--detailed-exitcode'], dir, fresh), 2);
  }, 60_000);

  it('ends `state list --json | head` and `state list | head` quietly', async () => {
    expectQuietEnd(await runIntoClosingReader(['state', 'list', '--json'], dir, env), 0);
    expectQuietEnd(await runIntoClosingReader(['state', 'list'], dir, env), 0);
  }, 60_000);
});
