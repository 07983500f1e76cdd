// Runs the built CLI the way a user does: a child process, in a temp directory — to completion
// (`runCliSync`, or a workspace's `run`), in the background so runs can overlap or be killed at a
// chosen moment (`startCli`, `runCli`), or with a deadline for inputs that used to hang it
// (`runBounded`). `workspace` is the one temp-directory helper of the suites: files, a state of its
// own, the CLI run against that state, and the manifest loader run in the directory.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { LoadOptions, LoadResult } from '../../src/manifest/index.js';
import { formatDiagnostic, loadManifests } from '../../src/manifest/index.js';
import { tempDir } from './temp.js';

export const ROOT = resolve(import.meta.dirname, '../..');
export const BIN = join(ROOT, 'dist/cmd/portalform.js');

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliRunOptions {
  cwd: string;
  env?: Record<string, string>;
}

/** The environment a run sees: only PATH, HOME (the run's directory) and what the test adds. */
function cliEnv(options: CliRunOptions): Record<string, string> {
  return { PATH: process.env.PATH ?? '', HOME: options.cwd, ...options.env };
}

/** Runs `portalform ...args` to completion; `input` is its stdin (empty unless given). */
export function runCliSync(args: string[], options: CliRunOptions & { input?: string }): RunResult {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd: options.cwd,
    input: options.input ?? '',
    encoding: 'utf8',
    env: cliEnv(options),
    maxBuffer: 256 * 1024 * 1024,
  });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

export interface AsyncRunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts `portalform ...args`; `done` settles when the process has exited, however it ended. */
export function startCli(
  args: string[],
  options: CliRunOptions,
): { child: ChildProcess; done: Promise<AsyncRunResult> } {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd,
    env: cliEnv(options),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const done = new Promise<AsyncRunResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done };
}

/** Runs `portalform ...args` without blocking the test's event loop. */
export function runCli(args: string[], options: CliRunOptions): Promise<AsyncRunResult> {
  return startCli(args, options).done;
}

export interface BoundedResult {
  /** The exit code; null when the run was killed at the deadline. */
  code: number | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
}

/**
 * Runs `portalform ...args` with a deadline: for inputs that used to hang it (a FIFO, a path under
 * /proc), the test is that the run ends at all. The deadline is generous; it only keeps a hang from
 * hanging the suite.
 */
export function runBounded(args: string[], options: CliRunOptions & { deadlineMs?: number }): BoundedResult {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd: options.cwd,
    input: '',
    encoding: 'utf8',
    env: cliEnv(options),
    timeout: options.deadlineMs ?? 15_000,
    killSignal: 'SIGKILL',
  });
  return { code: result.status, timedOut: result.signal === 'SIGKILL', stdout: result.stdout, stderr: result.stderr };
}

/** Runs `task` over `items` with at most `limit` at a time, keeping the results in order. */
export async function mapLimit<T, R>(
  items: T[],
  limit: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < items.length; i = next++) results[i] = await task(items[i]!, i);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export interface LoadedManifests extends LoadResult {
  /** Every diagnostic formatted as the CLI prints it, paths relative to the workspace. */
  messages: string[];
  errors: string[];
  warnings: string[];
}

export interface Workspace {
  dir: string;
  /** Where the workspace's state is: a SQLite file in `dir` unless a PostgreSQL URL was given. */
  state: string;
  /** Runs `portalform ...args` in the workspace, against the workspace's state. */
  run(args: string[], options?: { env?: Record<string, string>; input?: string }): RunResult;
  /** Starts `portalform ...args` in the workspace, against its state, without waiting for it. */
  start(args: string[], options?: { env?: Record<string, string> }): ReturnType<typeof startCli>;
  /** Writes a file (and its folders) under `dir`; returns its full path. */
  write(path: string, content: string | Uint8Array): string;
  copyExample(name: string): string;
  /** Loads manifests in process, as the CLI would in `dir` (no paths and no environment unless given). */
  load(options?: Partial<LoadOptions>): Promise<LoadedManifests>;
}

/** A temp directory, removed when the test file ends, with a state of its own (a SQLite file, or a PostgreSQL URL). */
export function workspace(state?: string): Workspace {
  const dir = realpathSync(tempDir('portalform-test-'));
  const stateLocation = state ?? join(dir, 'portalform.db');
  const runEnv = (env?: Record<string, string>) => ({ PORTALFORM_STATE: stateLocation, ...env });
  return {
    dir,
    state: stateLocation,
    run: (args, options = {}) => runCliSync(args, { cwd: dir, input: options.input, env: runEnv(options.env) }),
    start: (args, options = {}) => startCli(args, { cwd: dir, env: runEnv(options.env) }),
    write(path, content) {
      const full = join(dir, path);
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full, content);
      return full;
    },
    copyExample(name) {
      const target = join(dir, name);
      cpSync(join(ROOT, 'examples', name), target, { recursive: true });
      return target;
    },
    load: (options = {}) => loadIn(dir, options),
  };
}

async function loadIn(dir: string, options: Partial<LoadOptions>): Promise<LoadedManifests> {
  const result = await loadManifests({ paths: [], cwd: dir, env: {}, cacheDir: join(dir, '.cache'), ...options });
  const messages = result.diagnostics.map((d) => formatDiagnostic(d, dir));
  return {
    ...result,
    messages,
    errors: messages.filter((m) => m.includes(': error: ') || m.startsWith('error: ')),
    warnings: messages.filter((m) => m.includes(': warning: ') || m.startsWith('warning: ')),
  };
}
