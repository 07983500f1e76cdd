/**
 * Tells a long-running reader (the portal service) that another writer may have changed the
 * state, so that what it keeps in memory is dropped before it could be served stale. SQLite asks
 * the file (`data_version`, on every call); PostgreSQL listens for the notification the state's
 * triggers send at every commit that touches developers, credentials, sessions or settings.
 */
export interface ChangeFeed {
  /**
   * A number that moves whenever another connection has committed a change since the last call,
   * or null when the feed cannot tell (its connection is gone): then nothing may be kept.
   * `exact` asks the source itself now (SQLite), where the feed may otherwise reuse an answer a
   * millisecond old: access checks must see every commit made before they began.
   */
  generation(exact?: boolean): number | null;
  close(): Promise<void>;
}
