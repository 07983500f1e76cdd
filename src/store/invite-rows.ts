// The invites an earlier portalform printed, kept in pf_invites (only the token's digest): they
// stay usable until they expire. New invites are link tokens (link-tokens.ts, kind `invite`).
import { sha256 } from '../hash.js';
import type { Conn } from './backend.js';

/** The developer a usable (unused, unexpired) earlier invite is for, without using it. */
export async function liveEarlierInvite(conn: Conn, token: string, now: string): Promise<string | null> {
  const row = await conn
    .selectFrom('pf_invites')
    .select('developer_id')
    .where('token_digest', '=', sha256(token))
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return row?.developer_id ?? null;
}

/** Uses an earlier invite once; the conditional update is the use, so of two racing requests one wins. */
export async function useEarlierInvite(conn: Conn, token: string, now: string): Promise<string | null> {
  const developerId = await liveEarlierInvite(conn, token, now);
  if (!developerId) return null;
  const used = await conn
    .updateTable('pf_invites')
    .set({ used_at: now })
    .where('token_digest', '=', sha256(token))
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(used.numUpdatedRows) === 1 ? developerId : null;
}

/** Voids the developer's unused earlier invites. */
export async function voidEarlierInvites(conn: Conn, developerId: string, now: string): Promise<void> {
  await conn
    .updateTable('pf_invites')
    .set({ used_at: now })
    .where('developer_id', '=', developerId)
    .where('used_at', 'is', null)
    .execute();
}

export async function deleteInvitesOf(conn: Conn, developerId: string): Promise<void> {
  await conn.deleteFrom('pf_invites').where('developer_id', '=', developerId).execute();
}
