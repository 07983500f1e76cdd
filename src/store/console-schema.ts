// The console's tables (docs/portal-service.md, "Pages"): its sessions, kept in the state so that
// signing out ends one on every instance, and its failed sign-ins per client address.
import type { Kysely } from './kysely.js';

/** A console session: only the SHA-256 digests of its cookie and of the console token that opened it. */
export interface ConsoleSessionTable {
  token_digest: string;
  /** Which configured console token opened it: once that token is gone, so is the session. */
  console_token_digest: string;
  created_at: string;
  last_seen_at: string;
  idle_expires_at: string;
  expires_at: string;
}

/** Failed console sign-ins from one client address in the current window. */
export interface ConsoleAttemptTable {
  address: string;
  window_start: string;
  failures: number;
}

export async function createConsoleTables(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('pf_console_sessions')
    .addColumn('token_digest', 'text', (c) => c.primaryKey())
    .addColumn('console_token_digest', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_seen_at', 'text', (c) => c.notNull())
    .addColumn('idle_expires_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('pf_console_sessions_expiry')
    .on('pf_console_sessions')
    .column('idle_expires_at')
    .execute();
  await db.schema
    .createTable('pf_console_attempts')
    .addColumn('address', 'text', (c) => c.primaryKey())
    .addColumn('window_start', 'text', (c) => c.notNull())
    .addColumn('failures', 'integer', (c) => c.notNull())
    .execute();
}
