import { randomUUID } from 'node:crypto';
import { Kysely, Migrator, sql } from './kysely.js';
import { PortalformError } from '../errors.js';
import type { CredentialType, Status } from '../model.js';
import { compareCodeUnits } from '../manifest/files.js';
import { EVENTS_CHAIN, SCHEMA_VERSIONS, SYNC_DIGEST_VERSION, migrationProvider, type CredentialTable, type Database, type DeveloperTable } from './schema.js';
import type {
  HistoryRow,
  LockHolder,
  LockInfo,
  Origin,
  ReadScope,
  ScopeSelection,
  StateSnapshot,
  StoredIndex,
  StoredCredential,
  StoredDeveloper,
} from './types.js';
import { EMPTY_STATE } from './types.js';
import { count, timed } from '../timing.js';

export type Conn = Kysely<Database>;

/** What differs between SQLite and PostgreSQL; everything else is one Kysely query builder. */
export interface Backend {
  readonly kind: 'sqlite' | 'postgres';
  /** The state's location for messages, without credentials. */
  readonly display: string;
  /** Largest number of bound parameters one statement may carry. */
  readonly maxParams: number;
  readonly beginWrite: string;
  readonly beginRead: string;
  /** The schema that holds the state's tables, where the dialect has schemas. */
  readonly schema?: string;
  /** The Kysely instance, or null when no state exists and opening would create one. */
  db(): Conn | null;
  tableExists(conn: Conn, name: string): Promise<boolean>;
  /** Makes the database reachable for writing (creates the file or schema). Only apply calls it. */
  create(): Promise<Conn>;
  /** Removes a state this process created but never initialized (a failed first apply leaves nothing). */
  discardNew(): Promise<void>;
  acquireLock(conn: Conn, holder: LockHolder, timeoutMs: number, warn: (msg: string) => void): Promise<LockInfo>;
  releaseLock(conn: Conn, lock: LockInfo): Promise<void>;
  /** Refuses to clear a record whose lock is provably still held (PostgreSQL can tell). */
  beforeForceUnlock?(conn: Conn, lock: LockInfo): Promise<void>;
  close(): Promise<void>;
}

export type DeveloperRowInput = Omit<StoredDeveloper, 'credentials'>;

export type CredentialRowInput = StoredCredential;

const MIGRATION_TABLE = 'pf_migration';
const MIGRATION_LOCK_TABLE = 'pf_migration_lock';
const MIGRATION_RETRIES = 3;

export class Store {
  /** Whether the state has sync digests (schema 0002); an older one is read in full until apply migrates it. */
  private syncDigests = false;

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
        return await readSnapshot(conn, this.syncDigests ? scope : undefined);
      } finally {
        await sql`commit`.execute(conn);
      }
    });
  }

  async readHistory(): Promise<HistoryRow[]> {
    const db = await this.existing();
    return db ? readHistory(db) : [];
  }

  /** The second chain (SPEC §3) and its head row; empty in a state from before it existed. */
  async readEvents(): Promise<{ rows: HistoryRow[]; head: { seq: number; hash: string } | null }> {
    const db = await this.existing();
    if (!db || !(await this.backend.tableExists(db, 'pf_events'))) return { rows: [], head: null };
    return db.connection().execute(async (conn) => {
      await sql.raw(this.backend.beginRead).execute(conn);
      try {
        const head = await conn.selectFrom('pf_chain_heads').select(['seq', 'hash']).where('chain', '=', EVENTS_CHAIN).executeTakeFirst();
        return { rows: await readHistory(conn, 'pf_events'), head: head ? { seq: Number(head.seq), hash: head.hash } : null };
      } finally {
        await sql`commit`.execute(conn);
      }
    });
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
    await db.deleteFrom('pf_locks').where('lock_id', '=', lockId).execute();
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

  /**
   * An existing state for a writer that does not migrate (the portal service, `invite`): its
   * database and the migrations it has; null when there is no state yet.
   */
  async openExisting(): Promise<{ db: Conn; migrations: string[] } | null> {
    const db = await this.existing();
    if (!db) return null;
    const table = this.backend.schema ? sql.table(`${this.backend.schema}.${MIGRATION_TABLE}`) : sql.table(MIGRATION_TABLE);
    const rows = await sql<{ name: string }>`select name from ${table}`.execute(db);
    return { db, migrations: rows.rows.map((r) => r.name) };
  }

  /** The database of an existing state this portalform can read, or null when there is no state yet. */
  private async existing(): Promise<Conn | null> {
    const db = this.backend.db();
    if (!db || !(await this.initialized(db))) return null;
    await this.checkSchemaVersion(db);
    return db;
  }

  private initialized(db: Conn): Promise<boolean> {
    return this.backend.tableExists(db, 'pf_meta');
  }

  /** A state written by a newer portalform is refused rather than misread or overwritten. */
  private async checkSchemaVersion(db: Conn): Promise<void> {
    if (!(await this.backend.tableExists(db, MIGRATION_TABLE))) {
      throw new PortalformError(`${this.display} is not a portalform state (no schema version recorded)`);
    }
    const table = this.backend.schema ? sql.table(`${this.backend.schema}.${MIGRATION_TABLE}`) : sql.table(MIGRATION_TABLE);
    const rows = await sql<{ name: string }>`select name from ${table}`.execute(db);
    this.syncDigests = rows.rows.some((r) => r.name === SYNC_DIGEST_VERSION);
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

/** One connection holding the lock; apply runs its transaction here. */
export class WriteSession {
  constructor(
    readonly conn: Conn,
    private readonly backend: Backend,
  ) {}

  /** The state as it is under the lock (migrated: sync digests exist). */
  read(scope?: ReadScope): Promise<StateSnapshot> {
    return readSnapshot(this.conn, scope);
  }

  readHistory(): Promise<HistoryRow[]> {
    return readHistory(this.conn);
  }

  /** All-or-nothing: commits when `fn` returns, rolls back when it throws. */
  async transaction<T>(fn: (writer: StateWriter) => Promise<T>): Promise<T> {
    await sql.raw(this.backend.beginWrite).execute(this.conn);
    try {
      const result = await fn(new StateWriter(this.conn, this.backend.maxParams));
      await sql`commit`.execute(this.conn);
      return result;
    } catch (error) {
      await sql`rollback`.execute(this.conn).catch(() => undefined);
      throw error;
    }
  }
}

/** Writes inside the apply transaction. Inserts and deletes are batched into multi-row statements. */
export class StateWriter {
  constructor(
    readonly conn: Conn,
    private readonly maxParams: number,
  ) {}

  async setMeta(entries: Record<string, string>): Promise<void> {
    for (const [key, value] of Object.entries(entries)) {
      await this.conn
        .insertInto('pf_meta')
        .values({ key, value })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
        .execute();
    }
  }

  async insertDevelopers(rows: DeveloperRowInput[], now: string): Promise<void> {
    const toRow = (r: DeveloperRowInput): DeveloperTable => ({
      id: r.id,
      email: r.email,
      full_name: r.fullName,
      status: r.status,
      custom_id: r.customId,
      meta: JSON.stringify(r.meta),
      origin: r.origin,
      created_at: now,
      updated_at: now,
      sync_digest: null,
    });
    // Rows are made a statement at a time: a large apply never holds all of them at once.
    for (const chunk of chunks(rows, this.rowsPerStatement(10))) {
      await this.conn.insertInto('pf_developers').values(chunk.map(toRow)).execute();
    }
  }

  async updateDeveloper(
    id: string,
    set: Partial<Pick<DeveloperRowInput, 'email' | 'fullName' | 'status' | 'customId' | 'meta' | 'origin'>>,
    now: string,
  ): Promise<void> {
    const row: Partial<DeveloperTable> = { updated_at: now };
    if (set.email !== undefined) row.email = set.email;
    if (set.fullName !== undefined) row.full_name = set.fullName;
    if (set.status !== undefined) row.status = set.status;
    if (set.customId !== undefined) row.custom_id = set.customId;
    if (set.meta !== undefined) row.meta = JSON.stringify(set.meta);
    if (set.origin !== undefined) row.origin = set.origin;
    await this.conn.updateTable('pf_developers').set(row).where('id', '=', id).execute();
  }

  /** A developer who stops being approved, or is deleted, loses every portal session (SPEC §7). */
  async endSessions(developerIds: string[]): Promise<void> {
    for (const chunk of chunks(developerIds, this.maxParams)) {
      await this.conn.deleteFrom('pf_sessions').where('developer_id', 'in', chunk).execute();
    }
  }

  async deleteDevelopers(ids: string[]): Promise<void> {
    await this.endSessions(ids);
    for (const chunk of chunks(ids, this.maxParams)) {
      await this.conn.deleteFrom('pf_invites').where('developer_id', 'in', chunk).execute();
      await this.conn.deleteFrom('pf_developers').where('id', 'in', chunk).execute();
    }
  }

  async insertCredentials(rows: CredentialRowInput[], now: string): Promise<void> {
    const toRow = (r: CredentialRowInput): CredentialTable => ({
      id: r.id,
      developer_id: r.developerId,
      type: r.type,
      identity: r.identity,
      unique_value: r.uniqueValue,
      fields: JSON.stringify(r.fields),
      secrets: JSON.stringify(r.secrets),
      active: r.active ? 1 : 0,
      origin: r.origin,
      created_at: now,
      updated_at: now,
    });
    for (const chunk of chunks(rows, this.rowsPerStatement(11))) {
      await this.conn.insertInto('pf_credentials').values(chunk.map(toRow)).execute();
    }
  }

  async updateCredential(
    id: string,
    set: Partial<Pick<CredentialRowInput, 'uniqueValue' | 'fields' | 'secrets' | 'origin'>>,
    now: string,
  ): Promise<void> {
    const row: Partial<CredentialTable> = { updated_at: now };
    if (set.uniqueValue !== undefined) row.unique_value = set.uniqueValue;
    if (set.fields !== undefined) row.fields = JSON.stringify(set.fields);
    if (set.secrets !== undefined) row.secrets = JSON.stringify(set.secrets);
    if (set.origin !== undefined) row.origin = set.origin;
    await this.conn.updateTable('pf_credentials').set(row).where('id', '=', id).execute();
  }

  async deleteCredentials(ids: string[]): Promise<void> {
    for (const chunk of chunks(ids, this.maxParams)) {
      await this.conn.deleteFrom('pf_credentials').where('id', 'in', chunk).execute();
    }
  }

  /** Revoke and approve flip every credential of the developer in the same transaction. */
  async setCredentialsActive(developerIds: string[], active: boolean, now: string): Promise<void> {
    for (const chunk of chunks(developerIds, this.maxParams - 2)) {
      await this.conn
        .updateTable('pf_credentials')
        .set({ active: active ? 1 : 0, updated_at: now })
        .where('developer_id', 'in', chunk)
        .execute();
    }
  }

  /** Records that these developers match their manifest entries (see plan/digest.ts). */
  async storeSyncDigests(entries: Array<{ email: string; digest: string }>): Promise<void> {
    // One statement per slice, not per developer: after a large apply this is every developer.
    for (const chunk of chunks(entries, this.rowsPerStatement(2))) {
      const values = sql.join(chunk.map((e) => sql`(${e.email}, ${e.digest})`));
      // Both dialects name the columns of a bare VALUES list column1, column2.
      await sql`update pf_developers set sync_digest = v.column2 from (values ${values}) as v
        where pf_developers.email = v.column1`.execute(this.conn);
    }
  }

  async appendHistory(row: Omit<HistoryRow, 'seq'>): Promise<void> {
    const last = await this.conn.selectFrom('pf_history').select((eb) => eb.fn.max('seq').as('seq')).executeTakeFirst();
    await this.conn
      .insertInto('pf_history')
      .values({
        seq: Number(last?.seq ?? 0) + 1,
        kind: row.kind,
        serial: row.serial,
        at: row.at,
        actor: row.actor,
        entry: row.entry,
        prev_hash: row.prevHash,
        hash: row.hash,
      })
      .execute();
  }

  lastHistoryHash(): Promise<string | null> {
    return this.conn
      .selectFrom('pf_history')
      .select('hash')
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst()
      .then((row) => row?.hash ?? null);
  }

  private rowsPerStatement(columns: number): number {
    return Math.max(1, Math.floor(this.maxParams / columns));
  }
}

function readSnapshot(conn: Conn, scope?: ReadScope): Promise<StateSnapshot> {
  return timed('read state', () => readRows(conn, scope));
}

/** Above this share of the developers, one scan of everything beats looking them up. */
const FULL_READ_SHARE = 0.2;
const FULL_READ_MIN = 1000;

async function readRows(conn: Conn, scope?: ReadScope): Promise<StateSnapshot> {
  const metaRows = await conn.selectFrom('pf_meta').selectAll().execute();
  const meta = Object.fromEntries(metaRows.map((r) => [r.key, r.value]));
  const snapshot = { lineage: meta.lineage ?? null, serial: Number(meta.serial ?? 0), meta };
  if (!scope || snapshot.lineage === null) return { ...snapshot, developers: await readDevelopers(conn, null) };

  const index: StoredIndex = new Map();
  for (const row of await timed('read sync digests', () => conn.selectFrom('pf_developers').select(['email', 'sync_digest', 'origin']).execute())) {
    index.set(row.email, { digest: row.sync_digest, origin: row.origin as Origin });
  }
  const { read, inSync, claims } = timed('scope', () => scope(index, meta));
  const lookups = read.size + claims.customIds.length + claims.unique.length;
  if (lookups > Math.max(FULL_READ_MIN, index.size * FULL_READ_SHARE)) return { ...snapshot, developers: await readDevelopers(conn, null), inSync };
  for (const email of await holdersOf(conn, claims)) read.add(email);
  return { ...snapshot, developers: await readDevelopers(conn, [...read]), inSync };
}

/** Emails of the stored developers holding any of these unique values. */
async function holdersOf(conn: Conn, claims: ScopeSelection['claims']): Promise<string[]> {
  const emails: string[] = [];
  for (const chunk of chunks(claims.customIds, LOOKUP_CHUNK)) {
    const rows = await conn.selectFrom('pf_developers').select('email').where('custom_id', 'in', chunk).execute();
    emails.push(...rows.map((r) => r.email));
  }
  const byType = new Map<string, string[]>();
  for (const { type, value } of claims.unique) {
    const values = byType.get(type);
    if (values) values.push(value);
    else byType.set(type, [value]);
  }
  for (const [type, values] of byType) {
    for (const chunk of chunks(values, LOOKUP_CHUNK)) {
      const rows = await conn
        .selectFrom('pf_credentials')
        .innerJoin('pf_developers', 'pf_developers.id', 'pf_credentials.developer_id')
        .select('pf_developers.email')
        .where('pf_credentials.type', '=', type)
        .where('pf_credentials.unique_value', 'in', chunk)
        .execute();
      emails.push(...rows.map((r) => r.email));
    }
  }
  return emails;
}

const LOOKUP_CHUNK = 500;

/** The developers with these emails (null: all), with their credentials, in code-unit order whatever the database's collation. */
async function readDevelopers(conn: Conn, emails: string[] | null): Promise<StoredDeveloper[]> {
  // Only the columns the snapshot holds: a large state reads noticeably faster without the timestamps.
  const developerColumns = ['id', 'email', 'full_name', 'status', 'custom_id', 'meta', 'origin'] as const;
  const credentialColumns = ['id', 'developer_id', 'type', 'identity', 'unique_value', 'fields', 'secrets', 'active', 'origin'] as const;
  let developerRows: Array<Pick<DeveloperTable, (typeof developerColumns)[number]>>;
  let credentialRows: Array<Omit<CredentialTable, 'created_at' | 'updated_at'>>;
  if (emails === null) {
    developerRows = await conn.selectFrom('pf_developers').select(developerColumns).execute();
    credentialRows = await conn.selectFrom('pf_credentials').select(credentialColumns).execute();
  } else {
    developerRows = [];
    credentialRows = [];
    for (const chunk of chunks(emails, LOOKUP_CHUNK)) {
      developerRows.push(...(await conn.selectFrom('pf_developers').select(developerColumns).where('email', 'in', chunk).execute()));
    }
    for (const chunk of chunks(developerRows.map((r) => r.id), LOOKUP_CHUNK)) {
      credentialRows.push(...(await conn.selectFrom('pf_credentials').select(credentialColumns).where('developer_id', 'in', chunk).execute()));
    }
  }
  const byDeveloper = new Map<string, StoredCredential[]>();
  for (const row of credentialRows) {
    const list = byDeveloper.get(row.developer_id) ?? [];
    list.push(toCredential(row));
    byDeveloper.set(row.developer_id, list);
  }
  const developers: StoredDeveloper[] = developerRows.map((row) => ({
    id: row.id,
    email: row.email,
    fullName: row.full_name,
    status: row.status as Status,
    customId: row.custom_id,
    meta: JSON.parse(row.meta),
    origin: row.origin as Origin,
    credentials: (byDeveloper.get(row.id) ?? []).sort((a, b) => compareCodeUnits(a.type, b.type) || compareCodeUnits(a.identity, b.identity)),
  }));
  count('developers read in full', developers.length);
  return developers.sort((a, b) => compareCodeUnits(a.email, b.email));
}

function toCredential(row: Omit<CredentialTable, 'created_at' | 'updated_at'>): StoredCredential {
  return {
    id: row.id,
    developerId: row.developer_id,
    type: row.type as CredentialType,
    identity: row.identity,
    uniqueValue: row.unique_value,
    fields: JSON.parse(row.fields),
    secrets: JSON.parse(row.secrets),
    active: Number(row.active) === 1,
    origin: row.origin as Origin,
  };
}

async function readHistory(db: Conn, table: 'pf_history' | 'pf_events' = 'pf_history'): Promise<HistoryRow[]> {
  const rows = await db.selectFrom(table).selectAll().orderBy('seq').execute();
  return rows.map((r) => ({
    seq: Number(r.seq),
    kind: r.kind,
    serial: Number(r.serial),
    at: r.at,
    actor: r.actor,
    entry: r.entry,
    prevHash: r.prev_hash,
    hash: r.hash,
  }));
}

/** Replaces the lock record with a new one for `holder`. */
export async function writeLockRecord(conn: Conn, holder: LockHolder): Promise<LockInfo> {
  const lock: LockInfo = { id: randomUUID(), holder, since: new Date().toISOString() };
  await conn.deleteFrom('pf_locks').where('name', '=', 'apply').execute();
  await conn.insertInto('pf_locks').values({ name: 'apply', lock_id: lock.id, holder: JSON.stringify(holder), since: lock.since }).execute();
  return lock;
}

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

export function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
