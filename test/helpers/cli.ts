// Runs the built CLI the way a user does: a child process in a temp directory.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { tempDir } from './temp.js';

export const ROOT = resolve(import.meta.dirname, '../..');
export const BIN = join(ROOT, 'dist/cmd/portalform.js');

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Workspace {
  dir: string;
  /** Runs `portalform ...args` in the workspace, against the workspace's state. */
  run(args: string[], options?: { env?: Record<string, string>; input?: string }): RunResult;
  write(path: string, content: string): string;
  copyExample(name: string): string;
  state: string;
}

/** A temp directory with a state of its own (a SQLite file, or a PostgreSQL URL). */
export function workspace(state?: string): Workspace {
  const dir = tempDir('portalform-test-');
  const stateLocation = state ?? join(dir, 'portalform.db');
  return {
    dir,
    state: stateLocation,
    run(args, options = {}) {
      const result = spawnSync(process.execPath, [BIN, ...args], {
        cwd: dir,
        input: options.input ?? '',
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '', HOME: dir, PORTALFORM_STATE: stateLocation, ...options.env },
        maxBuffer: 256 * 1024 * 1024,
      });
      return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
    },
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
  };
}
