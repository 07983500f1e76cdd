// The Store: one state, an SQLite file or a PostgreSQL schema behind its Backend. Every read and
// every write session goes through it; it refuses a state a newer portalform wrote and migrates
// an older one before writing.
import { PortalformError } from '../errors.js';
import { errorMessage } from '../util/errors.js';
import type { Backend, Conn } from './backend.js';
import { Migrator, sql } from './kysely.js';
import { deleteLockRecord, describeHolder, readLock, toLockInfo } from './locks.js';
import { readHistory, readSnapshot } from './read.js';
import {
  APPLICATIONS_VERSION,
  EVENTS_CHAIN,
  MAIL_VERSION,
  NAME_MANAGED_VERSION,
  PORTAL_VERSION,
  SCHEMA_VERSIONS,
  SYNC_DIGEST_VERSION,
  migrationProvider,
} from './schema.js';
import { shortWrite } from './short-write.js';
import { WriteSession } from './write-session.js';
import { restoreSyncTriggers, syncTriggersIntact } from './sync-triggers.js';
import type { Diagnostic } from '../model.js';
import type { HistoryRow, LockHolder, LockInfo, ReadScope, StateSnapshot } from './types.js';
import { EMPTY_STATE } from './types.js';

const MIGRATION_TABLE = 'pf_migration';
const MIGRATION_LOCK_TABLE = 'pf_migration_lock';
const MIGRATION_RETRIES = 3;
const TRIGGERS_MISSING =
  "the state's sync-digest triggers are missing or altered (dropped by hand?), so its stored sync digests cannot be trusted";

export class Store {
  /** Whether the state has sync digests (schema 0002); an older one is read in full until apply migrates it. */
  private syncDigests = false;
  /** Whether the state has the portal's tables (schema 0003): tombstones among them. */
  private portalTables = false;
  /** Whether developers record who manages their name (schema 0007). */
  private nameManaged = false;
  /** Whether developers record whether their address is verified (schema 0008). */
  private mailColumns = false;
  /** Whether the state has APIs and applications (schema 0012). */
  private applications = false;

  /** What reads found that a plan should say (a read never fails for it). */
  readonly warnings: Diagnostic[] = [];

  constructor(readonly backend: Backend) {}

  get display(): string {
    return this.backend.display;
  }

  /**
   * Reads the state in one consistent snapshot; an absent state reads as empty. With a scope,
   * only the developers it selects (see plan/scope.ts); without, all of them.
   */
  async read(scope?: ReadScope): Promise<StateSnapshot> {
    const db = await this.existing();
    if (!db) return EMPTY_STATE;
    return db.connection().execute(async (conn) => {
      await sql.raw(this.backend.beginRead).execute(conn);
      try {
        return await readSnapshot(
          conn,
          scope && this.syncDigests && (await this.digestsTrusted(conn)) ? scope : undefined,
          {
            portal: this.portalTables,
            nameManaged: this.nameManaged,
            mail: this.mailColumns,
            applications: this.applications,
          },
        );
      } finally {
        await sql`commit`.execute(conn);
      }
    });
  }

  async readHistory(): Promise<HistoryRow[]> {
    const db = await this.existing();
    return db ? readHistory(db) : [];
  }

  /** The second chain (docs/cli.md) and its head row; empty in a state from before it existed. */
  async readEvents(): Promise<{ rows: HistoryRow[]; head: { seq: number; hash: string } | null }> {
    const db = await this.existing();
    if (!db || !(await this.backend.tableExists(db, 'pf_events'))) return { rows: [], head: null };
    return db.connection().execute(async (conn) => {
      await sql.raw(this.backend.beginRead).execute(conn);
      try {
        const head = await conn
          .selectFrom('pf_chain_heads')
          .select(['seq', 'hash'])
          .where('chain', '=', EVENTS_CHAIN)
          .executeTakeFirst();
        return {
          rows: await readHistory(conn, 'pf_events'),
          head: head ? { seq: Number(head.seq), hash: head.hash } : null,
        };
      } finally {
        await sql`commit`.execute(conn);
      }
    });
  }

  /**
   * An existing state for a writer that does not migrate (the portal service, `invite`): its
   * database and the migrations it has; null when there is no state yet.
   */
  async openExisting(): Promise<{ db: Conn; migrations: string[] } | null> {
    const db = await this.existing();
    if (!db) return null;
    const table = this.backend.schema
      ? sql.table(`${this.backend.schema}.${MIGRATION_TABLE}`)
      : sql.table(MIGRATION_TABLE);
    const rows = await sql<{ name: string }>`select name from ${table}`.execute(db);
    return { db, migrations: rows.rows.map((r) => r.name) };
  }

  /**
   * Runs `fn` holding the state's exclusive lock on one connection, creating and migrating the
   * state first. Only apply (and other writers) come here.
   */
  async withWriteSession<T>(
    holder: LockHolder,
    timeoutMs: number,
    warn: (msg: string) => void,
    fn: (session: WriteSession) => Promise<T>,
  ): Promise<T> {
    const isNew = this.backend.db() === null;
    try {
      const db = await this.backend.create();
      if (await this.initialized(db)) await this.checkSchemaVersion(db);
      await this.migrate(db);
      return await db.connection().execute(async (conn) => {
        const lock = await this.backend.acquireLock(conn, holder, timeoutMs, warn);
        try {
          await this.restoreTriggersIfNeeded(conn, warn);
          return await fn(new WriteSession(conn, this.backend));
        } finally {
          await this.backend.releaseLock(conn, lock).catch(() => undefined);
        }
      });
    } finally {
      // A state this run created but never initialized (failed, refused or cancelled) is removed.
      if (isNew) await this.backend.discardNew();
    }
  }

  /**
   * Runs `fn` in one short write transaction on an existing state (short-write.ts): the portal
   * service's writes and `invite`, which take no lock and wait at most `waitMs` for another writer.
   */
  shortWrite<T>(waitMs: number, fn: (conn: Conn) => Promise<T>): Promise<T> {
    const db = this.backend.db();
    if (!db) throw new PortalformError(`no state at ${this.display}`);
    return shortWrite(this.backend, db, waitMs, fn);
  }

  /** Whether a short write must lock the rows it reads to keep them as read (developer-rows.ts). */
  get locksRows(): boolean {
    return this.backend.locksRows;
  }

  /** How long a statement of this process waits for another writer before failing busy. */
  setBusyTimeout(ms: number): Promise<void> {
    return this.backend.setBusyTimeout(ms);
  }

  /** Removes a lock record left by a crashed run. */
  async forceUnlock(lockId: string): Promise<LockInfo> {
    const db = await this.existing();
    if (!db) throw new PortalformError(`no state at ${this.display}; nothing to unlock`);
    const row = await db.selectFrom('pf_locks').selectAll().where('lock_id', '=', lockId).executeTakeFirst();
    if (!row) {
      const current = await readLock(db);
      throw new PortalformError(
        current
          ? `lock ${lockId} is not held; the current lock is ${current.id}, held by ${describeHolder(current)}`
          : `lock ${lockId} is not held; the state is not locked`,
      );
    }
    await this.backend.beforeForceUnlock?.(db, toLockInfo(row));
    await deleteLockRecord(db, lockId);
    return toLockInfo(row);
  }

  /** The current lock record, as another run reads it; null when unlocked or there is no state. */
  async currentLock(): Promise<LockInfo | null> {
    const db = await this.existing();
    return db ? readLock(db) : null;
  }

  close(): Promise<void> {
    return this.backend.close();
  }

  /** The database of an existing state this portalform can read, or null when there is no state yet. */
  private async existing(): Promise<Conn | null> {
    const db = this.backend.db();
    if (!db || !(await this.initialized(db))) return null;
    await this.checkSchemaVersion(db);
    return db;
  }

  /** Digests are trusted only while the triggers that clear them are in place; else everyone is read, with a warning. */
  private async digestsTrusted(conn: Conn): Promise<boolean> {
    if (await syncTriggersIntact(conn, this.backend.kind)) return true;
    this.warnings.push({
      severity: 'warning',
      message: `${TRIGGERS_MISSING}: every developer is read in full; the next apply restores them`,
    });
    return false;
  }

  /** Under the lock, in one transaction: the triggers back as made, every digest cleared. */
  private async restoreTriggersIfNeeded(conn: Conn, warn: (msg: string) => void): Promise<void> {
    if (await syncTriggersIntact(conn, this.backend.kind)) return;
    await sql.raw(this.backend.beginWrite).execute(conn);
    try {
      await restoreSyncTriggers(conn, this.backend.kind);
      await sql`commit`.execute(conn);
    } catch (error) {
      await sql`rollback`.execute(conn).catch(() => undefined);
      throw new PortalformError(
        `could not restore the sync-digest triggers of ${this.display}: ${errorMessage(error)}`,
      );
    }
    warn(`${TRIGGERS_MISSING}; restored them and cleared every digest, so every developer is read in full this time`);
  }

  private initialized(db: Conn): Promise<boolean> {
    return this.backend.tableExists(db, 'pf_meta');
  }

  /** A state written by a newer portalform is refused rather than misread or overwritten. */
  private async checkSchemaVersion(db: Conn): Promise<void> {
    if (!(await this.backend.tableExists(db, MIGRATION_TABLE))) {
      throw new PortalformError(`${this.display} is not a portalform state (no schema version recorded)`);
    }
    const table = this.backend.schema
      ? sql.table(`${this.backend.schema}.${MIGRATION_TABLE}`)
      : sql.table(MIGRATION_TABLE);
    const rows = await sql<{ name: string }>`select name from ${table}`.execute(db);
    this.syncDigests = rows.rows.some((r) => r.name === SYNC_DIGEST_VERSION);
    this.portalTables = rows.rows.some((r) => r.name === PORTAL_VERSION);
    this.nameManaged = rows.rows.some((r) => r.name === NAME_MANAGED_VERSION);
    this.mailColumns = rows.rows.some((r) => r.name === MAIL_VERSION);
    this.applications = rows.rows.some((r) => r.name === APPLICATIONS_VERSION);
    const unknown = rows.rows.map((r) => r.name).filter((name) => !SCHEMA_VERSIONS.includes(name));
    if (unknown.length > 0) {
      throw new PortalformError(
        `${this.display} was written by a newer portalform (schema ${unknown.sort().at(-1)}); upgrade portalform to use it`,
      );
    }
  }

  private async migrate(db: Conn): Promise<void> {
    const migrator = new Migrator({
      db,
      provider: migrationProvider(this.backend.kind),
      migrationTableName: MIGRATION_TABLE,
      migrationLockTableName: MIGRATION_LOCK_TABLE,
      ...(this.backend.schema ? { migrationTableSchema: this.backend.schema } : {}),
    });
    // Runs racing to set up a new state: the losers' migrations fail (each is one transaction, so
    // nothing is half-made) and find the work done when they try again.
    let { error } = await migrator.migrateToLatest();
    for (let retry = 1; error && retry <= MIGRATION_RETRIES; retry++) {
      await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** retry));
      ({ error } = await migrator.migrateToLatest());
    }
    if (error) throw new PortalformError(`could not migrate the state at ${this.display}: ${errorMessage(error)}`);
  }
}
