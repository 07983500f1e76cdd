// The access requests (docs/unmanaged.md): developers who signed up and wait for approval, read for
// `portalform requests` and the console, each with whether its address is verified (an unverified
// sign-up is listed apart: it is no request until it proves its address). The partial index
// pf_developers_pending (schema.ts) keeps the read from scanning the developers.
import type { Conn } from './backend.js';
import { sql } from './kysely.js';

export interface AccessRequestRow {
  email: string;
  full_name: string;
  created_at: string;
  email_verified: boolean;
}

export interface AccessRequestFilter {
  /** Only the verified (true) or the unverified (false) sign-ups; both when absent. */
  verified?: boolean;
  /** Whether the state has the verification column (schema 0008); true when absent. */
  mail?: boolean;
}

/** The unmanaged pending developers, oldest first (up to `limit`). */
export async function readAccessRequests(
  conn: Conn,
  limit?: number,
  filter: AccessRequestFilter = {},
): Promise<AccessRequestRow[]> {
  const rows = await accessRequestsQuery(conn, limit, filter).execute();
  return rows.map((r) => ({ ...r, email_verified: Number(r.email_verified) !== 0 }));
}

/** The statement behind readAccessRequests, for its plan to be inspected. */
export function accessRequestsQuery(conn: Conn, limit?: number, filter: AccessRequestFilter = {}) {
  // Before the column existed, the migration's rule: a pending sign-up is unverified unless released.
  const verified =
    filter.mail === false ? sql<number>`case when origin = 'released' then 1 else 0 end` : sql<number>`email_verified`;
  let query = conn
    .selectFrom('pf_developers')
    .select(['email', 'full_name', 'created_at', verified.as('email_verified')])
    .where('status', '=', 'pending')
    .where('origin', '<>', 'manifest');
  if (filter.verified !== undefined) query = query.where('email_verified', '=', filter.verified ? 1 : 0);
  query = query.orderBy('created_at').orderBy('email');
  return limit === undefined ? query : query.limit(limit);
}

/** Whether an apply has initialized the state: it records the state's lineage then. */
export async function hasLineage(conn: Conn): Promise<boolean> {
  const row = await conn.selectFrom('pf_meta').select('value').where('key', '=', 'lineage').executeTakeFirst();
  return row !== undefined;
}
