// Single-use links to set a portal password: only the token's digest is stored.
import type { Conn } from './backend.js';
import type { InviteTable } from './schema.js';

export async function insertInvite(conn: Conn, invite: InviteTable): Promise<void> {
  await conn.insertInto('pf_invites').values(invite).execute();
}

export function inviteByDigest(conn: Conn, digest: string): Promise<InviteTable | undefined> {
  return conn.selectFrom('pf_invites').selectAll().where('token_digest', '=', digest).executeTakeFirst();
}

export async function markInviteUsed(conn: Conn, digest: string, at: string): Promise<void> {
  await conn.updateTable('pf_invites').set({ used_at: at }).where('token_digest', '=', digest).execute();
}

export async function deleteInvitesOf(conn: Conn, developerId: string): Promise<void> {
  await conn.deleteFrom('pf_invites').where('developer_id', '=', developerId).execute();
}
