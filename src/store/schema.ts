import { sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';

// Tables as Kysely sees them. JSON columns are text and booleans are 0/1 integers in both
// dialects, so rows read back the same from SQLite and PostgreSQL.

export interface MetaTable {
  key: string;
  value: string;
}

export interface DeveloperTable {
  id: string;
  email: string;
  full_name: string;
  status: string;
  custom_id: string | null;
  meta: string;
  origin: string;
  created_at: string;
  updated_at: string;
}

export interface CredentialTable {
  id: string;
  developer_id: string;
  type: string;
  identity: string;
  /** The value Kong requires to be unique per type (a digest for key-auth keys); null when none. */
  unique_value: string | null;
  fields: string;
  secrets: string;
  active: number;
  origin: string;
  created_at: string;
  updated_at: string;
}

export interface HistoryTable {
  seq: number;
  kind: string;
  serial: number;
  at: string;
  actor: string;
  entry: string;
  prev_hash: string;
  hash: string;
}

export interface LockTable {
  name: string;
  lock_id: string;
  holder: string;
  since: string;
}

export interface Database {
  pf_meta: MetaTable;
  pf_developers: DeveloperTable;
  pf_credentials: CredentialTable;
  pf_history: HistoryTable;
  pf_locks: LockTable;
}

const MIGRATIONS: Record<string, Migration> = {
  '0001_initial': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('pf_meta')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('pf_developers')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('email', 'text', (c) => c.notNull().unique())
        .addColumn('full_name', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) =>
          c.notNull().check(sql`status in ('pending', 'approved', 'rejected', 'revoked')`),
        )
        .addColumn('custom_id', 'text', (c) => c.unique())
        .addColumn('meta', 'text', (c) => c.notNull())
        .addColumn('origin', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('pf_credentials')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('developer_id', 'text', (c) => c.notNull().references('pf_developers.id'))
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('identity', 'text', (c) => c.notNull())
        .addColumn('unique_value', 'text')
        .addColumn('fields', 'text', (c) => c.notNull())
        .addColumn('secrets', 'text', (c) => c.notNull())
        .addColumn('active', 'integer', (c) => c.notNull())
        .addColumn('origin', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('pf_credentials_identity', ['developer_id', 'type', 'identity'])
        .addUniqueConstraint('pf_credentials_unique_value', ['type', 'unique_value'])
        .execute();
      await db.schema
        .createTable('pf_history')
        .addColumn('seq', 'integer', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('serial', 'integer', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('entry', 'text', (c) => c.notNull())
        .addColumn('prev_hash', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('pf_locks')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('lock_id', 'text', (c) => c.notNull())
        .addColumn('holder', 'text', (c) => c.notNull())
        .addColumn('since', 'text', (c) => c.notNull())
        .execute();
    },
  },
};

export const SCHEMA_VERSIONS = Object.keys(MIGRATIONS).sort();

export const migrationProvider: MigrationProvider = {
  async getMigrations() {
    return MIGRATIONS;
  },
};
