import { createHash, randomUUID } from 'node:crypto';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { PortalformError } from '../errors.js';
import type { Database } from './schema.js';
import { readLock, type Backend, type Conn } from './store.js';
import { lockHeld } from './sqlite.js';
import type { LockHolder, LockInfo } from './types.js';
import { waitWithBackoff } from './wait.js';

/**
 * A shared state on PostgreSQL. `?schema=NAME` keeps several portals in one database.
 * Applies are serialized by a session-level advisory lock on a key derived from the database and
 * schema; a lock record beside it names the holder for others to read.
 */
export class PostgresBackend implements Backend {
  readonly kind = 'postgres' as const;
  readonly maxParams = 60_000;
  readonly beginWrite = 'begin';
  readonly beginRead = 'begin isolation level repeatable read read only';
  readonly schema: string;
  readonly display: string;
  private readonly kysely: Conn;
  private readonly lockKey: string;

  constructor(url: string) {
    const parsed = parseUrl(url);
    this.schema = parsed.searchParams.get('schema') ?? 'public';
    parsed.searchParams.delete('schema');
    const safe = new URL(parsed.toString());
    if (safe.password) safe.password = '***';
    this.display = safe.toString();
    this.lockKey = advisoryKey(`${parsed.host}${parsed.pathname}:${this.schema}`);
    const pool = new pg.Pool({
      connectionString: parsed.toString(),
      max: 4,
      options: `-c search_path=${quoteIdent(this.schema)}`,
    });
    pool.on('error', () => undefined); // an idle client's error surfaces on the next query instead
    this.kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  }

  db(): Conn {
    return this.kysely;
  }

  async tableExists(conn: Conn, name: string): Promise<boolean> {
    const found = await sql<{ present: boolean }>`select to_regclass(${quoteIdent(this.schema) + '.' + name}) is not null as present`.execute(conn);
    return found.rows[0]?.present === true;
  }

  async create(): Promise<Conn> {
    await sql`create schema if not exists ${sql.id(this.schema)}`.execute(this.kysely);
    return this.kysely;
  }

  /** An uninitialized schema reads as no state; it is left for the next apply. */
  async discardNew(): Promise<void> {}

  async acquireLock(conn: Conn, holder: LockHolder, timeoutMs: number): Promise<LockInfo> {
    const lock: LockInfo = { id: randomUUID(), holder, since: new Date().toISOString() };
    await waitWithBackoff(timeoutMs, async () => {
      const got = await sql<{ locked: boolean }>`select pg_try_advisory_lock(${this.lockKey}::bigint) as locked`.execute(conn);
      if (got.rows[0]?.locked) return { done: true, value: undefined };
      const current = await readLock(conn);
      const shown = current ?? { id: '(unknown)', holder: { user: 'another run', host: '?', pid: 0, operation: 'apply' }, since: '?' };
      return { done: false, error: () => lockHeld(shown, this.display) };
    });
    // The advisory lock is the real lock; this record only tells others who holds it.
    await conn.deleteFrom('pf_locks').where('name', '=', 'apply').execute();
    await conn
      .insertInto('pf_locks')
      .values({ name: 'apply', lock_id: lock.id, holder: JSON.stringify(holder), since: lock.since })
      .execute();
    return lock;
  }

  async releaseLock(conn: Conn, lock: LockInfo): Promise<void> {
    await conn.deleteFrom('pf_locks').where('lock_id', '=', lock.id).execute();
    await sql`select pg_advisory_unlock(${this.lockKey}::bigint)`.execute(conn);
  }

  async close(): Promise<void> {
    await this.kysely.destroy();
  }
}

function parseUrl(url: string): URL {
  try {
    return new URL(url);
  } catch {
    throw new PortalformError(`invalid PostgreSQL state URL; expected postgres://user@host:port/database[?schema=NAME]`);
  }
}

/** A signed 64-bit advisory lock key, stable for one database and schema. */
function advisoryKey(identity: string): string {
  return createHash('sha256').update(`portalform:${identity}`).digest().readBigInt64BE(0).toString();
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
