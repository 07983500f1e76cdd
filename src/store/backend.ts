// What differs between SQLite (sqlite/) and PostgreSQL (postgres/); everything else, the Store,
// its write session and its reads, is one Kysely query builder over the same tables.
import type { ChangeFeed } from './change-feed.js';
import type { Kysely } from './kysely.js';
import type { Database } from './schema.js';
import type { LockHolder, LockInfo } from './types.js';

/** A Kysely instance or one of its connections, over the state's tables. */
export type Conn = Kysely<Database>;

/**
 * What a failed statement means to a caller that can act on it: another writer holds what it
 * needs (`busy`), a unique constraint refused a value (`unique`), the database gave up one of
 * two transactions that got in each other's way (`serialization`), or anything else (`other`).
 */
export type StoreErrorClass = 'busy' | 'unique' | 'serialization' | 'other';

/** One place a state lives. The Store calls these; nothing else does. */
export interface Backend {
  /** The dialect: it chooses the migrations (schema.ts) the Store runs. */
  readonly kind: 'sqlite' | 'postgres';

  /** The state's location for messages: never a password or other credential. */
  readonly display: string;

  /** Largest number of bound parameters one statement may carry: every batch the writer makes stays within it. */
  readonly maxParams: number;

  /**
   * The statement that opens the write transaction on the locked connection. Everything the
   * transaction writes becomes visible to readers at its commit, all at once, and a rollback
   * leaves the state as it was.
   */
  readonly beginWrite: string;

  /**
   * The statement that opens a read transaction. Every statement in it must see one snapshot (the
   * state as of one commit, however many statements the read takes), and it must neither wait for
   * a writer nor make one wait.
   */
  readonly beginRead: string;

  /**
   * Opens a short write transaction on `conn` that waits at most `waitMs` for what another writer
   * holds, then fails busy: the only writer on SQLite (`begin immediate`, waiting by the busy
   * timeout), a transaction whose row locks time out on PostgreSQL.
   */
  beginShortWrite(conn: Conn, waitMs: number): Promise<void>;

  /**
   * Whether a row a short write reads must be locked explicitly (`select … for update`) to stay
   * as read until commit: false where the transaction already excludes every other writer.
   */
  readonly locksRows: boolean;

  /** How long a statement on db() waits for another writer before failing busy; a no-op where each transaction sets it. */
  setBusyTimeout(ms: number): Promise<void>;

  /** The meaning of a database error, from the dialect's own error codes. */
  classifyError(error: unknown): StoreErrorClass;

  /**
   * The schema that holds the state's tables, where the dialect has schemas: the Store qualifies
   * the migration table with it. Absent: unqualified names reach the state's tables.
   */
  readonly schema?: string;

  /**
   * The Kysely instance, or null when no state exists and opening one would create it. Never
   * creates anything: a plan, or any other reader, leaves no trace where there was no state.
   */
  db(): Conn | null;

  /** Whether the state's table `name` exists (in `schema` where there is one). */
  tableExists(conn: Conn, name: string): Promise<boolean>;

  /**
   * Makes the database reachable for writing (creates the file or schema) and returns it; leaves
   * an existing state as it is, also when another run creates it at the same moment. Only a write
   * session calls it.
   */
  create(): Promise<Conn>;

  /**
   * Called at the end of every write session that began with no state (db() was null), so that a
   * failed first apply leaves no state behind: removes what this process created, unless another
   * run holds the lock or has written a lineage there: the state is then that run's.
   */
  discardNew(): Promise<void>;

  /**
   * Takes the state's exclusive write lock on `conn`, retrying until `timeoutMs` has passed (0: one
   * attempt), and writes the lock record (locks.ts) naming `holder`; no transaction is left open,
   * so other runs can read the record while the lock is held. A lock still held at the deadline is
   * refused with a LockHeldError that names its holder where the record does. One whose holder is
   * provably gone may be taken over, saying so through `warn`. The lock lasts until releaseLock.
   */
  acquireLock(conn: Conn, holder: LockHolder, timeoutMs: number, warn: (msg: string) => void): Promise<LockInfo>;

  /** Releases a lock acquireLock returned, on the same connection, and removes its record. */
  releaseLock(conn: Conn, lock: LockInfo): Promise<void>;

  /**
   * Called by force-unlock before it removes the lock record `lock`: throws when that lock is
   * provably still held (PostgreSQL can tell). Absent: a record is taken to be a crashed run's.
   */
  beforeForceUnlock?(conn: Conn, lock: LockInfo): Promise<void>;

  /**
   * A feed that tells a long-running reader when another writer has committed (change-feed.ts).
   * Only on an existing state whose migrations include CHANGE_FEED_VERSION (schema.ts).
   */
  changeFeed(): Promise<ChangeFeed>;

  /** Ends every connection this backend opened. */
  close(): Promise<void>;
}
