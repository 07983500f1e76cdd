// The access requests (docs/unmanaged.md): developers who signed up and wait for approval, read for
// `portalform requests` and the console. The partial index pf_developers_pending (schema.ts) keeps
// the read from scanning the developers.
import type { Conn } from './backend.js';

export interface AccessRequestRow {
  email: string;
  full_name: string;
  created_at: string;
}

/** The unmanaged pending developers, oldest first (up to `limit`). */
export function readAccessRequests(conn: Conn, limit?: number): Promise<AccessRequestRow[]> {
  return accessRequestsQuery(conn, limit).execute();
}

/** The statement behind readAccessRequests, for its plan to be inspected. */
export function accessRequestsQuery(conn: Conn, limit?: number) {
  const query = conn
    .selectFrom('pf_developers')
    .select(['email', 'full_name', 'created_at'])
    .where('status', '=', 'pending')
    .where('origin', '<>', 'manifest')
    .orderBy('created_at')
    .orderBy('email');
  return limit === undefined ? query : query.limit(limit);
}

/** Whether an apply has initialized the state: it records the state's lineage then. */
export async function hasLineage(conn: Conn): Promise<boolean> {
  const row = await conn.selectFrom('pf_meta').select('value').where('key', '=', 'lineage').executeTakeFirst();
  return row !== undefined;
}
