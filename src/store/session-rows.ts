// The portal's sessions: only the SHA-256 digest of a session's token is stored.
import type { Conn } from './backend.js';
import type { SessionTable } from './schema.js';

/** The columns `authenticate` reads of a session and its developer. */
export interface SessionRow {
  id: string;
  developer_id: string;
  last_seen_at: string;
  idle_expires_at: string;
  expires_at: string;
  email: string;
  status: string;
}

export async function insertSession(conn: Conn, session: SessionTable): Promise<void> {
  await conn.insertInto('pf_sessions').values(session).execute();
}

/** The session a token's digest opens, with its developer's email and status. */
export function sessionByDigest(conn: Conn, digest: string): Promise<SessionRow | undefined> {
  return conn
    .selectFrom('pf_sessions')
    .innerJoin('pf_developers', 'pf_developers.id', 'pf_sessions.developer_id')
    .select([
      'pf_sessions.id',
      'pf_sessions.developer_id',
      'pf_sessions.last_seen_at',
      'pf_sessions.idle_expires_at',
      'pf_sessions.expires_at',
      'pf_developers.email',
      'pf_developers.status',
    ])
    .where('pf_sessions.token_digest', '=', digest)
    .executeTakeFirst();
}

/** Moves a session's idle lifetime forward. */
export async function renewSession(
  conn: Conn,
  id: string,
  times: { lastSeenAt: string; idleExpiresAt: string },
): Promise<void> {
  await conn
    .updateTable('pf_sessions')
    .set({ last_seen_at: times.lastSeenAt, idle_expires_at: times.idleExpiresAt })
    .where('id', '=', id)
    .execute();
}

export async function deleteSession(conn: Conn, id: string): Promise<void> {
  await conn.deleteFrom('pf_sessions').where('id', '=', id).execute();
}

/** Ends every session of a developer, but the one `keep` names. */
export async function deleteSessionsOf(conn: Conn, developerId: string, keep?: string): Promise<void> {
  let query = conn.deleteFrom('pf_sessions').where('developer_id', '=', developerId);
  if (keep !== undefined) query = query.where('id', '<>', keep);
  await query.execute();
}
