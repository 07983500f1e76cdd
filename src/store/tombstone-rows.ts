// Tombstones: the managed developers who deleted their own account, so that apply does not
// create them again (docs/unmanaged.md).
import type { Conn } from './backend.js';

export async function writeTombstone(conn: Conn, email: string, at: string): Promise<void> {
  await conn
    .insertInto('pf_tombstones')
    .values({ email, deleted_at: at })
    .onConflict((oc) => oc.column('email').doUpdateSet({ deleted_at: at }))
    .execute();
}

/** A new account, or an apply's `tombstone.clear`, ends the tombstone of its email. */
export async function clearTombstone(conn: Conn, email: string): Promise<void> {
  await conn.deleteFrom('pf_tombstones').where('email', '=', email).execute();
}
