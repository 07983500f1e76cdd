// What a plan lists beside its changes (docs/unmanaged.md): the developers, credentials,
// applications and registrations the manifests do not manage, from their origin, status, verification and creation time alone, never
// their content; and the tombstones of managed developers who deleted their own account.
import type { CredentialType, Status } from '../model.js';
import { count } from '../timing.js';
import { compareCodeUnits } from '../util/strings.js';
import type { Conn } from './backend.js';
import type { Origin, UnmanagedRow } from './types.js';

const UNMANAGED_ORIGINS = ['self-service', 'released'];

/**
 * Whether a developer of a state from before verification (schema 0008) counts as verified: as the
 * migration will decide, those the manifests made or an admin decided on.
 */
export function verifiedBeforeMail(origin: string, status: string): boolean {
  return origin === 'manifest' || origin === 'released' || status === 'approved' || status === 'revoked';
}

/**
 * The unmanaged developers, credentials, applications and registrations, oldest first; `mail`: the
 * state has the 0008 columns, `applications` the 0012 tables.
 */
export async function readUnmanaged(conn: Conn, mail: boolean, applications: boolean): Promise<UnmanagedRow[]> {
  const columns = [
    'email',
    'origin',
    'status',
    'created_at',
    ...(mail ? ['email_verified'] : []),
  ] as unknown as readonly ['email', 'origin', 'status', 'created_at', 'email_verified'];
  const developers = await conn
    .selectFrom('pf_developers')
    .select(columns)
    .where('origin', 'in', UNMANAGED_ORIGINS)
    .execute();
  const credentials = applications
    ? await unmanagedCredentials(conn)
    : (await unmanagedOwnCredentials(conn)).map((r) => ({ ...r, application: null }));
  const rows: UnmanagedRow[] = [
    ...developers.map((r) => ({
      email: r.email,
      origin: r.origin as Origin,
      status: r.status as Status,
      emailVerified:
        r.email_verified === undefined ? verifiedBeforeMail(r.origin, r.status) : Number(r.email_verified) !== 0,
      createdAt: r.created_at,
    })),
    ...credentials.map((r) => ({
      email: r.email,
      ...(r.application === null ? {} : { application: r.application }),
      type: r.type as CredentialType,
      identity: r.identity,
      origin: r.origin as Origin,
      createdAt: r.created_at,
    })),
    ...(applications ? await unmanagedApplicationRows(conn) : []),
  ];
  count('unmanaged objects listed', rows.length);
  return rows.sort(
    (a, b) =>
      compareCodeUnits(a.createdAt, b.createdAt) ||
      compareCodeUnits(a.email, b.email) ||
      compareCodeUnits(a.application ?? '', b.application ?? '') ||
      compareCodeUnits(a.api ?? '', b.api ?? '') ||
      compareCodeUnits(a.type ?? '', b.type ?? '') ||
      compareCodeUnits(a.identity ?? '', b.identity ?? ''),
  );
}

export async function readTombstones(conn: Conn): Promise<Map<string, string>> {
  const rows = await conn.selectFrom('pf_tombstones').select(['email', 'deleted_at']).execute();
  return new Map(rows.map((r) => [r.email, r.deleted_at]));
}

/** A state from before 0012: every credential is its developer's own. */
function unmanagedOwnCredentials(conn: Conn) {
  return conn
    .selectFrom('pf_credentials')
    .innerJoin('pf_developers', 'pf_developers.id', 'pf_credentials.developer_id')
    .select([
      'pf_developers.email',
      'pf_credentials.type',
      'pf_credentials.identity',
      'pf_credentials.origin',
      'pf_credentials.created_at',
    ])
    .where('pf_credentials.origin', 'in', UNMANAGED_ORIGINS)
    .execute();
}

/** Unmanaged credentials, with the name of the application that holds one (null: the developer's own). */
function unmanagedCredentials(conn: Conn) {
  return conn
    .selectFrom('pf_credentials')
    .innerJoin('pf_developers', 'pf_developers.id', 'pf_credentials.developer_id')
    .leftJoin('pf_applications', 'pf_applications.id', 'pf_credentials.application_id')
    .select([
      'pf_developers.email',
      'pf_applications.name as application',
      'pf_credentials.type',
      'pf_credentials.identity',
      'pf_credentials.origin',
      'pf_credentials.created_at',
    ])
    .where('pf_credentials.origin', 'in', UNMANAGED_ORIGINS)
    .execute();
}

/** The unmanaged applications and registrations (a registration of a managed application included). */
async function unmanagedApplicationRows(conn: Conn): Promise<UnmanagedRow[]> {
  const applications = await conn
    .selectFrom('pf_applications')
    .innerJoin('pf_developers', 'pf_developers.id', 'pf_applications.developer_id')
    .select(['pf_developers.email', 'pf_applications.name', 'pf_applications.origin', 'pf_applications.created_at'])
    .where('pf_applications.origin', 'in', UNMANAGED_ORIGINS)
    .execute();
  const registrations = await conn
    .selectFrom('pf_registrations')
    .innerJoin('pf_applications', 'pf_applications.id', 'pf_registrations.application_id')
    .innerJoin('pf_developers', 'pf_developers.id', 'pf_applications.developer_id')
    .select([
      'pf_developers.email',
      'pf_applications.name',
      'pf_registrations.api',
      'pf_registrations.status',
      'pf_registrations.origin',
      'pf_registrations.created_at',
    ])
    .where('pf_registrations.origin', 'in', UNMANAGED_ORIGINS)
    .execute();
  return [
    ...applications.map((r) => ({
      email: r.email,
      application: r.name,
      origin: r.origin as Origin,
      createdAt: r.created_at,
    })),
    ...registrations.map((r) => ({
      email: r.email,
      application: r.name,
      api: r.api,
      origin: r.origin as Origin,
      status: r.status as Status,
      createdAt: r.created_at,
    })),
  ];
}
