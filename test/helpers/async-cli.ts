// Runs the built CLI as a child process without blocking the test's event loop, so several runs
// (and in-process checks) can overlap, and a run can be killed at a chosen moment.
import { spawn, type ChildProcess } from 'node:child_process';
import { BIN } from './cli.js';

export interface AsyncRunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliRunOptions {
  cwd: string;
  env?: Record<string, string>;
}

/** Starts `portalform ...args`; `done` settles when the process has exited, however it ended. */
export function startCli(
  args: string[],
  options: CliRunOptions,
): { child: ChildProcess; done: Promise<AsyncRunResult> } {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '', HOME: options.cwd, ...options.env },
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

export function runCli(args: string[], options: CliRunOptions): Promise<AsyncRunResult> {
  return startCli(args, options).done;
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
