// Runs the built CLI with a deadline: for inputs that used to hang it (a FIFO, a path under /proc),
// the test is that the run ends at all. The deadline is generous; it only keeps a hang from
// hanging the suite.
import { spawnSync } from 'node:child_process';
import { BIN } from './cli.js';

export interface BoundedResult {
  /** The exit code; null when the run was killed at the deadline. */
  code: number | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
}

export function runBounded(
  args: string[],
  options: { cwd: string; env?: Record<string, string>; deadlineMs?: number },
): BoundedResult {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd: options.cwd,
    input: '',
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', HOME: options.cwd, ...options.env },
    timeout: options.deadlineMs ?? 15_000,
    killSignal: 'SIGKILL',
  });
  return { code: result.status, timedOut: result.signal === 'SIGKILL', stdout: result.stdout, stderr: result.stderr };
}
