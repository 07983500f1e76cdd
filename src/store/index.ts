import { resolve } from 'node:path';
import { PostgresBackend } from './postgres.js';
import { SqliteBackend } from './sqlite.js';
import { Store } from './store.js';

export { Store, WriteSession, StateWriter } from './store.js';
export type * from './types.js';

export const DEFAULT_STATE = 'portalform.db';

export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/** Opens the state at a file path or a postgres:// URL. Opening never creates anything. */
export function openStore(location: string = DEFAULT_STATE, cwd = process.cwd()): Store {
  return new Store(isPostgresUrl(location) ? new PostgresBackend(location) : new SqliteBackend(resolve(cwd, location)));
}
