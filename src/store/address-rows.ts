// A developer's address (docs/portal-service.md, "Mail"): proving it, and the address change that
// waits for the link mailed to the new address.
import type { Conn } from './backend.js';

/** The address is proven (a verification, invite or reset link); a pending sign-up may be approved with it. */
export async function proveAddress(conn: Conn, id: string, at: string, status?: string): Promise<void> {
  await conn
    .updateTable('pf_developers')
    .set({ email_verified: 1, ...(status ? { status } : {}), updated_at: at })
    .where('id', '=', id)
    .execute();
}

export async function setPendingEmail(conn: Conn, id: string, email: string | null, at: string): Promise<void> {
  await conn.updateTable('pf_developers').set({ pending_email: email, updated_at: at }).where('id', '=', id).execute();
}

/** The change a used address-change link makes: the new address, proven, nothing pending. */
export async function moveAddress(conn: Conn, id: string, email: string, at: string): Promise<void> {
  await conn
    .updateTable('pf_developers')
    .set({ email, email_verified: 1, pending_email: null, updated_at: at })
    .where('id', '=', id)
    .execute();
}

/** Whether another developer has this address (a pending change to it does not take it). */
export async function addressTakenByAnother(conn: Conn, email: string, id: string): Promise<boolean> {
  const row = await conn
    .selectFrom('pf_developers')
    .select('id')
    .where('email', '=', email)
    .where('id', '!=', id)
    .executeTakeFirst();
  return row !== undefined;
}
