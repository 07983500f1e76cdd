// The reads an access check makes (docs/access-checks.md): one credential by its type and unique
// value (the index of pf_credentials_unique_value), what its owner may call, the APIs and the
// portal's settings. Read only: an access check never writes the state.
import { sql } from './kysely.js';
import type { Conn } from './backend.js';

/** A credential as a check needs it, with its developer and, for an application's, the application's name. */
export interface AccessCredentialRow {
  id: string;
  developerId: string;
  applicationId: string | null;
  applicationName: string | null;
  type: string;
  identity: string;
  fields: string;
  secrets: string;
  active: number;
  email: string;
  status: string;
  customId: string | null;
}

/** The credential of this type holding this unique value (a key's digest, a username, a jwt key), if any. */
export async function accessCredential(
  conn: Conn,
  type: string,
  uniqueValue: string,
): Promise<AccessCredentialRow | undefined> {
  return conn
    .selectFrom('pf_credentials as c')
    .innerJoin('pf_developers as d', 'd.id', 'c.developer_id')
    .leftJoin('pf_applications as a', 'a.id', 'c.application_id')
    .select([
      'c.id as id',
      'c.developer_id as developerId',
      'c.application_id as applicationId',
      'a.name as applicationName',
      'c.type as type',
      'c.identity as identity',
      'c.fields as fields',
      'c.secrets as secrets',
      'c.active as active',
      'd.email as email',
      'd.status as status',
      'd.custom_id as customId',
    ])
    .where('c.type', '=', type)
    .where('c.unique_value', '=', uniqueValue)
    .executeTakeFirst() as Promise<AccessCredentialRow | undefined>;
}

/**
 * The developer's acl groups (its own acl credentials, never an application's). The application
 * is matched as pf_credentials_identity indexes it, so the read is one range of that index: with
 * `application_id is null` the planner may walk every acl credential of the portal instead.
 */
export async function aclGroupsOf(conn: Conn, developerId: string): Promise<string[]> {
  const rows = await aclGroupsQuery(conn, developerId).execute();
  return rows.map((row) => row.identity);
}

/** The query of aclGroupsOf, for a test to see how the database plans it. */
export function aclGroupsQuery(conn: Conn, developerId: string) {
  return conn
    .selectFrom('pf_credentials')
    .select('identity')
    .where('developer_id', '=', developerId)
    .where(sql`coalesce(application_id, '')`, '=', '')
    .where('type', '=', 'acl')
    .orderBy('identity');
}

/** The APIs to which the application holds an approved registration. */
export async function approvedApisOf(conn: Conn, applicationId: string): Promise<string[]> {
  const rows = await conn
    .selectFrom('pf_registrations')
    .select('api')
    .where('application_id', '=', applicationId)
    .where('status', '=', 'approved')
    .orderBy('api')
    .execute();
  return rows.map((row) => row.api);
}

/** Every API with its acl groups (JSON text). */
export function accessApis(conn: Conn): Promise<Array<{ name: string; aclGroups: string }>> {
  return conn.selectFrom('pf_apis').select(['name', 'acl_groups as aclGroups']).orderBy('name').execute();
}

/** A credential whose access check needs its secret in plain text, with what names it and whether an encrypted copy is stored. */
export interface SecretCheckedRow {
  email: string;
  application: string | null;
  type: string;
  identity: string;
  origin: string;
  encrypted: boolean;
  /** Whether portalform generated the secret (else the manifests or the developer gave it). */
  generated: boolean;
}

/** Every hmac-auth and HS* jwt credential, for `plan`'s warning about those no check can verify. */
export async function secretCheckedCredentials(conn: Conn): Promise<SecretCheckedRow[]> {
  const rows = await conn
    .selectFrom('pf_credentials as c')
    .innerJoin('pf_developers as d', 'd.id', 'c.developer_id')
    .leftJoin('pf_applications as a', 'a.id', 'c.application_id')
    .select(['d.email as email', 'a.name as application', 'c.type as type', 'c.identity as identity'])
    .select(['c.origin as origin', 'c.fields as fields', 'c.secrets as secrets'])
    .where('c.type', 'in', ['hmac-auth', 'jwt'])
    .orderBy('d.email')
    .orderBy('c.identity')
    .execute();
  return rows
    .filter((row) => row.type === 'hmac-auth' || String(JSON.parse(row.fields).algorithm ?? 'HS256').startsWith('HS'))
    .map(({ fields: _fields, secrets, ...row }) => ({
      ...row,
      application: row.application ?? null,
      encrypted: Boolean(JSON.parse(secrets).secret?.ciphertext),
      generated: JSON.parse(secrets).secret?.generated === true,
    }));
}
