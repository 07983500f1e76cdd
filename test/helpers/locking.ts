// Helpers for tests where runs meet at the state lock: manifests of many developers, and an apply
// frozen (SIGSTOP) while it holds the lock, so other runs can be tried against it.
import type { ChildProcess } from 'node:child_process';
import { expect } from 'vitest';
import { openStore } from '../../src/store/index.js';
import type { LockInfo } from '../../src/store/types.js';
import type { RunResult, Workspace } from './cli.js';

export interface Finished extends RunResult {
  signal: NodeJS.Signals | null;
}

export interface Started {
  child: ChildProcess;
  done: Promise<Finished>;
}

/** Approved developers with one acl credential each. */
export function manifest(emails: string[]): string {
  const lines = ['version: 1', 'developers:'];
  for (const email of emails)
    lines.push(`  - { email: ${email}, fullName: ${email}, status: approved, credentials: [{ type: acl, group: g }] }`);
  return `${lines.join('\n')}\n`;
}

export function emails(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${i}@example.com`);
}

/** Starts `portalform ...args` in the workspace, against its state, without waiting for it. */
export function start(w: Workspace, args: string[]): Started {
  const { child, done } = w.start(args);
  return { child, done: done.then((result) => ({ ...result, code: result.code ?? -1 })) };
}

/** A refused run says so in one message: no stack trace, nothing else on stderr. */
export function expectLockRefusal(result: RunResult): void {
  expect(result.code, result.stderr).toBe(1);
  expect(result.stderr).toMatch(/^Error: the state .* is locked by /);
  expect(result.stderr.match(/Error:/g)).toHaveLength(1);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

export async function waitFor<T>(what: string, probe: () => Promise<T | null>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The lock record as another run reads it; null while the state is not set up. */
export async function currentLock(state: string): Promise<LockInfo | null> {
  const store = openStore(state);
  try {
    return await store.currentLock();
  } catch {
    return null;
  } finally {
    await store.close();
  }
}

export interface FrozenApply {
  lock: LockInfo;
  run: Started;
  resume(): void;
}

/**
 * Applies `path` (make it big, so the lock is held long enough to catch) and freezes the process
 * as soon as it holds the lock, perhaps in the middle of its transaction.
 */
export async function frozenApply(w: Workspace, path: string): Promise<FrozenApply> {
  const run = start(w, ['apply', path, '--auto-approve']);
  const lock = await waitFor('the apply to take the lock', async () => {
    const current = await currentLock(w.state);
    return current?.holder.pid === run.child.pid ? current : null;
  });
  run.child.kill('SIGSTOP');
  expect((await currentLock(w.state))?.id, 'the frozen apply still holds the lock').toBe(lock.id);
  return { lock, run, resume: () => run.child.kill('SIGCONT') };
}
