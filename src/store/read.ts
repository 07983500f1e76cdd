// Reading the state on one connection, inside the caller's read transaction or write lock: the
// snapshot, in full or scoped to the developers a plan needs, and the history.
import { credentialAddress, developerAddress, type CredentialType, type Status } from '../model.js';
import { count, timed } from '../timing.js';
import { chunks } from '../util/chunks.js';
import { compareCodeUnits } from '../util/strings.js';
import { readApis } from './api-rows.js';
import { readApplications } from './application-rows.js';
import type { Conn } from './backend.js';
import type { CredentialTable, DeveloperTable } from './schema.js';
import type {
  HistoryRow,
  Origin,
  ReadScope,
  ScopeSelection,
  StateSnapshot,
  StoredCredential,
  StoredDeveloper,
  StoredIndex,
} from './types.js';
import { readTombstones, readUnmanaged, verifiedBeforeMail } from './unmanaged-rows.js';

export { readApplicationVersions } from './application-rows.js';

/**
 * What later migrations added that this state has, as the Store found in its migration table: the
 * portal's tables and row versions (0003), name management (0007), verified addresses (0008),
 * APIs and applications (0012). A write session reads a state it has just migrated: everything.
 */
export interface SchemaParts {
  portal: boolean;
  nameManaged: boolean;
  mail: boolean;
  applications: boolean;
}

const MIGRATED: SchemaParts = { portal: true, nameManaged: true, mail: true, applications: true };

/** The state on `conn`; with a scope, the developers it chooses from every developer's sync digest and origin. */
export async function readSnapshot(
  conn: Conn,
  scope?: ReadScope,
  tables: SchemaParts = MIGRATED,
): Promise<StateSnapshot> {
  const snapshot = await timed('read state', () => readRows(conn, tables, scope));
  if (snapshot.lineage === null) return snapshot;
  const unmanaged = await timed('read unmanaged', () => readUnmanaged(conn, tables.mail, tables.applications));
  // A state from before the portal (schema 0003) has no tombstones to read.
  const tombstones = tables.portal ? await readTombstones(conn) : new Map<string, string>();
  return { ...snapshot, unmanaged, tombstones };
}

/** Above this share of the developers, one scan of everything beats looking them up. */
const FULL_READ_SHARE = 0.2;
const FULL_READ_MIN = 1000;

async function readRows(conn: Conn, tables: SchemaParts, scope?: ReadScope): Promise<StateSnapshot> {
  const metaRows = await conn.selectFrom('pf_meta').selectAll().execute();
  const meta = Object.fromEntries(metaRows.map((r) => [r.key, r.value]));
  const lineage = meta.lineage ?? null;
  // A state from before 0012 has no APIs and no applications.
  const apis = lineage !== null && tables.applications ? await readApis(conn) : [];
  const snapshot = { lineage, serial: Number(meta.serial ?? 0), meta, apis };
  const versioned: OptionalColumns =
    lineage === null
      ? { version: false, nameManaged: false, mail: false, applications: false }
      : {
          version: tables.portal,
          nameManaged: tables.nameManaged,
          mail: tables.mail,
          applications: tables.applications,
        };
  if (!scope || snapshot.lineage === null)
    return { ...snapshot, developers: await readDevelopers(conn, null, versioned) };

  const index: StoredIndex = new Map();
  for (const row of await timed('read sync digests', () =>
    conn.selectFrom('pf_developers').select(['email', 'sync_digest', 'origin']).execute(),
  )) {
    index.set(row.email, { digest: row.sync_digest, origin: row.origin as Origin });
  }
  const { read, inSync, claims } = timed('scope', () => scope(index, meta));
  const lookups = read.size + claims.customIds.length + claims.unique.length;
  if (lookups > Math.max(FULL_READ_MIN, index.size * FULL_READ_SHARE))
    return { ...snapshot, developers: await readDevelopers(conn, null, versioned), inSync };
  for (const email of await holdersOf(conn, claims)) read.add(email);
  return { ...snapshot, developers: await readDevelopers(conn, [...read], versioned), inSync };
}

/** The optional columns a developer and credential read carries (see SchemaParts). */
interface OptionalColumns {
  version: boolean;
  nameManaged: boolean;
  mail: boolean;
  /** The credentials' application_id, and the applications to read. */
  applications: boolean;
}

/** Emails of the stored developers holding any of these unique values. */
async function holdersOf(conn: Conn, claims: ScopeSelection['claims']): Promise<string[]> {
  const emails: string[] = [];
  for (const chunk of chunks(claims.customIds, LOOKUP_CHUNK)) {
    const rows = await conn.selectFrom('pf_developers').select('email').where('custom_id', 'in', chunk).execute();
    emails.push(...rows.map((r) => r.email));
  }
  const byType = new Map<string, string[]>();
  for (const { type, value } of claims.unique) {
    const values = byType.get(type);
    if (values) values.push(value);
    else byType.set(type, [value]);
  }
  for (const [type, values] of byType) {
    for (const chunk of chunks(values, LOOKUP_CHUNK)) {
      const rows = await conn
        .selectFrom('pf_credentials')
        .innerJoin('pf_developers', 'pf_developers.id', 'pf_credentials.developer_id')
        .select('pf_developers.email')
        .where('pf_credentials.type', '=', type)
        .where('pf_credentials.unique_value', 'in', chunk)
        .execute();
      emails.push(...rows.map((r) => r.email));
    }
  }
  return emails;
}

const LOOKUP_CHUNK = 500;

/** Only the columns the snapshot holds: a large state reads noticeably faster without the timestamps. */
const DEVELOPER_COLUMNS = [
  'id',
  'email',
  'full_name',
  'status',
  'custom_id',
  'meta',
  'origin',
  'version',
  'name_managed',
  'email_verified',
] as const;
const CREDENTIAL_COLUMNS = [
  'id',
  'developer_id',
  'type',
  'identity',
  'unique_value',
  'fields',
  'secrets',
  'active',
  'origin',
  'version',
  'application_id',
] as const;

/** The columns of a migration the state may not have yet, when it does not. */
function missingColumns(optional: OptionalColumns): Set<string> {
  return new Set([
    ...(optional.version ? [] : ['version']),
    ...(optional.nameManaged ? [] : ['name_managed']),
    ...(optional.mail ? [] : ['email_verified']),
    ...(optional.applications ? [] : ['application_id']),
  ]);
}

function developerColumnsOf(optional: OptionalColumns): typeof DEVELOPER_COLUMNS {
  const missing = missingColumns(optional);
  return DEVELOPER_COLUMNS.filter((column) => !missing.has(column)) as unknown as typeof DEVELOPER_COLUMNS;
}

function credentialColumnsOf(optional: OptionalColumns): typeof CREDENTIAL_COLUMNS {
  const missing = missingColumns(optional);
  return CREDENTIAL_COLUMNS.filter((column) => !missing.has(column)) as unknown as typeof CREDENTIAL_COLUMNS;
}

/** The developers with these emails (null: all), with their credentials, in code-unit order whatever the database's collation. */
async function readDevelopers(
  conn: Conn,
  emails: string[] | null,
  optional: OptionalColumns,
): Promise<StoredDeveloper[]> {
  const developerColumns = developerColumnsOf(optional);
  const credentialColumns = credentialColumnsOf(optional);
  let developerRows: Array<Pick<DeveloperTable, (typeof developerColumns)[number]>>;
  let credentialRows: Array<Omit<CredentialTable, 'created_at' | 'updated_at'>>;
  if (emails === null) {
    developerRows = await conn.selectFrom('pf_developers').select(developerColumns).execute();
    credentialRows = await conn.selectFrom('pf_credentials').select(credentialColumns).execute();
  } else {
    developerRows = [];
    credentialRows = [];
    for (const chunk of chunks(emails, LOOKUP_CHUNK)) {
      developerRows.push(
        ...(await conn.selectFrom('pf_developers').select(developerColumns).where('email', 'in', chunk).execute()),
      );
    }
    for (const chunk of chunks(
      developerRows.map((r) => r.id),
      LOOKUP_CHUNK,
    )) {
      credentialRows.push(
        ...(await conn
          .selectFrom('pf_credentials')
          .select(credentialColumns)
          .where('developer_id', 'in', chunk)
          .execute()),
      );
    }
  }
  const byDeveloper = new Map<string, StoredCredential[]>();
  const ofApplications: StoredCredential[] = [];
  for (const row of credentialRows) {
    const credential = toCredential(row);
    if (credential.applicationId) {
      ofApplications.push(credential);
      continue;
    }
    const list = byDeveloper.get(row.developer_id) ?? [];
    list.push(credential);
    byDeveloper.set(row.developer_id, list);
  }
  const applications = optional.applications
    ? await readApplications(
        conn,
        emails === null ? null : developerRows.map((r) => r.id),
        ofApplications,
        LOOKUP_CHUNK,
      )
    : new Map();
  const developers: StoredDeveloper[] = developerRows.map((row) => ({
    id: row.id,
    email: row.email,
    fullName: row.full_name,
    status: row.status as Status,
    customId: row.custom_id,
    meta: JSON.parse(row.meta),
    origin: row.origin as Origin,
    ...(row.version === undefined ? {} : { version: Number(row.version) }),
    ...(row.name_managed === undefined ? {} : { nameManaged: Number(row.name_managed) !== 0 }),
    emailVerified:
      row.email_verified === undefined ? verifiedBeforeMail(row.origin, row.status) : Number(row.email_verified) !== 0,
    credentials: (byDeveloper.get(row.id) ?? []).sort(
      (a, b) => compareCodeUnits(a.type, b.type) || compareCodeUnits(a.identity, b.identity),
    ),
    applications: applications.get(row.id) ?? [],
  }));
  count('developers read in full', developers.length);
  return developers.sort((a, b) => compareCodeUnits(a.email, b.email));
}

function toCredential(row: Omit<CredentialTable, 'created_at' | 'updated_at'>): StoredCredential {
  return {
    id: row.id,
    developerId: row.developer_id,
    type: row.type as CredentialType,
    identity: row.identity,
    uniqueValue: row.unique_value,
    fields: JSON.parse(row.fields),
    secrets: JSON.parse(row.secrets),
    active: Number(row.active) === 1,
    origin: row.origin as Origin,
    ...(row.version === undefined ? {} : { version: Number(row.version) }),
    ...(row.application_id ? { applicationId: row.application_id } : {}),
  };
}

export async function readHistory(db: Conn, table: 'pf_history' | 'pf_events' = 'pf_history'): Promise<HistoryRow[]> {
  const rows = await db.selectFrom(table).selectAll().orderBy('seq').execute();
  return rows.map((r) => ({
    seq: Number(r.seq),
    kind: r.kind,
    serial: Number(r.serial),
    at: r.at,
    actor: r.actor,
    entry: r.entry,
    prevHash: r.prev_hash,
    hash: r.hash,
  }));
}

/**
 * The rows a saved plan names, as they are now: versions by address, of these developers and their
 * credentials (their applications' too) only; readApplicationVersions has the applications'.
 */
export async function readVersions(
  conn: Conn,
  emails: string[],
): Promise<{ developers: Map<string, number>; credentials: Map<string, number> }> {
  const developers = new Map<string, number>();
  const credentials = new Map<string, number>();
  const emailOf = new Map<string, string>();
  for (const chunk of chunks(emails, LOOKUP_CHUNK)) {
    for (const row of await conn
      .selectFrom('pf_developers')
      .select(['id', 'email', 'version'])
      .where('email', 'in', chunk)
      .execute()) {
      emailOf.set(row.id, row.email);
      developers.set(developerAddress(row.email), Number(row.version));
    }
  }
  for (const chunk of chunks([...emailOf.keys()], LOOKUP_CHUNK)) {
    const rows = await conn
      .selectFrom('pf_credentials')
      .leftJoin('pf_applications', 'pf_applications.id', 'pf_credentials.application_id')
      .select([
        'pf_credentials.developer_id',
        'pf_credentials.type',
        'pf_credentials.identity',
        'pf_credentials.version',
        'pf_applications.name as application',
      ])
      .where('pf_credentials.developer_id', 'in', chunk)
      .execute();
    for (const row of rows) {
      const email = emailOf.get(row.developer_id)!;
      const address = credentialAddress(email, row.type as CredentialType, row.identity, row.application ?? undefined);
      credentials.set(address, Number(row.version));
    }
  }
  return { developers, credentials };
}

/**
 * Who holds these customIds and per-type unique values now: the holder's address by `customId:value`
 * or `type:value`, whichever owner's credential (the developer's or an application's) holds it.
 */
export async function readUniqueHolders(
  conn: Conn,
  customIds: string[],
  unique: Array<{ type: string; value: string }>,
): Promise<Map<string, string>> {
  const holders = new Map<string, string>();
  for (const chunk of chunks(customIds, LOOKUP_CHUNK)) {
    const rows = await conn
      .selectFrom('pf_developers')
      .select(['email', 'custom_id'])
      .where('custom_id', 'in', chunk)
      .execute();
    for (const row of rows) holders.set(`customId:${row.custom_id}`, developerAddress(row.email));
  }
  for (const { type, value } of unique) {
    const row = await conn
      .selectFrom('pf_credentials')
      .innerJoin('pf_developers', 'pf_developers.id', 'pf_credentials.developer_id')
      .leftJoin('pf_applications', 'pf_applications.id', 'pf_credentials.application_id')
      .select(['pf_developers.email', 'pf_credentials.identity', 'pf_applications.name as application'])
      .where('pf_credentials.type', '=', type)
      .where('pf_credentials.unique_value', '=', value)
      .executeTakeFirst();
    if (row) {
      const address = credentialAddress(row.email, type as CredentialType, row.identity, row.application ?? undefined);
      holders.set(`${type}:${value}`, address);
    }
  }
  return holders;
}

/** The latest self-service event that named this address or one under it, if any: what changed an object. */
export async function latestEventAbout(
  conn: Conn,
  address: string,
): Promise<{ action: string; actor: string; at: string } | null> {
  const rows = await conn
    .selectFrom('pf_events')
    .select(['entry', 'actor', 'at'])
    .orderBy('seq', 'desc')
    .limit(1000)
    .execute();
  for (const row of rows) {
    const entry = JSON.parse(row.entry) as { address?: string; action?: string };
    if (
      typeof entry.address === 'string' &&
      (entry.address === address || address.startsWith(`${entry.address}.`) || entry.address.startsWith(`${address}.`))
    ) {
      return { action: String(entry.action ?? 'change'), actor: row.actor, at: row.at };
    }
  }
  return null;
}
