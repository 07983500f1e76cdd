// Opening the SQLite state file, and what the backend checks about the file itself.
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { PortalformError } from '../../errors.js';
import { errorMessage } from '../../util/errors.js';

/** How long a statement waits for another connection's write lock before it fails as busy. */
export const BUSY_TIMEOUT_MS = 5_000;

let nativeBinding: string | object | null | undefined;

/**
 * better-sqlite3's compiled addon, given to the driver: its path where the driver's install builds
 * it, else the addon as the driver itself would find it (the `bindings` package, searching from the
 * driver's folder). Given, it spares that search of a dozen places at every start, and lets the CLI
 * bundle hold the driver's JavaScript (scripts/build-bundle.mjs): only the addon is loaded from
 * node_modules. Null (the driver searches as usual) if even that fails.
 */
function sqliteAddon(): string | object | null {
  if (nativeBinding === undefined) {
    try {
      const require = createRequire(import.meta.url);
      const driver = dirname(require.resolve('better-sqlite3/package.json'));
      const built = join(driver, 'build', 'Release', 'better_sqlite3.node');
      nativeBinding = existsSync(built)
        ? built
        : (require('bindings') as (options: object) => object)({
            bindings: 'better_sqlite3.node',
            module_root: driver,
          });
    } catch {
      nativeBinding = null;
    }
  }
  return nativeBinding;
}

/** Which file a path named when it was opened. */
export interface FileIdentity {
  dev: number;
  ino: number;
}

export interface OpenedFile {
  database: SqliteDatabase.Database;
  identity: FileIdentity | null;
}

/** Opens an existing state file in WAL mode; refuses one that is unreadable or another application's database. */
export function openStateFile(path: string): OpenedFile {
  let database: SqliteDatabase.Database | undefined;
  let foreign: string[];
  try {
    const addon = sqliteAddon();
    // The driver takes the addon object too (its types say a path only).
    database = new SqliteDatabase(path, {
      fileMustExist: true,
      timeout: BUSY_TIMEOUT_MS,
      ...(addon ? { nativeBinding: addon as string } : {}),
    });
    // Looked at before anything is written, even the journal mode: another application's database is left alone.
    foreign = foreignTables(database);
    if (foreign.length === 0) {
      database.pragma('journal_mode = WAL');
      database.pragma('foreign_keys = ON');
      database.pragma('synchronous = FULL');
    }
  } catch (error) {
    database?.close();
    throw new PortalformError(`${path} is not a readable portalform state: ${errorMessage(error)}`);
  }
  if (foreign.length > 0) {
    database.close();
    throw new PortalformError(
      `${path} is not a portalform state: it is an SQLite database of another application (tables ` +
        `${foreign.slice(0, 5).join(', ')}${foreign.length > 5 ? ', …' : ''}); ` +
        'portalform neither reads nor writes it. Give --state a new file or an existing portalform state',
    );
  }
  return { database, identity: fileIdentity(path) };
}

/** The tables of a database that holds no portalform state (no pf_meta) but other tables; none for a portalform state. */
function foreignTables(database: SqliteDatabase.Database): string[] {
  const tables = database
    .prepare(`select name from sqlite_master where type in ('table', 'view') order by name`)
    .pluck()
    .all() as string[];
  if (tables.includes('pf_meta')) return [];
  return tables.filter((name) => !name.startsWith('pf_') && !name.startsWith('sqlite_'));
}

function fileIdentity(path: string): FileIdentity | null {
  try {
    const { dev, ino } = statSync(path);
    return { dev, ino };
  } catch {
    return null;
  }
}

/** Another run's failed first apply may have removed a new file just before this run locked it. */
export function checkStillAtPath(path: string, opened: FileIdentity | null): void {
  const now = fileIdentity(path);
  if (now && opened && now.dev === opened.dev && now.ino === opened.ino) return;
  throw new PortalformError(
    `the state file ${path} was removed while this run was opening it (another run's first apply failed); run again`,
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
