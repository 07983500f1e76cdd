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

/** An apply's `tombstone.clear` ends the tombstone of its email. */
export async function clearTombstone(conn: Conn, email: string): Promise<void> {
  await conn.deleteFrom('pf_tombstones').where('email', '=', email).execute();
}

/**
 * An account has just proven that it owns `email` (a verification link with its password, a reset
 * or invite link, a confirmed address change): it replaces the tombstone of a managed developer who
 * deleted theirs, so that the manifests that still declare the email may adopt it. A sign-up alone
 * does not: anyone can type an address. Called in the transaction that records the proof.
 */
export async function replaceTombstoneOnProof(conn: Conn, email: string): Promise<void> {
  await conn.deleteFrom('pf_tombstones').where('email', '=', email).execute();
}
