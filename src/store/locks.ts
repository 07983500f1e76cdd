// The lock record: one row in pf_locks that names who holds a state's write lock, so that
// another run can say whom it is waiting for. Each backend holds the lock itself its own way.
import { randomUUID } from 'node:crypto';
import { LockHeldError } from '../errors.js';
import type { Conn } from './backend.js';
import type { LockHolder, LockInfo } from './types.js';

/** Replaces the lock record with a new one for `holder`. */
export async function writeLockRecord(conn: Conn, holder: LockHolder): Promise<LockInfo> {
  const lock: LockInfo = { id: randomUUID(), holder, since: new Date().toISOString() };
  await conn.deleteFrom('pf_locks').where('name', '=', 'apply').execute();
  await conn
    .insertInto('pf_locks')
    .values({ name: 'apply', lock_id: lock.id, holder: JSON.stringify(holder), since: lock.since })
    .execute();
  return lock;
}

/** Removes the record of the lock with this ID, if it is still there. */
export async function deleteLockRecord(conn: Conn, lockId: string): Promise<void> {
  await conn.deleteFrom('pf_locks').where('lock_id', '=', lockId).execute();
}

/** The current lock record; null when the state is not locked. */
export async function readLock(conn: Conn): Promise<LockInfo | null> {
  const row = await conn.selectFrom('pf_locks').selectAll().where('name', '=', 'apply').executeTakeFirst();
  return row ? toLockInfo(row) : null;
}

export function toLockInfo(row: { lock_id: string; holder: string; since: string }): LockInfo {
  return { id: row.lock_id, holder: JSON.parse(row.holder), since: row.since };
}

export function describeHolder(lock: LockInfo): string {
  const h = lock.holder;
  return `${h.user}@${h.host} (pid ${h.pid}, ${h.operation}) since ${lock.since}`;
}

/** The refusal when another run holds the lock (`lock`: its record; null while that run is starting or finishing). */
export function lockHeld(lock: LockInfo | null, display: string): LockHeldError {
  if (!lock) {
    return new LockHeldError(
      `the state ${display} is locked by another portalform run that is starting or finishing.\nWait for it with --lock-timeout.`,
    );
  }
  return new LockHeldError(
    `the state ${display} is locked by ${describeHolder(lock)} (lock ID ${lock.id}).\n` +
      `Wait for it with --lock-timeout, or if that run crashed, clear it with: portalform force-unlock ${lock.id}`,
  );
}
