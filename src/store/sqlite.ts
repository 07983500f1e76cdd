import { closeSync, existsSync, openSync, rmSync, statSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { LockHeldError, PortalformError } from '../errors.js';
import type { Database } from './schema.js';
import { describeHolder, errorMessage, readLock, type Backend, type Conn } from './store.js';
import type { LockHolder, LockInfo } from './types.js';
import { waitWithBackoff } from './wait.js';

const BUSY_TIMEOUT_MS = 5_000;

/**
 * The embedded default: one SQLite file (mode 0600) in WAL mode, so plans read a snapshot
 * while an apply writes. Applies are serialized by a lock record that names its holder.
 */
export class SqliteBackend implements Backend {
  readonly kind = 'sqlite' as const;
  readonly maxParams = 30_000;
  readonly beginWrite = 'begin immediate';
  readonly beginRead = 'begin';
  private kysely: Conn | null = null;

  constructor(readonly path: string) {}

  get display(): string {
    return this.path;
  }

  db(): Conn | null {
    if (this.kysely) return this.kysely;
    if (!existsSync(this.path)) return null;
    return this.open();
  }

  async tableExists(conn: Conn, name: string): Promise<boolean> {
    const found = await sql<{ n: number }>`select count(*) as n from sqlite_master where type = 'table' and name = ${name}`.execute(conn);
    return Number(found.rows[0]?.n) > 0;
  }

  async create(): Promise<Conn> {
    if (!existsSync(this.path)) closeSync(openSync(this.path, 'a', 0o600));
    return this.db()!;
  }

  async discardNew(): Promise<void> {
    const db = this.db();
    const initialized = db ? await db.selectFrom('pf_meta').select('value').where('key', '=', 'lineage').executeTakeFirst().catch(() => undefined) : undefined;
    if (initialized) return;
    await this.close();
    for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(this.path + suffix, { force: true });
  }

  /** Takes the lock record in a short transaction of its own, so others can read who holds it. */
  async acquireLock(conn: Conn, holder: LockHolder, timeoutMs: number, warn: (msg: string) => void): Promise<LockInfo> {
    const lock: LockInfo = { id: randomUUID(), holder, since: new Date().toISOString() };
    return waitWithBackoff(timeoutMs, async () => {
      await sql`begin immediate`.execute(conn);
      try {
        const current = await readLock(conn);
        if (current && !holderIsGone(current)) {
          await sql`rollback`.execute(conn);
          return { done: false, error: () => lockHeld(current, this.display) };
        }
        if (current) warn(`taking over the lock left by ${describeHolder(current)}: that process is gone`);
        await conn.deleteFrom('pf_locks').where('name', '=', 'apply').execute();
        await conn
          .insertInto('pf_locks')
          .values({ name: 'apply', lock_id: lock.id, holder: JSON.stringify(holder), since: lock.since })
          .execute();
        await sql`commit`.execute(conn);
        return { done: true, value: lock };
      } catch (error) {
        await sql`rollback`.execute(conn).catch(() => undefined);
        throw error;
      }
    });
  }

  async releaseLock(conn: Conn, lock: LockInfo): Promise<void> {
    await conn.deleteFrom('pf_locks').where('lock_id', '=', lock.id).execute();
  }

  async close(): Promise<void> {
    await this.kysely?.destroy();
    this.kysely = null;
  }

  private open(): Conn {
    let database: SqliteDatabase.Database;
    try {
      database = new SqliteDatabase(this.path, { fileMustExist: true, timeout: BUSY_TIMEOUT_MS });
      database.pragma('journal_mode = WAL');
      database.pragma('foreign_keys = ON');
      database.pragma('synchronous = FULL');
    } catch (error) {
      throw new PortalformError(`${this.path} is not a readable portalform state: ${errorMessage(error)}`);
    }
    this.kysely = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
    return this.kysely;
  }
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

export function lockHeld(lock: LockInfo, display: string): LockHeldError {
  return new LockHeldError(
    `the state ${display} is locked by ${describeHolder(lock)} (lock ID ${lock.id}).\n` +
      `Wait for it with --lock-timeout, or if that run crashed, clear it with: portalform force-unlock ${lock.id}`,
  );
}

/** Others than the owner can read this file: worth a warning, since it holds digests and ciphertexts. */
export function stateFileTooOpen(path: string): boolean {
  try {
    return (statSync(path).mode & 0o077) !== 0;
  } catch {
    return false;
  }
}
