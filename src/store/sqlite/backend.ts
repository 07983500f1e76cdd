// The SQLite backend: a state file (mode 0600) opened with better-sqlite3, its lock record, the
// file's data_version as the change feed, and SQLite's errors classified (busy, unique) for the Store.
import { closeSync, existsSync, openSync, rmSync } from 'node:fs';
import type SqliteDatabase from 'better-sqlite3';
import type { Backend, Conn, StoreErrorClass } from '../backend.js';
import { Kysely, SqliteDialect, sql } from '../kysely.js';
import type { ChangeFeed } from '../change-feed.js';
import type { Database } from '../schema.js';
import { dataVersionFeed } from './change-feed.js';
import type { LockHolder, LockInfo } from '../types.js';
import { withStatementCache } from './statement-cache.js';
import { checkStillAtPath, openStateFile, type FileIdentity } from './connection.js';
import { acquireLock, releaseLock, type LockedFile } from './lock.js';

/**
 * The embedded default: one SQLite file (mode 0600) in WAL mode, so plans read a snapshot
 * while an apply writes. Applies are serialized by a lock record that names its holder.
 */
export class SqliteBackend implements Backend {
  readonly kind = 'sqlite' as const;
  readonly maxParams = 30_000;
  readonly beginWrite = 'begin immediate';
  readonly beginRead = 'begin';
  readonly locksRows = false;
  private kysely: Conn | null = null;
  /** True when this process created the file: only then may a failed first apply remove it. */
  private createdHere = false;
  /** The file this process opened, to notice when it is removed under us. */
  private openedFile: FileIdentity | null = null;
  /** The one connection Kysely uses, for its connection settings. */
  private database: SqliteDatabase.Database | null = null;

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
    const found = await sql<{
      n: number;
    }>`select count(*) as n from sqlite_master where type = 'table' and name = ${name}`.execute(conn);
    return Number(found.rows[0]?.n) > 0;
  }

  async create(): Promise<Conn> {
    try {
      closeSync(openSync(this.path, 'wx', 0o600));
      this.createdHere = true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    return this.db()!;
  }

  /**
   * Removes the file this process created when its first apply failed, unless another run may be
   * using it: one that holds the lock, or whose apply has already written a lineage. The check and
   * the removal happen under the database's write lock, so no run can take the lock in between.
   */
  async discardNew(): Promise<void> {
    const db = this.createdHere ? this.db() : null;
    if (!db || !this.database) return;
    try {
      this.database.exec('begin immediate');
    } catch {
      return; // busy: someone is writing to it
    }
    try {
      if (this.unused())
        for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(this.path + suffix, { force: true });
    } finally {
      this.database.exec('rollback');
      await this.close();
    }
  }

  private unused(): boolean {
    const tables = new Set(
      this.database!.prepare(`select name from sqlite_master where type = 'table'`).pluck().all() as string[],
    );
    const has = (table: string, where: string) =>
      tables.has(table) && this.database!.prepare(`select 1 from ${table} where ${where}`).get() !== undefined;
    return !has('pf_meta', `key = 'lineage'`) && !has('pf_locks', '1 = 1');
  }

  /** The busy timeout set on the connection (setBusyTimeout) bounds the wait. */
  async beginShortWrite(conn: Conn): Promise<void> {
    await sql.raw(this.beginWrite).execute(conn);
  }

  async setBusyTimeout(ms: number): Promise<void> {
    if (!this.db() || !this.database) return;
    this.database.pragma(`busy_timeout = ${Math.max(0, Math.round(ms))}`);
  }

  classifyError(error: unknown): StoreErrorClass {
    const code = String((error as { code?: unknown })?.code ?? '');
    if (code.startsWith('SQLITE_BUSY')) return 'busy';
    if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return 'unique';
    return 'other';
  }

  acquireLock(conn: Conn, holder: LockHolder, timeoutMs: number, warn: (msg: string) => void): Promise<LockInfo> {
    return acquireLock(conn, this.lockedFile(), holder, timeoutMs, warn);
  }

  releaseLock(conn: Conn, lock: LockInfo): Promise<void> {
    return releaseLock(conn, lock);
  }

  async changeFeed(): Promise<ChangeFeed> {
    if (!this.db() || !this.database) throw new Error('no state to watch');
    return dataVersionFeed(this.database);
  }

  async close(): Promise<void> {
    await this.kysely?.destroy();
    this.kysely = null;
    this.database = null;
  }

  private open(): Conn {
    const { database, identity } = openStateFile(this.path);
    this.database = database;
    this.openedFile = identity;
    this.kysely = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(database) }) });
    return this.kysely;
  }

  private lockedFile(): LockedFile {
    return {
      display: this.display,
      setBusyTimeout: (ms) => this.database?.pragma(`busy_timeout = ${ms}`),
      checkStillAtPath: () => checkStillAtPath(this.path, this.openedFile),
    };
  }
}
