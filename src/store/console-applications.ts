// The console's reads of applications and APIs (docs/applications.md, docs/portal-service.md):
// the registration requests, one developer's applications with their credentials (secrets never
// read) and registrations, the APIs with their registrations counted by status, and one page of an
// API's registrations in one status. Lists are paged by a key, as the developer list is.
import { canonicalEmail } from '../util/canonical-email.js';
import { STATUSES, type Status } from '../model.js';
import type { Conn } from './backend.js';
import { type CredentialRow, credentialRowOf } from './developer-listing.js';
import { sql } from './kysely.js';
import { toApi } from './api-rows.js';
import type { StoredApi } from './types.js';

/** A registration waiting for a reviewer: pending, and not one the manifests declare pending. */
export interface RegistrationRequestRow {
  email: string;
  fullName: string;
  /** Whether the manifests declare the developer (its origin is `manifest`). */
  developerManaged: boolean;
  application: string;
  api: string;
  origin: string;
  createdAt: string;
}

export interface ApplicationRegistrationRow {
  api: string;
  status: Status;
  origin: string;
  createdAt: string;
}

export interface ApplicationRow {
  id: string;
  name: string;
  description: string | null;
  descriptionManaged: boolean;
  origin: string;
  createdAt: string;
  credentials: CredentialRow[];
  registrations: ApplicationRegistrationRow[];
}

/** An API as the console shows it: as stored. */
export type ApiRow = StoredApi;

export interface ApiSummary extends ApiRow {
  registrations: Record<Status, number>;
}

/** One registration as an API's page lists it: whose application it is. */
export interface ApiRegistrationRow {
  id: string;
  email: string;
  application: string;
  status: Status;
  origin: string;
  createdAt: string;
}

export interface ApiRegistrationQuery {
  status: Status;
  /** Keyset paging: the `next` key of the previous page. */
  after?: string;
  limit?: number;
}

const DEFAULT_PAGE = 50;
const MAX_PAGE = 200;

const noCounts = (): Record<Status, number> =>
  Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<Status, number>;

/** The unmanaged pending registrations, oldest first (up to `limit`): the requests a reviewer decides. */
export async function readRegistrationRequests(conn: Conn, limit?: number): Promise<RegistrationRequestRow[]> {
  const rows = await registrationRequestsQuery(conn, limit).execute();
  return rows.map((r) => ({
    email: r.email,
    fullName: r.full_name,
    developerManaged: r.developer_origin === 'manifest',
    application: r.application,
    api: r.api,
    origin: r.origin,
    createdAt: r.created_at,
  }));
}

/** The statement behind readRegistrationRequests, for its plan to be inspected. */
export function registrationRequestsQuery(conn: Conn, limit?: number) {
  const query = conn
    .selectFrom('pf_registrations as r')
    .innerJoin('pf_applications as a', 'a.id', 'r.application_id')
    .innerJoin('pf_developers as d', 'd.id', 'a.developer_id')
    .select(['d.email', 'd.full_name', 'd.origin as developer_origin', 'a.name as application', 'r.api', 'r.origin'])
    .select('r.created_at')
    .where('r.status', '=', 'pending')
    .where('r.origin', '<>', 'manifest')
    .orderBy('r.created_at')
    .orderBy('d.email')
    .orderBy('a.name')
    .orderBy('r.api');
  return limit === undefined ? query : query.limit(limit);
}

/** A developer's applications by name, each with its credentials' non-secret fields and its registrations. */
export async function readDeveloperApplications(conn: Conn, email: string): Promise<ApplicationRow[]> {
  const applications = await conn
    .selectFrom('pf_applications as a')
    .innerJoin('pf_developers as d', 'd.id', 'a.developer_id')
    .select(['a.id', 'a.name', 'a.description', 'a.description_managed', 'a.origin', 'a.created_at'])
    .where('d.email', '=', canonicalEmail(email))
    .orderBy('a.name')
    .execute();
  if (applications.length === 0) return [];
  const ids = applications.map((a) => a.id);
  const [credentials, registrations] = await Promise.all([
    conn
      .selectFrom('pf_credentials')
      .select(['id', 'application_id', 'type', 'identity', 'fields', 'active', 'origin', 'created_at'])
      .where('application_id', 'in', ids)
      .orderBy('type')
      .orderBy('identity')
      .execute(),
    conn
      .selectFrom('pf_registrations')
      .select(['application_id', 'api', 'status', 'origin', 'created_at'])
      .where('application_id', 'in', ids)
      .orderBy('api')
      .execute(),
  ]);
  return applications.map((a) => ({
    id: a.id,
    name: a.name,
    description: a.description,
    descriptionManaged: Number(a.description_managed) === 1,
    origin: a.origin,
    createdAt: a.created_at,
    credentials: credentials.filter((c) => c.application_id === a.id).map(credentialRowOf),
    registrations: registrations
      .filter((r) => r.application_id === a.id)
      .map((r) => ({ api: r.api, status: r.status as Status, origin: r.origin, createdAt: r.created_at })),
  }));
}

/** Every API by name, with how many registrations it holds in each status. */
export async function readApiSummaries(conn: Conn): Promise<ApiSummary[]> {
  const [apis, counts] = await Promise.all([
    apiQuery(conn).orderBy('name').execute(),
    conn
      .selectFrom('pf_registrations')
      .select(['api', 'status', sql<number>`count(*)`.as('n')])
      .groupBy(['api', 'status'])
      .execute(),
  ]);
  return apis.map((row) => {
    const registrations = noCounts();
    for (const c of counts) if (c.api === row.name) registrations[c.status as Status] = Number(c.n);
    return { ...toApi(row), registrations };
  });
}

/** One API with its registrations counted by status; null when there is none of that name. */
export async function readApiSummary(conn: Conn, name: string): Promise<ApiSummary | null> {
  const row = await apiQuery(conn).where('name', '=', name).executeTakeFirst();
  if (!row) return null;
  const counts = await conn
    .selectFrom('pf_registrations')
    .select(['status', sql<number>`count(*)`.as('n')])
    .where('api', '=', name)
    .groupBy('status')
    .execute();
  const registrations = noCounts();
  for (const c of counts) registrations[c.status as Status] = Number(c.n);
  return { ...toApi(row), registrations };
}

/** One page of an API's registrations in one status, oldest first; `next` is the key of the following page. */
export async function readApiRegistrations(
  conn: Conn,
  api: string,
  query: ApiRegistrationQuery,
): Promise<{ registrations: ApiRegistrationRow[]; next: string | null }> {
  const limit = Math.min(Math.max(query.limit ?? DEFAULT_PAGE, 1), MAX_PAGE);
  let select = conn
    .selectFrom('pf_registrations as r')
    .innerJoin('pf_applications as a', 'a.id', 'r.application_id')
    .innerJoin('pf_developers as d', 'd.id', 'a.developer_id')
    .select(['r.id', 'd.email', 'a.name as application', 'r.status', 'r.origin', 'r.created_at'])
    .where('r.api', '=', api)
    .where('r.status', '=', query.status);
  const after = keyOf(query.after);
  if (after)
    select = select.where((eb) =>
      eb.or([
        eb('r.created_at', '>', after.createdAt),
        eb.and([eb('r.created_at', '=', after.createdAt), eb('r.id', '>', after.id)]),
      ]),
    );
  const rows = await select
    .orderBy('r.created_at')
    .orderBy('r.id')
    .limit(limit + 1)
    .execute();
  const page = rows.slice(0, limit).map((r) => ({
    id: r.id,
    email: r.email,
    application: r.application,
    status: r.status as Status,
    origin: r.origin,
    createdAt: r.created_at,
  }));
  const last = page.at(-1);
  return { registrations: page, next: rows.length > limit && last ? `${last.createdAt}|${last.id}` : null };
}

function keyOf(after: string | undefined): { createdAt: string; id: string } | null {
  const split = after?.lastIndexOf('|') ?? -1;
  if (!after || split <= 0) return null;
  return { createdAt: after.slice(0, split), id: after.slice(split + 1) };
}

function apiQuery(conn: Conn) {
  return conn.selectFrom('pf_apis').selectAll();
}
