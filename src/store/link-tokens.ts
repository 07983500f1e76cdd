// Single-use link tokens (docs/portal-service.md, "Mail"): a verification, reset, address-change or
// invite link. The raw token is returned once, to be put in the link; only its SHA-256 digest is stored.
import { randomBytes } from 'node:crypto';
import { sha256 } from '../hash.js';
import type { Conn } from './backend.js';

export type LinkTokenKind = 'verify' | 'reset' | 'email-change' | 'invite';

export interface NewLinkToken {
  kind: LinkTokenKind;
  developerId: string;
  lifetimeMs: number;
  /** The outbox message whose sending makes the link: a later attempt's token voids this one. */
  messageId?: string;
  /** Where an email-change link moves the account. */
  newEmail?: string;
}

export interface ConsumedLinkToken {
  kind: LinkTokenKind;
  developerId: string;
  newEmail: string | null;
}

/** Stores a new token's digest and returns the token itself: the only time it exists in full. */
export async function createLinkToken(conn: Conn, token: NewLinkToken, now: Date): Promise<string> {
  const raw = randomBytes(32).toString('base64url');
  await conn
    .insertInto('pf_link_tokens')
    .values({
      token_digest: sha256(raw),
      kind: token.kind,
      developer_id: token.developerId,
      message_id: token.messageId ?? null,
      new_email: token.newEmail ?? null,
      created_at: now.toISOString(),
      expires_at: new Date(now.getTime() + token.lifetimeMs).toISOString(),
      used_at: null,
    })
    .execute();
  return raw;
}

/**
 * Uses a token once: null when it is unknown, used, expired or of another kind. The conditional
 * update is the use, so of two requests racing with one token only one succeeds.
 */
export async function consumeLinkToken(
  conn: Conn,
  token: string,
  kinds: readonly LinkTokenKind[],
  now: Date,
): Promise<ConsumedLinkToken | null> {
  const digest = sha256(token);
  const at = now.toISOString();
  const used = await conn
    .updateTable('pf_link_tokens')
    .set({ used_at: at })
    .where('token_digest', '=', digest)
    .where('used_at', 'is', null)
    .where('expires_at', '>', at)
    .where('kind', 'in', kinds)
    .executeTakeFirst();
  if (Number(used.numUpdatedRows) !== 1) return null;
  const row = await conn
    .selectFrom('pf_link_tokens')
    .select(['kind', 'developer_id', 'new_email'])
    .where('token_digest', '=', digest)
    .executeTakeFirstOrThrow();
  return { kind: row.kind as LinkTokenKind, developerId: row.developer_id, newEmail: row.new_email };
}

/** Whom a usable token (unused, unexpired, of one of these kinds) is for, without using it; null otherwise. */
export async function liveLinkToken(
  conn: Conn,
  token: string,
  kinds: readonly LinkTokenKind[],
  now: Date,
): Promise<ConsumedLinkToken | null> {
  const row = await conn
    .selectFrom('pf_link_tokens')
    .select(['kind', 'developer_id', 'new_email'])
    .where('token_digest', '=', sha256(token))
    .where('used_at', 'is', null)
    .where('expires_at', '>', now.toISOString())
    .where('kind', 'in', kinds)
    .executeTakeFirst();
  return row ? { kind: row.kind as LinkTokenKind, developerId: row.developer_id, newEmail: row.new_email } : null;
}

/** Voids the developer's unused tokens (of these kinds; all kinds when none are given). */
export async function voidLinkTokens(
  conn: Conn,
  developerId: string,
  now: Date,
  kinds?: readonly LinkTokenKind[],
): Promise<void> {
  let query = conn
    .updateTable('pf_link_tokens')
    .set({ used_at: now.toISOString() })
    .where('developer_id', '=', developerId)
    .where('used_at', 'is', null);
  if (kinds) query = query.where('kind', 'in', kinds);
  await query.execute();
}

/** Voids the unused tokens an earlier attempt at sending this message created. */
export async function voidMessageTokens(conn: Conn, messageId: string, now: Date): Promise<void> {
  await conn
    .updateTable('pf_link_tokens')
    .set({ used_at: now.toISOString() })
    .where('message_id', '=', messageId)
    .where('used_at', 'is', null)
    .execute();
}
