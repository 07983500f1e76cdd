import { closeSync, existsSync, openSync, rmSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from './kysely.js';
import { LockHeldError, PortalformError } from '../errors.js';
import type { Database } from './schema.js';
import { describeHolder, readLock, writeLockRecord, type Backend, type Conn } from './store.js';
import type { LockHolder, LockInfo } from './types.js';
import { errorMessage } from '../util/errors.js';
import { waitWithBackoff, type Attempt } from './wait.js';

const BUSY_TIMEOUT_MS = 5_000;
const LOCK_ATTEMPT_BUSY_MS = 250;

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
  /** True when this process created the file: only then may a failed first apply remove it. */
  private createdHere = false;
  /** The file this process opened, to notice when it is removed under us. */
  private openedFile: { dev: number; ino: number } | null = null;
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
    const found = await sql<{ n: number }>`select count(*) as n from sqlite_master where type = 'table' and name = ${name}`.execute(conn);
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
      if (this.unused()) for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(this.path + suffix, { force: true });
    } finally {
      this.database.exec('rollback');
      await this.close();
    }
  }

  private unused(): boolean {
    const tables = new Set(this.database!.prepare(`select name from sqlite_master where type = 'table'`).pluck().all() as string[]);
    const has = (table: string, where: string) => tables.has(table) && this.database!.prepare(`select 1 from ${table} where ${where}`).get() !== undefined;
    return !has('pf_meta', `key = 'lineage'`) && !has('pf_locks', '1 = 1');
  }

  /** Takes the lock record in a short transaction of its own, so others can read who holds it. */
  async acquireLock(conn: Conn, holder: LockHolder, timeoutMs: number, warn: (msg: string) => void): Promise<LockInfo> {
    return waitWithBackoff(timeoutMs, () => this.tryLock(conn, holder, warn));
  }

  /** One attempt. It never waits on another run's write transaction, so a held lock is refused at once. */
  private async tryLock(conn: Conn, holder: LockHolder, warn: (msg: string) => void): Promise<Attempt<LockInfo>> {
    const seen = await readLock(conn); // a WAL read: it does not wait for writers
    if (seen && !holderIsGone(seen)) return this.refused(seen);
    if (!(await this.beginImmediateBriefly(conn))) return this.refused(await readLock(conn));
    try {
      const current = await readLock(conn);
      if (current && !holderIsGone(current)) {
        await sql`rollback`.execute(conn);
        return this.refused(current);
      }
      if (current) warn(`taking over the lock left by ${describeHolder(current)}: that process is gone`);
      const lock = await writeLockRecord(conn, holder);
      await sql`commit`.execute(conn);
      this.checkStillAtPath();
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
  private async beginImmediateBriefly(conn: Conn): Promise<boolean> {
    this.database?.pragma(`busy_timeout = ${LOCK_ATTEMPT_BUSY_MS}`);
    try {
      await sql`begin immediate`.execute(conn);
      return true;
    } catch (error) {
      if (String((error as { code?: unknown }).code).startsWith('SQLITE_BUSY')) return false;
      throw error;
    } finally {
      this.database?.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    }
  }

  /** Another run's failed first apply may have removed a new file just before this run locked it. */
  private checkStillAtPath(): void {
    const now = fileIdentity(this.path);
    if (now && this.openedFile && now.dev === this.openedFile.dev && now.ino === this.openedFile.ino) return;
    throw new PortalformError(`the state file ${this.path} was removed while this run was opening it (another run's first apply failed); run again`);
  }

  private refused(lock: LockInfo | null): Attempt<LockInfo> {
    return { done: false, error: () => lockHeld(lock, this.display) };
  }

  async releaseLock(conn: Conn, lock: LockInfo): Promise<void> {
    await conn.deleteFrom('pf_locks').where('lock_id', '=', lock.id).execute();
  }

  async close(): Promise<void> {
    await this.kysely?.destroy();
    this.kysely = null;
    this.database = null;
  }

  private open(): Conn {
    let database: SqliteDatabase.Database | undefined;
    let foreign: string[];
    try {
      database = new SqliteDatabase(this.path, { fileMustExist: true, timeout: BUSY_TIMEOUT_MS });
      // Looked at before anything is written, even the journal mode: another application's database is left alone.
      foreign = foreignTables(database);
      if (foreign.length === 0) {
        database.pragma('journal_mode = WAL');
        database.pragma('foreign_keys = ON');
        database.pragma('synchronous = FULL');
      }
    } catch (error) {
      database?.close();
      throw new PortalformError(`${this.path} is not a readable portalform state: ${errorMessage(error)}`);
    }
    if (foreign.length > 0) {
      database.close();
      throw new PortalformError(
        `${this.path} is not a portalform state: it is an SQLite database of another application (tables ${foreign.slice(0, 5).join(', ')}${foreign.length > 5 ? ', …' : ''}); ` +
          'portalform neither reads nor writes it. Give --state a new file or an existing portalform state',
      );
    }
    this.database = database;
    this.openedFile = fileIdentity(this.path);
    this.kysely = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
    return this.kysely;
  }
}

/** The tables of a database that holds no portalform state (no pf_meta) but other tables; none for a portalform state. */
function foreignTables(database: SqliteDatabase.Database): string[] {
  const tables = database.prepare(`select name from sqlite_master where type in ('table', 'view') order by name`).pluck().all() as string[];
  if (tables.includes('pf_meta')) return [];
  return tables.filter((name) => !name.startsWith('pf_') && !name.startsWith('sqlite_'));
}

function fileIdentity(path: string): { dev: number; ino: number } | null {
  try {
    const { dev, ino } = statSync(path);
    return { dev, ino };
  } catch {
    return null;
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

export function lockHeld(lock: LockInfo | null, display: string): LockHeldError {
  if (!lock) {
    return new LockHeldError(`the state ${display} is locked by another portalform run that is starting or finishing.\nWait for it with --lock-timeout.`);
  }
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
