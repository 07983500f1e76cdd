// The SQLite state's write lock is its lock record alone (locks.ts), taken in a short write
// transaction of its own; a record whose holder's process is gone from this host is taken over.
import { hostname } from 'node:os';
import type { Conn } from '../backend.js';
import { sql } from '../kysely.js';
import { deleteLockRecord, describeHolder, lockHeld, readLock, writeLockRecord } from '../locks.js';
import type { LockHolder, LockInfo } from '../types.js';
import { waitWithBackoff, type Attempt } from '../wait.js';
import { BUSY_TIMEOUT_MS } from './connection.js';

const LOCK_ATTEMPT_BUSY_MS = 250;

/** What taking the lock needs of the open state file. */
export interface LockedFile {
  readonly display: string;
  /** Sets how long the connection's statements wait for the database's write lock. */
  setBusyTimeout(ms: number): void;
  /** Throws when the file at the state's path is no longer the one this process opened. */
  checkStillAtPath(): void;
}

/** Takes the lock record in a short transaction of its own, so others can read who holds it. */
export async function acquireLock(
  conn: Conn,
  file: LockedFile,
  holder: LockHolder,
  timeoutMs: number,
  warn: (msg: string) => void,
): Promise<LockInfo> {
  return waitWithBackoff(timeoutMs, () => tryLock(conn, file, holder, warn));
}

export async function releaseLock(conn: Conn, lock: LockInfo): Promise<void> {
  await deleteLockRecord(conn, lock.id);
}

/** One attempt. It never waits on another run's write transaction, so a held lock is refused at once. */
async function tryLock(
  conn: Conn,
  file: LockedFile,
  holder: LockHolder,
  warn: (msg: string) => void,
): Promise<Attempt<LockInfo>> {
  const seen = await readLock(conn); // a WAL read: it does not wait for writers
  if (seen && !holderIsGone(seen)) return refused(seen, file.display);
  if (!(await beginImmediateBriefly(conn, file))) return refused(await readLock(conn), file.display);
  try {
    const current = await readLock(conn);
    if (current && !holderIsGone(current)) {
      await sql`rollback`.execute(conn);
      return refused(current, file.display);
    }
    if (current) warn(`taking over the lock left by ${describeHolder(current)}: that process is gone`);
    const lock = await writeLockRecord(conn, holder);
    await sql`commit`.execute(conn);
    file.checkStillAtPath();
    return { done: true, value: lock };
  } catch (error) {
    await sql`rollback`.execute(conn).catch(() => undefined);
    throw error;
  }
}

/**
 * Starts a write transaction, waiting only briefly: the database's write lock is busy for long
 * only while another run applies, and that run holds the lock record too.
 */
async function beginImmediateBriefly(conn: Conn, file: LockedFile): Promise<boolean> {
  file.setBusyTimeout(LOCK_ATTEMPT_BUSY_MS);
  try {
    await sql`begin immediate`.execute(conn);
    return true;
  } catch (error) {
    if (String((error as { code?: unknown }).code).startsWith('SQLITE_BUSY')) return false;
    throw error;
  } finally {
    file.setBusyTimeout(BUSY_TIMEOUT_MS);
  }
}

function refused(lock: LockInfo | null, display: string): Attempt<LockInfo> {
  return { done: false, error: () => lockHeld(lock, display) };
}

/** A holder on this host whose process no longer exists cannot be running: its lock is stale. */
function holderIsGone(lock: LockInfo): boolean {
  if (lock.holder.host !== hostname()) return false;
  try {
    process.kill(lock.holder.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
