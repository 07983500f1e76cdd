// The portal's access to an existing state: refusing one that is missing or older than the portal
// needs (SPEC §4), and the one short transaction every self-service write runs in.
import { storeOf, type StateOptions } from '../options.js';
import { PortalformError } from '../errors.js';
import { appendEvent, type HistoryEntry } from '../history.js';
import { sql } from '../store/kysely.js';
import type { ChangeFeed } from '../store/change-feed.js';
import { CHANGE_FEED_VERSION, NAME_MANAGED_VERSION, PORTAL_VERSION } from '../store/schema.js';
import type { Conn } from '../store/backend.js';
import type { Store } from '../store/store.js';
import { PortalError } from './contract.js';

export interface PortalState {
  store: Store;
  db: Conn;
  dialect: 'sqlite' | 'postgres';
  lineage: string;
  meta: Record<string, string>;
  /** Asked for by a long-running reader (`watch`): null otherwise, or on a state older than the feed. */
  changes: ChangeFeed | null;
}

/** Opens an existing state that has the portal's schema; anything else is refused with what to do. */
export async function openPortalState(options: StateOptions, { watch = false } = {}): Promise<PortalState> {
  const store = storeOf(options);
  try {
    const opened = await store.openExisting();
    if (!opened) throw new PortalformError(`no state at ${store.display}; run \`portalform apply\` first to create it`);
    if (!opened.migrations.includes(PORTAL_VERSION) || !opened.migrations.includes(NAME_MANAGED_VERSION)) {
      throw new PortalformError(
        `the state at ${store.display} has an older schema than the portal needs; run \`portalform apply\` to migrate it`,
      );
    }
    const meta = await readMeta(opened.db);
    if (!meta.lineage)
      throw new PortalformError(`no state at ${store.display}; run \`portalform apply\` first to create it`);
    const changes = watch && opened.migrations.includes(CHANGE_FEED_VERSION) ? await store.backend.changeFeed() : null;
    return { store, db: opened.db, dialect: store.backend.kind, lineage: meta.lineage, meta, changes };
  } catch (error) {
    await store.close();
    throw error;
  }
}

export async function readMeta(conn: Conn): Promise<Record<string, string>> {
  const rows = await conn.selectFrom('pf_meta').selectAll().execute();
  return Object.fromEntries(rows.map((r) => [r.key, r.value]));
}

export interface Transaction {
  conn: Conn;
  /** The transaction's time, ISO 8601. */
  now: string;
  /** The state's serial: recorded with every entry, never changed here. */
  serial(): Promise<number>;
  /** Locks a developer's row and reads it again (null: gone): a revoke that committed first is seen. */
  lockDeveloper(id: string): Promise<DeveloperRow | null>;
  lockDeveloperByEmail(email: string): Promise<DeveloperRow | null>;
  record(entry: Omit<HistoryEntry, 'serial' | 'at'>): Promise<void>;
}

export interface DeveloperRow {
  id: string;
  email: string;
  full_name: string;
  status: string;
  origin: string;
  created_at: string;
  password_hash: string | null;
  /** 0 when an adopting entry left the name to the developer (SPEC §8). */
  name_managed: number;
}

export const DEVELOPER_COLUMNS = [
  'id',
  'email',
  'full_name',
  'status',
  'origin',
  'created_at',
  'password_hash',
  'name_managed',
] as const;

/**
 * Runs `fn` in one write transaction: committed when it returns, rolled back when it throws, so
 * nothing is ever half-written. A state busy for longer than `busyTimeoutMs` is a 503; a unique
 * value another writer took first is a 409, never a 500.
 */
export async function inTransaction<T>(
  state: PortalState,
  busyTimeoutMs: number,
  fn: (tx: Transaction) => Promise<T>,
): Promise<T> {
  try {
    return await state.db.connection().execute(async (conn) => {
      await sql.raw(state.store.backend.beginWrite).execute(conn);
      try {
        if (state.dialect === 'postgres')
          await sql.raw(`set local lock_timeout = ${Math.max(1, Math.round(busyTimeoutMs))}`).execute(conn);
        const tx = transaction(conn, state.dialect);
        const result = await fn(tx);
        await sql`commit`.execute(conn);
        return result;
      } catch (error) {
        await sql`rollback`.execute(conn).catch(() => undefined);
        throw error;
      }
    });
  } catch (error) {
    throw translate(error, busyTimeoutMs);
  }
}

function transaction(conn: Conn, dialect: 'sqlite' | 'postgres'): Transaction {
  const now = new Date().toISOString();
  const lock = async (column: 'id' | 'email', value: string) => {
    let query = conn.selectFrom('pf_developers').select(DEVELOPER_COLUMNS).where(column, '=', value);
    // SQLite: `begin immediate` already made this the only writer.
    if (dialect === 'postgres') query = query.forUpdate();
    return ((await query.executeTakeFirst()) as DeveloperRow | undefined) ?? null;
  };
  return {
    conn,
    now,
    async serial() {
      const row = await conn.selectFrom('pf_meta').select('value').where('key', '=', 'serial').executeTakeFirst();
      return Number(row?.value ?? 0);
    },
    lockDeveloper: (id) => lock('id', id),
    lockDeveloperByEmail: (email) => lock('email', email),
    async record(entry) {
      const row = await conn.selectFrom('pf_meta').select('value').where('key', '=', 'serial').executeTakeFirst();
      await appendEvent(conn, dialect, { ...entry, serial: Number(row?.value ?? 0), at: now } as HistoryEntry);
    },
  };
}

/** Database failures a caller can act on become PortalErrors; anything else stays what it is. */
function translate(error: unknown, busyTimeoutMs: number): unknown {
  if (error instanceof PortalError || error instanceof PortalformError) return error;
  const code = String((error as { code?: unknown })?.code ?? '');
  const message = String((error as { message?: unknown })?.message ?? '');
  const retryAfterSeconds = Math.max(1, Math.ceil(busyTimeoutMs / 1000));
  if (code.startsWith('SQLITE_BUSY') || code === '55P03' || code === '40P01' || code === '40001') {
    return new PortalError(503, 'State busy', 'The state is busy; try again shortly.', undefined, retryAfterSeconds);
  }
  if (code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    const constraint = `${String((error as { constraint?: unknown }).constraint ?? '')} ${message}`;
    if (/email/.test(constraint))
      return new PortalError(409, 'Already registered', 'This email is already registered.', [
        { field: 'email', message: 'already registered' },
      ]);
    if (/identity/.test(constraint))
      return new PortalError(409, 'Credential exists', 'You already have a credential of this type with this name.');
    return new PortalError(
      409,
      'Value taken',
      'A value of this credential is already used on this portal; choose another.',
    );
  }
  return error;
}
