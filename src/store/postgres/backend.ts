// The PostgreSQL backend: a state in one schema of a database reached through pg, a session
// advisory lock for applies, LISTEN/NOTIFY as the change feed, and PostgreSQL's error codes
// classified (busy, unique, serialization) for the Store.
import type { Backend, Conn, StoreErrorClass } from '../backend.js';
import { Kysely, PostgresDialect, sql } from '../kysely.js';
import type { Database } from '../schema.js';
import type { LockHolder, LockInfo } from '../types.js';
import type { ChangeFeed } from '../change-feed.js';
import { listenFeed } from './change-feed.js';
import { parseStateUrl, quoteIdent, statePool, type StateUrl } from './connection.js';
import { acquireLock, advisoryKey, beforeForceUnlock, releaseLock, type LockedSchema } from './lock.js';

/**
 * A shared state on PostgreSQL. `?schema=NAME` keeps several portals in one database.
 * Applies are serialized by a session-level advisory lock on a key derived from the schema
 * (lock.ts); a lock record beside it names the holder.
 */
export class PostgresBackend implements Backend {
  readonly kind = 'postgres' as const;
  readonly maxParams = 60_000;
  readonly beginWrite = 'begin';
  readonly beginRead = 'begin isolation level repeatable read read only';
  readonly locksRows = true;
  readonly schema: string;
  readonly display: string;
  private readonly kysely: Conn;
  private readonly locked: LockedSchema;
  private readonly target: StateUrl;

  constructor(url: string, options: { poolSize?: number } = {}) {
    const target = parseStateUrl(url);
    this.target = target;
    this.schema = target.schema;
    this.display = target.display;
    this.locked = { display: target.display, key: advisoryKey(target.schema) };
    this.kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool: statePool(target, options.poolSize) }) });
  }

  db(): Conn {
    return this.kysely;
  }

  async tableExists(conn: Conn, name: string): Promise<boolean> {
    const found = await sql<{
      present: boolean;
    }>`select to_regclass(${`${quoteIdent(this.schema)}.${name}`}) is not null as present`.execute(conn);
    return found.rows[0]?.present === true;
  }

  async create(): Promise<Conn> {
    try {
      await sql`create schema if not exists ${sql.id(this.schema)}`.execute(this.kysely);
    } catch (error) {
      // Two first applies racing: "if not exists" is not atomic, the loser sees a duplicate.
      if (!isDuplicateObject(error)) throw error;
    }
    return this.kysely;
  }

  /** An uninitialized schema reads as no state; it is left for the next apply. */
  async discardNew(): Promise<void> {}

  async beginShortWrite(conn: Conn, waitMs: number): Promise<void> {
    await sql.raw(this.beginWrite).execute(conn);
    await sql.raw(`set local lock_timeout = ${Math.max(1, Math.round(waitMs))}`).execute(conn);
  }

  /** Each short write sets its own lock timeout. */
  async setBusyTimeout(): Promise<void> {}

  classifyError(error: unknown): StoreErrorClass {
    const code = String((error as { code?: unknown })?.code ?? '');
    if (code === '55P03') return 'busy';
    if (code === '40P01' || code === '40001') return 'serialization';
    if (code === '23505') return 'unique';
    return 'other';
  }

  acquireLock(conn: Conn, holder: LockHolder, timeoutMs: number): Promise<LockInfo> {
    return acquireLock(conn, this.locked, holder, timeoutMs);
  }

  releaseLock(conn: Conn, lock: LockInfo): Promise<void> {
    return releaseLock(conn, this.locked, lock);
  }

  beforeForceUnlock(conn: Conn, lock: LockInfo): Promise<void> {
    return beforeForceUnlock(conn, this.locked, lock);
  }

  changeFeed(): Promise<ChangeFeed> {
    return listenFeed(this.target);
  }

  async close(): Promise<void> {
    await this.kysely.destroy();
  }
}

function isDuplicateObject(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return code === '23505' || code === '42P06';
}
