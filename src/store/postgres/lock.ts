// The PostgreSQL state's write lock is a session-level advisory lock on a key derived from the
// schema (advisory locks are scoped to the database already); the lock record beside it
// (locks.ts) only names the holder. The lock ends with its session: a crashed run leaves none.
import { createHash } from 'node:crypto';
import { LockHeldError, PortalformError } from '../../errors.js';
import type { Conn } from '../backend.js';
import { sql } from '../kysely.js';
import { deleteLockRecord, describeHolder, readLock, writeLockRecord } from '../locks.js';
import type { LockHolder, LockInfo } from '../types.js';
import { waitWithBackoff } from '../wait.js';

/** Whose lock: the state's location for messages and its advisory lock key. */
export interface LockedSchema {
  readonly display: string;
  readonly key: bigint;
}

/** A positive 63-bit advisory lock key, stable for one schema. */
export function advisoryKey(schema: string): bigint {
  return createHash('sha256').update(`portalform:${schema}`).digest().readBigUInt64BE(0) >> 1n;
}

export async function acquireLock(
  conn: Conn,
  schema: LockedSchema,
  holder: LockHolder,
  timeoutMs: number,
): Promise<LockInfo> {
  await waitWithBackoff(timeoutMs, async () => {
    if (await tryAdvisoryLock(conn, schema)) return { done: true, value: undefined };
    const refusal = await refusalOf(conn, schema);
    return { done: false, error: () => refusal };
  });
  // The advisory lock is the real lock; this record only tells others who holds it.
  const lock = await writeLockRecord(conn, holder);
  return lock;
}

export async function releaseLock(conn: Conn, schema: LockedSchema, lock: LockInfo): Promise<void> {
  await deleteLockRecord(conn, lock.id);
  await sql`select pg_advisory_unlock(${schema.key.toString()}::bigint)`.execute(conn);
}

/** A record whose advisory lock a live session still holds cannot be cleared: only ending that session can. */
export async function beforeForceUnlock(conn: Conn, schema: LockedSchema, lock: LockInfo): Promise<void> {
  const session = await advisoryHolder(conn, schema);
  if (session === null) return;
  throw new PortalformError(
    `lock ${lock.id} is still held by a live PostgreSQL session (pid ${session}). ` +
      'PostgreSQL advisory locks end with their session, so a crashed run never leaves one behind and force-unlock cannot release one; ' +
      `wait for that run, or if it hangs, end its session: select pg_terminate_backend(${session})`,
  );
}

async function tryAdvisoryLock(conn: Conn, schema: LockedSchema): Promise<boolean> {
  const got = await sql<{
    locked: boolean;
  }>`select pg_try_advisory_lock(${schema.key.toString()}::bigint) as locked`.execute(conn);
  return got.rows[0]?.locked === true;
}

/** The backend pid of the session holding this state's advisory lock, or null. */
async function advisoryHolder(conn: Conn, schema: LockedSchema): Promise<number | null> {
  // pg_locks shows a bigint advisory key as its high and low 32 bits.
  const high = (schema.key >> 32n).toString();
  const low = (schema.key & 0xffffffffn).toString();
  const found = await sql<{ pid: number }>`
    select pid from pg_locks
    where locktype = 'advisory' and granted and objsubid = 1
      and database = (select oid from pg_database where datname = current_database())
      and classid = ${high}::bigint::oid and objid = ${low}::bigint::oid`.execute(conn);
  return found.rows[0]?.pid ?? null;
}

/** The lock-held message of locks.ts, told what only PostgreSQL knows: the holding session, and that it cannot outlive it. */
async function refusalOf(conn: Conn, schema: LockedSchema): Promise<LockHeldError> {
  const [record, session] = [await readLock(conn), await advisoryHolder(conn, schema)];
  const sessionNote = session === null ? '' : `PostgreSQL session pid ${session}`;
  const head = record
    ? `the state ${schema.display} is locked by ${describeHolder(record)} (lock ID ${record.id}${sessionNote ? `, ${sessionNote}` : ''}).`
    : `the state ${schema.display} is locked by another portalform run that is starting or finishing${sessionNote ? ` (${sessionNote})` : ''}.`;
  const hang =
    session === null ? 'end its database session' : `end its session: select pg_terminate_backend(${session})`;
  return new LockHeldError(
    `${head}\nWait for it with --lock-timeout. This lock ends with the holder's database session, so a crashed run never leaves it behind` +
      `${record ? ` and \`portalform force-unlock ${record.id}\` only clears its record` : ''}; if that run hangs, ${hang}.`,
  );
}
