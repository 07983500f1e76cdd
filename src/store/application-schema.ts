// Migration 0012_applications (docs/applications.md): the APIs, a developer's applications and their
// registrations; a credential may belong to an application, and its identity is unique per owner
// (the developer, or one of its applications) while its unique value stays unique portal-wide.
import { sql, type Kysely } from './kysely.js';
import { CHANGE_FEED_TRIGGERS, VERSION_TRIGGERS } from './schema-statements.js';
import { APPLICATION_SYNC_TRIGGERS, SYNC_DIGEST_TRIGGERS } from './sync-triggers.js';

type Dialect = 'sqlite' | 'postgres';

/** The migration body; on SQLite in a transaction of its own, since its migrations run outside one. */
export async function createApplicationTables(db: Kysely<any>, dialect: Dialect): Promise<void> {
  if (dialect === 'postgres') {
    await createApplications(db, dialect);
    return;
  }
  await db.transaction().execute((trx) => createApplications(trx, dialect));
}

async function createApplications(db: Kysely<any>, dialect: Dialect): Promise<void> {
  await createTables(db);
  if (dialect === 'sqlite') await rebuildSqliteCredentials(db);
  else await extendPostgresCredentials(db);
  const statements = [
    ...APPLICATION_INDEXES,
    ...APPLICATION_VERSION_TRIGGERS[dialect],
    ...APPLICATION_CHANGE_FEED_TRIGGERS[dialect],
    ...APPLICATION_SYNC_TRIGGERS[dialect],
  ];
  for (const statement of statements) await sql.raw(statement).execute(db);
}

async function createTables(db: Kysely<any>): Promise<void> {
  const timestamps = <T extends { addColumn: (...args: any[]) => T }>(table: T): T =>
    table
      .addColumn('created_at', 'text', (c: any) => c.notNull())
      .addColumn('updated_at', 'text', (c: any) => c.notNull())
      .addColumn('version', 'integer', (c: any) => c.notNull().defaultTo(1));
  await timestamps(
    db.schema
      .createTable('pf_apis')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('title', 'text')
      .addColumn('description', 'text')
      .addColumn('auto_approve_registrations', 'integer')
      .addColumn('acl_groups', 'text', (c) => c.notNull()),
  ).execute();
  await timestamps(
    db.schema
      .createTable('pf_applications')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('developer_id', 'text', (c) => c.notNull().references('pf_developers.id'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('description', 'text')
      .addColumn('description_managed', 'integer', (c) => c.notNull())
      .addColumn('origin', 'text', (c) => c.notNull()),
  )
    .addUniqueConstraint('pf_applications_name', ['developer_id', 'name'])
    .execute();
  await timestamps(
    db.schema
      .createTable('pf_registrations')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('application_id', 'text', (c) => c.notNull().references('pf_applications.id'))
      .addColumn('api', 'text', (c) => c.notNull().references('pf_apis.name'))
      .addColumn('status', 'text', (c) =>
        c.notNull().check(sql`status in ('pending', 'approved', 'rejected', 'revoked')`),
      )
      .addColumn('origin', 'text', (c) => c.notNull()),
  )
    .addUniqueConstraint('pf_registrations_api', ['application_id', 'api'])
    .execute();
}

/** The credential columns before this migration, in order. */
const CREDENTIAL_COLUMNS =
  'id, developer_id, type, identity, unique_value, fields, secrets, active, origin, created_at, updated_at, version';

/**
 * SQLite cannot drop the (developer_id, type, identity) table constraint: the table is made anew
 * without it, and with its triggers and index as the earlier migrations made them.
 */
async function rebuildSqliteCredentials(db: Kysely<any>): Promise<void> {
  const statements = [
    `create table pf_credentials_0012 (
       id text primary key,
       developer_id text not null references pf_developers (id),
       type text not null,
       identity text not null,
       unique_value text,
       fields text not null,
       secrets text not null,
       active integer not null,
       origin text not null,
       created_at text not null,
       updated_at text not null,
       version integer default 1 not null,
       application_id text references pf_applications (id),
       constraint pf_credentials_unique_value unique (type, unique_value)
     )`,
    `insert into pf_credentials_0012 (${CREDENTIAL_COLUMNS}) select ${CREDENTIAL_COLUMNS} from pf_credentials`,
    'drop table pf_credentials',
    'alter table pf_credentials_0012 rename to pf_credentials',
    'create index pf_credentials_origin on pf_credentials (origin)',
    ...VERSION_TRIGGERS.sqlite.filter((statement) => / on pf_credentials\b/.test(statement)),
    ...SYNC_DIGEST_TRIGGERS.sqlite.filter((statement) => / on pf_credentials\b/.test(statement)),
  ];
  for (const statement of statements) await sql.raw(statement).execute(db);
}

async function extendPostgresCredentials(db: Kysely<any>): Promise<void> {
  await sql
    .raw('alter table pf_credentials add column application_id text references pf_applications (id)')
    .execute(db);
  await sql.raw('alter table pf_credentials drop constraint pf_credentials_identity').execute(db);
}

/** An owner is the developer (no application) or one of its applications: '' stands for none. */
const APPLICATION_INDEXES = [
  `create unique index pf_credentials_identity on pf_credentials (developer_id, coalesce(application_id, ''), type, identity)`,
  'create index pf_credentials_application on pf_credentials (application_id)',
  'create index pf_applications_origin on pf_applications (origin)',
  // An API's page in the console lists its registrations by status, oldest first.
  'create index pf_registrations_api_name on pf_registrations (api, status, created_at, id)',
  'create index pf_registrations_origin on pf_registrations (origin)',
  // The registration requests (`requests`, the console), oldest first, as pf_developers_pending for sign-ups.
  "create index pf_registrations_requests on pf_registrations (created_at) where status = 'pending' and origin <> 'manifest'",
];

/** What a version counts, as VERSION_TRIGGERS does for developers and credentials. */
const CONTENT: Record<string, string> = {
  pf_apis: 'name, title, description, auto_approve_registrations, acl_groups',
  pf_applications: 'developer_id, name, description, description_managed, origin',
  pf_registrations: 'application_id, api, status, origin',
};
const KEY: Record<string, string> = { pf_apis: 'name', pf_applications: 'id', pf_registrations: 'id' };

const APPLICATION_VERSION_TRIGGERS: Record<Dialect, string[]> = {
  sqlite: Object.entries(CONTENT).map(
    ([table, columns]) =>
      `create trigger ${table}_version after update of ${columns} on ${table}
         begin update ${table} set version = old.version + 1 where ${KEY[table]} = new.${KEY[table]}; end`,
  ),
  // pf_bump_version came with 0003_portal.
  postgres: Object.entries(CONTENT).map(
    ([table, columns]) =>
      `create trigger ${table}_version before update of ${columns} on ${table}
         for each row execute function pf_bump_version()`,
  ),
};

/** The service's caches learn of every commit that touches these tables too (pf_notify_change came with 0005). */
const APPLICATION_CHANGE_FEED_TRIGGERS: Record<Dialect, string[]> = {
  sqlite: CHANGE_FEED_TRIGGERS.sqlite,
  postgres: Object.keys(CONTENT).map(
    (table) =>
      `create trigger ${table}_changed after insert or update or delete on ${table}
         for each statement execute function pf_notify_change()`,
  ),
};
