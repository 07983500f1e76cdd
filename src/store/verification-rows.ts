// What proving an address reads and writes (docs/portal-service.md, "Mail"): whether a developer's
// address is verified, a link token looked at before it is used, and the unverified sign-ups that
// `serve` mails a first link or deletes once their first link is 7 days old.
import { sha256 } from '../hash.js';
import type { Conn } from './backend.js';
import { sql } from './kysely.js';

/** The address is proven; with `status`, the developer also gets it (autoApprove's approval). */
export async function markAddressVerified(conn: Conn, id: string, at: string, status?: string): Promise<void> {
  await conn
    .updateTable('pf_developers')
    .set({ email_verified: 1, updated_at: at, ...(status ? { status } : {}) })
    .where('id', '=', id)
    .execute();
}

/** A usable token's kind and developer, without using it (the password is checked first). */
export async function peekLinkToken(
  conn: Conn,
  token: string,
  now: string,
): Promise<{ kind: string; developerId: string } | null> {
  const row = await conn
    .selectFrom('pf_link_tokens')
    .select(['kind', 'developer_id'])
    .where('token_digest', '=', sha256(token))
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return row ? { kind: row.kind, developerId: row.developer_id } : null;
}

const unverifiedSignUps = (conn: Conn) =>
  conn
    .selectFrom('pf_developers as d')
    .select(['d.id', 'd.email'])
    .where('d.origin', '=', 'self-service')
    .where('d.email_verified', '=', 0);

/** Unverified sign-ups whose first verification message was sent at or before `cutoff`. */
export async function signUpsToExpire(conn: Conn, cutoff: string, limit = 200): Promise<string[]> {
  const rows = await unverifiedSignUps(conn)
    .where(
      ({ selectFrom }) =>
        selectFrom('pf_link_tokens as t')
          .select(sql<string>`min(t.created_at)`.as('first'))
          .whereRef('t.developer_id', '=', 'd.id')
          .where('t.kind', '=', 'verify'),
      '<=',
      cutoff,
    )
    .orderBy('d.created_at')
    .limit(limit)
    .execute();
  return rows.map((row) => row.id);
}

/** The first verification message sent to the developer, or null when none was. */
export async function firstVerificationSent(conn: Conn, id: string): Promise<string | null> {
  const row = await conn
    .selectFrom('pf_link_tokens')
    .select(sql<string | null>`min(created_at)`.as('first'))
    .where('developer_id', '=', id)
    .where('kind', '=', 'verify')
    .executeTakeFirst();
  return row?.first ?? null;
}

/** Unverified sign-ups that never had a verification message, written or sent. */
export async function signUpsNeverMailed(conn: Conn): Promise<string[]> {
  const rows = await unverifiedSignUps(conn)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('pf_outbox as o')
            .select('o.id')
            .whereRef('o.developer_id', '=', 'd.id')
            .where('o.kind', '=', 'verify'),
        ),
      ),
    )
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('pf_link_tokens as t')
            .select('t.token_digest')
            .whereRef('t.developer_id', '=', 'd.id')
            .where('t.kind', '=', 'verify'),
        ),
      ),
    )
    .orderBy('d.created_at')
    .execute();
  return rows.map((row) => row.id);
}

/** Whether the developer ever had a verification message (asked again under its row's lock). */
export async function everMailedVerification(conn: Conn, id: string): Promise<boolean> {
  const message = await conn
    .selectFrom('pf_outbox')
    .select('id')
    .where('developer_id', '=', id)
    .where('kind', '=', 'verify')
    .executeTakeFirst();
  if (message) return true;
  return (await firstVerificationSent(conn, id)) !== null;
}
