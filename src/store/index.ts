// The state (src/store/): the only code that speaks SQL to the state's tables. One Store over a
// Backend with a SQLite and a PostgreSQL implementation side by side (sqlite/, postgres/); the
// schema and its migrations (schema.ts and the *-schema.ts modules); the apply's write session and
// writer; the service's short writes; and the rows of each table in a module named by its noun
// (developer-rows.ts, session-rows.ts, outbox.ts, link-tokens.ts, …). scripts/check-architecture.mjs
// refuses a table name or a dialect statement anywhere else.
import { resolve } from 'node:path';
import { PostgresBackend } from './postgres/backend.js';
import { SqliteBackend } from './sqlite/backend.js';
import { stateFileTooOpen } from './sqlite/connection.js';
import { Store } from './store.js';

export { Store } from './store.js';
export { WriteSession } from './write-session.js';
export { StateWriter, type CredentialRowInput, type DeveloperRowInput } from './writer.js';
export type { ApiChanges, ApiRowInput } from './api-rows.js';
export type { ApplicationChanges, ApplicationRowInput } from './application-rows.js';
export type { RegistrationRowInput } from './registration-rows.js';
export type * from './types.js';

export const DEFAULT_STATE = 'portalform.db';

export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

export interface OpenStoreOptions {
  /** PostgreSQL: connections the pool opens at most (a server wants more than the CLI's few). */
  poolSize?: number;
}

/** Opens the state at a file path or a postgres:// URL. Opening never creates anything. */
export function openStore(
  location: string = DEFAULT_STATE,
  cwd = process.cwd(),
  options: OpenStoreOptions = {},
): Store {
  return new Store(
    isPostgresUrl(location) ? new PostgresBackend(location, options) : new SqliteBackend(resolve(cwd, location)),
  );
}

/** Problems with where the state lives that a user should hear about before anything else. */
export function stateLocationWarnings(location: string = DEFAULT_STATE, cwd = process.cwd()): string[] {
  if (isPostgresUrl(location)) return [];
  const path = resolve(cwd, location);
  return stateFileTooOpen(path)
    ? [`the state file ${path} is readable by other users; it holds digests and encrypted secrets: chmod 600 ${path}`]
    : [];
}
