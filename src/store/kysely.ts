// Kysely, from its CommonJS build: Node loads its many modules faster from it than from the ESM
// build, and every command pays that at start. Only this module names the package.
import { createRequire } from 'node:module';
import type * as KyselyModule from 'kysely';

const kysely = createRequire(import.meta.url)('kysely') as typeof KyselyModule;

export const { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } = kysely;
export type Kysely<DB> = KyselyModule.Kysely<DB>;
export type {
  InsertObject,
  Migration,
  MigrationProvider,
  PostgresPool,
  PostgresPoolClient,
  SelectQueryBuilder,
  SqliteDatabase,
} from 'kysely';
