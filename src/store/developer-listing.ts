// The console's reads of developers (docs/portal-service.md): counts per status, one page of the
// list, one developer with its credentials. Every list is paged by a key and backed by an index
// (migration 0004_console_indexes, schema.ts), so a state of 100,000 developers answers without a
// full scan.
import { canonicalEmail, canonicalSearch } from '../util/canonical-email.js';
import { STATUSES, type Status } from '../model.js';
import type { Conn } from './backend.js';
import { sql } from './kysely.js';

export type Dialect = 'sqlite' | 'postgres';

export interface DeveloperRow {
  email: string;
  fullName: string;
  status: Status;
  origin: string;
  createdAt: string;
  credentials: number;
}

export interface DeveloperQuery {
  /** Matches the start of the email or of the full name, ignoring case. */
  search?: string;
  status?: Status;
  origin?: string;
  /** Keyset paging: the last email of the previous page. */
  after?: string;
  limit?: number;
}

export interface CredentialRow {
  id: string;
  type: string;
  identity: string;
  /** The non-secret fields by manifest name; secrets are never read. */
  fields: Record<string, unknown>;
  active: boolean;
  origin: string;
  createdAt: string;
}

export interface DeveloperDetail {
  developer: DeveloperRow & { customId: string | null; meta: Record<string, string> };
  credentials: CredentialRow[];
}

const DEFAULT_PAGE = 50;
const MAX_PAGE = 200;

/** The page size a query asks for, within 1..MAX_PAGE. */
export function pageSize(query: DeveloperQuery): number {
  return Math.min(Math.max(query.limit ?? DEFAULT_PAGE, 1), MAX_PAGE);
}

export async function readStatusCounts(conn: Conn): Promise<Record<Status, number>> {
  const rows = await statusCountsQuery(conn).execute();
  const counts = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<Status, number>;
  for (const row of rows) counts[row.status as Status] = Number(row.n);
  return counts;
}

/** The statement behind readStatusCounts, for its plan to be inspected. */
export function statusCountsQuery(conn: Conn) {
  return conn
    .selectFrom('pf_developers')
    .select(['status', sql<number>`count(*)`.as('n')])
    .groupBy('status');
}

/** One page of developers ordered by email; `next` is the key of the following page, null at the end. */
export async function readDeveloperPage(
  conn: Conn,
  dialect: Dialect,
  query: DeveloperQuery,
): Promise<{ developers: DeveloperRow[]; next: string | null }> {
  const limit = pageSize(query);
  const rows = await developerPageQuery(conn, dialect, query).execute();
  const page = rows.slice(0, limit).map((r) => ({
    email: r.email,
    fullName: r.full_name,
    status: r.status as Status,
    origin: r.origin,
    createdAt: r.created_at,
    credentials: Number(r.credentials),
  }));
  return { developers: page, next: rows.length > limit ? page.at(-1)!.email : null };
}

/** The statement behind readDeveloperPage: one row more than the page, to tell whether another follows. */
export function developerPageQuery(conn: Conn, dialect: Dialect, query: DeveloperQuery) {
  let select = conn
    .selectFrom('pf_developers as d')
    .select(['d.email', 'd.full_name', 'd.status', 'd.origin', 'd.created_at'])
    .select((eb) =>
      eb
        .selectFrom('pf_credentials as c')
        .select(sql<number>`count(*)`.as('n'))
        .whereRef('c.developer_id', '=', 'd.id')
        .where('c.application_id', 'is', null)
        .as('credentials'),
    );
  if (query.status) select = select.where('d.status', '=', query.status);
  if (query.origin) select = select.where('d.origin', '=', query.origin);
  if (query.after) select = select.where('d.email', '>', query.after);
  const search = canonicalSearch(query.search?.trim() ?? '');
  if (search) select = select.where(prefixMatch(dialect, search));
  return select.orderBy('d.email').limit(pageSize(query) + 1);
}

/**
 * The start of the email or of the lower-cased name: a range on SQLite (whose LIKE ignores case and
 * so cannot use the indexes), LIKE on PostgreSQL (text_pattern_ops indexes).
 */
function prefixMatch(dialect: Dialect, prefix: string) {
  if (dialect === 'postgres') {
    const pattern = `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    return sql<boolean>`(d.email like ${pattern} or lower(d.full_name) like ${pattern})`;
  }
  const end = `${prefix}\u{10FFFF}`;
  return sql<boolean>`((d.email >= ${prefix} and d.email < ${end})
    or (lower(d.full_name) >= ${prefix} and lower(d.full_name) < ${end}))`;
}

/**
 * One developer by email, with its own credentials' non-secret fields (its applications' are
 * console-applications.ts's); null when there is none.
 */
export async function readDeveloperDetail(conn: Conn, email: string): Promise<DeveloperDetail | null> {
  const row = await conn
    .selectFrom('pf_developers')
    .select(['id', 'email', 'full_name', 'status', 'origin', 'created_at', 'custom_id', 'meta'])
    .where('email', '=', canonicalEmail(email))
    .executeTakeFirst();
  if (!row) return null;
  const credentials = await conn
    .selectFrom('pf_credentials')
    .select(['id', 'type', 'identity', 'fields', 'active', 'origin', 'created_at'])
    .where('developer_id', '=', row.id)
    .where('application_id', 'is', null)
    .orderBy('type')
    .orderBy('identity')
    .execute();
  return {
    developer: {
      email: row.email,
      fullName: row.full_name,
      status: row.status as Status,
      origin: row.origin,
      createdAt: row.created_at,
      customId: row.custom_id,
      meta: JSON.parse(row.meta),
      credentials: credentials.length,
    },
    credentials: credentials.map(credentialRowOf),
  };
}

/** A credential's row as the console lists it: non-secret fields only. */
export function credentialRowOf(c: {
  id: string;
  type: string;
  identity: string;
  fields: string;
  active: number;
  origin: string;
  created_at: string;
}): CredentialRow {
  return {
    id: c.id,
    type: c.type,
    identity: c.identity,
    fields: JSON.parse(c.fields),
    active: Number(c.active) === 1,
    origin: c.origin,
    createdAt: c.created_at,
  };
}
