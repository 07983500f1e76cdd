// The portal's access to an existing state: refusing one that is missing or older than the portal
// needs (docs/portal-service.md), and the one short transaction every self-service write runs in.
import { storeOf, type StateOptions } from '../options.js';
import { PortalformError } from '../errors.js';
import { appendEvent, type HistoryEntry } from '../history.js';
import type { Conn } from '../store/backend.js';
import type { ChangeFeed } from '../store/change-feed.js';
import { lockDeveloper, type DeveloperRow } from '../store/developer-rows.js';
import { readMeta, readSerial } from '../store/meta.js';
import {
  APPLICATIONS_VERSION,
  CHANGE_FEED_VERSION,
  MAIL_VERSION,
  NAME_MANAGED_VERSION,
  PORTAL_VERSION,
} from '../store/schema.js';
import { StateBusyError, ValueTakenError } from '../store/short-write.js';
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
    // Mail's migration too: sign-ups prove their address (docs/portal-service.md, "Mail"); and the
    // applications' (docs/applications.md): a developer's own credentials are those of no application.
    const needed = [PORTAL_VERSION, NAME_MANAGED_VERSION, MAIL_VERSION, APPLICATIONS_VERSION];
    if (!needed.every((version) => opened.migrations.includes(version))) {
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

export interface Transaction {
  conn: Conn;
  /** The transaction's time, ISO 8601. */
  now: string;
  /** Locks a developer's row and reads it again (null: gone): a revoke that committed first is seen. */
  lockDeveloper(id: string): Promise<DeveloperRow | null>;
  lockDeveloperByEmail(email: string): Promise<DeveloperRow | null>;
  /** Appends an entry to the second history chain, with the state's serial and the transaction's time. */
  record(entry: Omit<HistoryEntry, 'serial' | 'at'>): Promise<void>;
}

export interface TransactionOptions {
  /** How long to wait for a busy state before a 503. */
  busyTimeoutMs: number;
  /** The clock of the transaction's time. */
  now: () => number;
}

/**
 * Runs `fn` in one short write transaction: committed when it returns, rolled back when it throws,
 * so nothing is ever half-written. A state busy for longer than `busyTimeoutMs` is a 503; a unique
 * value another writer took first is a 409, never a 500.
 */
export async function inTransaction<T>(
  state: PortalState,
  options: TransactionOptions,
  fn: (tx: Transaction) => Promise<T>,
): Promise<T> {
  const now = new Date(options.now()).toISOString();
  try {
    return await state.store.shortWrite(options.busyTimeoutMs, (conn) => fn(transaction(conn, state, now)));
  } catch (error) {
    throw refusalOf(error);
  }
}

function transaction(conn: Conn, state: PortalState, now: string): Transaction {
  return {
    conn,
    now,
    lockDeveloper: (id) => lockDeveloper(conn, state.store, 'id', id),
    lockDeveloperByEmail: (email) => lockDeveloper(conn, state.store, 'email', email),
    async record(entry) {
      await appendEvent(conn, state.dialect, { ...entry, serial: await readSerial(conn), at: now } as HistoryEntry);
    },
  };
}

/** The store's busy and uniqueness failures become PortalErrors; anything else stays what it is. */
function refusalOf(error: unknown): unknown {
  if (error instanceof StateBusyError) {
    const retryAfterSeconds = Math.max(1, Math.ceil(error.waitMs / 1000));
    return new PortalError(503, 'State busy', 'The state is busy; try again shortly.', undefined, retryAfterSeconds);
  }
  if (!(error instanceof ValueTakenError)) return error;
  if (error.taken === 'email')
    return new PortalError(409, 'Already registered', 'This email is already registered.', [
      { field: 'email', message: 'already registered' },
    ]);
  if (error.taken === 'identity')
    return new PortalError(409, 'Credential exists', 'You already have a credential of this type with this name.');
  return new PortalError(
    409,
    'Value taken',
    'A value of this credential is already used on this portal; choose another.',
  );
}
