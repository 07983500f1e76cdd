import { sql, type Kysely, type Migration, type MigrationProvider } from './kysely.js';
import { createMailTables, type LinkTokenTable, type OutboxTable } from './mail-schema.js';
import { type ConsoleAttemptTable, type ConsoleSessionTable, createConsoleTables } from './console-schema.js';
import { canonicalizeStoredEmails } from './canonical-schema.js';
import { createMailThrottle, type MailThrottleTable } from './mail-schema.js';
import { SYNC_DIGEST_TRIGGERS } from './sync-triggers.js';
import { createApplicationTables } from './application-schema.js';
import { CHANGE_FEED_TRIGGERS, CONSOLE_INDEXES, VERSION_TRIGGERS } from './schema-statements.js';

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
  /**
   * Digest of the manifest entry this developer and its credentials were last reconciled with
   * (see plan/digest.ts), so that a plan reads in full only the developers that may differ.
   * Database triggers clear it whenever the row or one of its credentials changes, whoever
   * writes: only apply sets it, after reconciling. Null: unknown, read in full.
   */
  sync_digest: string | null;
  /** 1 while the manifests manage the name; 0 when an adopting entry leaves it to the developer (0007). */
  name_managed?: number;
  /** Bumped by a trigger on every write of the row's content (docs/unmanaged.md); 1 when created. */
  version?: number;
  /** The developer's portal password (scrypt), null until they set one (docs/portal-service.md). */
  password_hash?: string | null;
  /** 1 once the address is proven (0008, docs/portal-service.md "Mail"); 0 for an unverified sign-up. */
  email_verified?: number;
  /** The address an email-change link waits to move the account to. */
  pending_email?: string | null;
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
  /** Bumped by a trigger on every write of the row's content (docs/unmanaged.md); 1 when created. */
  version?: number;
  /** Set for one of an application's credentials (migration 0012); null for the developer's own. */
  application_id?: string | null;
}

/** An API the manifests declare (migration 0012_applications, docs/applications.md). */
export interface ApiTable {
  name: string;
  title: string | null;
  description: string | null;
  /** 0 or 1; null: the portal's setting decides. */
  auto_approve_registrations: number | null;
  /** JSON array of acl group names. */
  acl_groups: string;
  created_at: string;
  updated_at: string;
  version?: number;
}

/** One of a developer's applications (migration 0012_applications); unique (developer_id, name). */
export interface ApplicationTable {
  id: string;
  developer_id: string;
  name: string;
  description: string | null;
  /** 1 when the manifests manage the description. */
  description_managed: number;
  origin: string;
  created_at: string;
  updated_at: string;
  /** Bumped on every write of the row's content; 1 when created. */
  version?: number;
}

/** An application's registration to an API (migration 0012_applications); unique (application_id, api). */
export interface RegistrationTable {
  id: string;
  application_id: string;
  /** The API's name (pf_apis.name). */
  api: string;
  status: string;
  origin: string;
  created_at: string;
  updated_at: string;
  /** Bumped on every write of the row's content; 1 when created. */
  version?: number;
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

/** A portal session: only the SHA-256 digest of its token is kept. */
export interface SessionTable {
  id: string;
  token_digest: string;
  developer_id: string;
  created_at: string;
  last_seen_at: string;
  /** The idle lifetime's end, moved forward by every request. */
  idle_expires_at: string;
  /** The absolute lifetime's end. */
  expires_at: string;
}

/** Failed logins of one account (lower-case email) in the current window. */
export interface LoginAttemptTable {
  email: string;
  window_start: string;
  failures: number;
}

/** A single-use link to set a portal password (docs/portal-service.md); only the token's digest is kept. */
export interface InviteTable {
  token_digest: string;
  developer_id: string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

/** A managed developer who deleted their own account (docs/unmanaged.md). */
export interface TombstoneTable {
  email: string;
  deleted_at: string;
}

/** The head of a hash chain, the row appends lock to stay in order under concurrent writers. */
export interface ChainHeadTable {
  chain: string;
  seq: number;
  hash: string;
}

export interface Database {
  pf_meta: MetaTable;
  pf_developers: DeveloperTable;
  pf_credentials: CredentialTable;
  pf_history: HistoryTable;
  /** The second hash chain (docs/cli.md): every kind but `apply`. */
  pf_events: HistoryTable;
  pf_chain_heads: ChainHeadTable;
  pf_locks: LockTable;
  pf_sessions: SessionTable;
  pf_login_attempts: LoginAttemptTable;
  pf_invites: InviteTable;
  pf_tombstones: TombstoneTable;
  pf_outbox: OutboxTable;
  pf_link_tokens: LinkTokenTable;
  pf_console_sessions: ConsoleSessionTable;
  pf_console_attempts: ConsoleAttemptTable;
  pf_mail_throttle: MailThrottleTable;
  pf_apis: ApiTable;
  pf_applications: ApplicationTable;
  pf_registrations: RegistrationTable;
}

type Dialect = 'sqlite' | 'postgres';

/** A hash chain's table (docs/cli.md): pf_history holds the applies, pf_events every other kind. */
async function createChainTable(db: Kysely<any>, name: 'pf_history' | 'pf_events'): Promise<void> {
  await db.schema
    .createTable(name)
    .addColumn('seq', 'integer', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('serial', 'integer', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('entry', 'text', (c) => c.notNull())
    .addColumn('prev_hash', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .execute();
}

const migrations = (dialect: Dialect): Record<string, Migration> => ({
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
      await createChainTable(db, 'pf_history');
      await db.schema
        .createTable('pf_locks')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('lock_id', 'text', (c) => c.notNull())
        .addColumn('holder', 'text', (c) => c.notNull())
        .addColumn('since', 'text', (c) => c.notNull())
        .execute();
    },
  },
  '0002_sync_digest': {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('pf_developers').addColumn('sync_digest', 'text').execute();
      for (const statement of SYNC_DIGEST_TRIGGERS[dialect]) await sql.raw(statement).execute(db);
    },
  },
  '0003_portal': {
    async up(db: Kysely<any>) {
      await db.schema
        .alterTable('pf_developers')
        .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
        .execute();
      await db.schema.alterTable('pf_developers').addColumn('password_hash', 'text').execute();
      await db.schema
        .alterTable('pf_credentials')
        .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
        .execute();
      for (const statement of VERSION_TRIGGERS[dialect]) await sql.raw(statement).execute(db);
      await db.schema
        .createTable('pf_sessions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('token_digest', 'text', (c) => c.notNull().unique())
        .addColumn('developer_id', 'text', (c) => c.notNull().references('pf_developers.id'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('last_seen_at', 'text', (c) => c.notNull())
        .addColumn('idle_expires_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('pf_sessions_developer').on('pf_sessions').column('developer_id').execute();
      await db.schema
        .createTable('pf_login_attempts')
        .addColumn('email', 'text', (c) => c.primaryKey())
        .addColumn('window_start', 'text', (c) => c.notNull())
        .addColumn('failures', 'integer', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('pf_invites')
        .addColumn('token_digest', 'text', (c) => c.primaryKey())
        .addColumn('developer_id', 'text', (c) => c.notNull().references('pf_developers.id'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('used_at', 'text')
        .execute();
      await db.schema.createIndex('pf_invites_developer').on('pf_invites').column('developer_id').execute();
      await db.schema
        .createTable('pf_tombstones')
        .addColumn('email', 'text', (c) => c.primaryKey())
        .addColumn('deleted_at', 'text', (c) => c.notNull())
        .execute();
      await createChainTable(db, 'pf_events');
      await db.schema
        .createTable('pf_chain_heads')
        .addColumn('chain', 'text', (c) => c.primaryKey())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .execute();
      await db
        .insertInto('pf_chain_heads')
        .values({ chain: EVENTS_CHAIN, seq: 0, hash: '0'.repeat(64) })
        .execute();
    },
  },
  '0004_console_indexes': {
    async up(db: Kysely<any>) {
      for (const statement of CONSOLE_INDEXES[dialect]) await sql.raw(statement).execute(db);
    },
  },
  '0005_change_feed': {
    async up(db: Kysely<any>) {
      for (const statement of CHANGE_FEED_TRIGGERS[dialect]) await sql.raw(statement).execute(db);
    },
  },
  // A plan lists the unmanaged credentials (docs/unmanaged.md) without scanning every credential.
  '0006_credential_origin': {
    async up(db: Kysely<any>) {
      await sql.raw('create index pf_credentials_origin on pf_credentials (origin)').execute(db);
    },
  },
  // Whether the manifests manage the developer's name (an adopting entry may leave it out, docs/unmanaged.md).
  '0007_name_managed': {
    async up(db: Kysely<any>) {
      await db.schema
        .alterTable('pf_developers')
        .addColumn('name_managed', 'integer', (c) => c.notNull().defaultTo(1))
        .execute();
    },
  },
  '0008_mail': {
    up: createMailTables,
  },
  '0009_console_sessions': { up: createConsoleTables },
  '0010_canonical_emails': {
    up: canonicalizeStoredEmails,
  },
  '0011_mail_throttle': { up: createMailThrottle }, // what each address was mailed lately (mail-throttle.ts)
  // APIs, applications and registrations; identities unique per owner (application-schema.ts).
  '0012_applications': { up: (db) => createApplicationTables(db, dialect) },
});

/** The chain of pf_events, as pf_chain_heads names it. */
export const EVENTS_CHAIN = 'events';

export const SCHEMA_VERSIONS = Object.keys(migrations('sqlite')).sort();

/** The migration that adds sync digests: a state without it is read in full. */
export const SYNC_DIGEST_VERSION = '0002_sync_digest';

/** The migration the portal service and `invite` need (versions, sessions, the second chain). */
export const PORTAL_VERSION = '0003_portal';

/** The migration after which a change feed (backend.ts `changeFeed`) sees every commit. */
export const CHANGE_FEED_VERSION = '0005_change_feed';

/** The migration after which a developer records whether the manifests manage its name. */
export const NAME_MANAGED_VERSION = '0007_name_managed';

/** The migration that adds the outbox, link tokens and verified addresses. */
export const MAIL_VERSION = '0008_mail';

/** The migration that keeps the console's sessions and failed sign-ins in the state. */
export const CONSOLE_SESSIONS_VERSION = '0009_console_sessions';
/** The migration that rewrites stored emails in canonical form. */
export const CANONICAL_EMAILS_VERSION = '0010_canonical_emails';

/** The migration that adds APIs, applications and their registrations (docs/applications.md). */
export const APPLICATIONS_VERSION = '0012_applications';

export function migrationProvider(dialect: Dialect): MigrationProvider {
  return {
    async getMigrations() {
      return migrations(dialect);
    },
  };
}
