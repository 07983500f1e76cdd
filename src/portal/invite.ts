// `portalform invite ADDR`: a single-use link with which any developer sets a portal password and
// proves the address, and unless told otherwise a mailed one with a token of its own
// (docs/portal-service.md). Only tokens' digests are stored; the invite is recorded, never a token.
import { parseGivenAddress } from '../address.js';
import { actorOf, type StateOptions } from '../options.js';
import { PortalformError } from '../errors.js';
import { developerAddress } from '../model.js';
import { PortalError } from './contract.js';
import { outboxEntry } from '../mail/messages.js';
import type { DeveloperRow } from '../store/developer-rows.js';
import { voidEarlierInvites } from '../store/invite-rows.js';
import { createLinkToken, voidLinkTokens } from '../store/link-tokens.js';
import { dropWaitingMessagesOf, enqueueMessage } from '../store/outbox.js';
import { inTransaction, openPortalState, type Transaction } from './state-access.js';

export const INVITE_LIFETIME_MS = 72 * 3600_000;
export const DEFAULT_PUBLIC_URL = 'http://127.0.0.1:8080';

export interface InviteOptions extends StateOptions {
  /** Where the portal is reached; default $PORTALFORM_PUBLIC_URL, else the default listen address. */
  publicUrl?: string;
  actor?: string;
  /** How long to wait for a busy state. */
  lockTimeoutMs?: number;
  /** The clock the invite's lifetime starts by, in milliseconds since the epoch (default Date.now). */
  now?: () => number;
  /** Also queue an invite message with a link of its own (default true; `--no-mail` turns it off). */
  mail?: boolean;
}

export interface Invite {
  url: string;
  token: string;
  expiresAt: string;
}

export async function invite(address: string, options: InviteOptions = {}): Promise<Invite> {
  const target = parseGivenAddress(address);
  if (target.kind !== 'developer')
    throw new PortalformError(`${address} is a credential; invite a developer, e.g. developer["ada@example.com"]`);
  const base = publicUrlOf(options);
  const state = await openPortalState(options);
  try {
    const timing = { busyTimeoutMs: options.lockTimeoutMs ?? 5_000, now: options.now ?? Date.now };
    const made = await inTransaction(state, timing, async (tx) => {
      const developer = await tx.lockDeveloperByEmail(target.email);
      if (!developer) throw new PortalformError(`${developerAddress(target.email)} is not in the state`);
      return inviteIn(tx, developer, { mail: options.mail !== false, actor: actorOf(options) });
    }).catch((error: unknown) => {
      if (error instanceof PortalError) throw new PortalformError(`${error.detail} (${state.store.display})`);
      throw error;
    });
    return { url: `${base}/password?token=${made.token}`, ...made };
  } finally {
    await state.store.close();
  }
}

/**
 * The developer's earlier unused invites are void and a waiting invite message dropped; the new
 * token is stored as a digest, and the mailed link gets a token of its own when it is sent.
 */
async function inviteIn(
  tx: Transaction,
  developer: DeveloperRow,
  options: { mail: boolean; actor: string },
): Promise<{ token: string; expiresAt: string }> {
  const now = new Date(tx.now);
  await voidLinkTokens(tx.conn, developer.id, now, ['invite']);
  await voidEarlierInvites(tx.conn, developer.id, tx.now);
  await dropWaitingMessagesOf(tx.conn, developer.id, ['invite']);
  const token = await createLinkToken(
    tx.conn,
    { kind: 'invite', developerId: developer.id, lifetimeMs: INVITE_LIFETIME_MS },
    now,
  );
  if (options.mail) {
    const message = {
      kind: 'invite' as const,
      to: developer.email,
      developerId: developer.id,
      fullName: developer.full_name,
    };
    await enqueueMessage(tx.conn, outboxEntry(message), tx.now);
  }
  const expiresAt = new Date(now.getTime() + INVITE_LIFETIME_MS).toISOString();
  await tx.record({
    kind: 'invite',
    actor: options.actor,
    address: developerAddress(developer.email),
    expiresAt,
    mailed: options.mail,
  });
  return { token, expiresAt };
}

function publicUrlOf(options: InviteOptions): string {
  const text = options.publicUrl ?? (options.env ?? process.env).PORTALFORM_PUBLIC_URL ?? DEFAULT_PUBLIC_URL;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new PortalformError(
      `invalid public URL ${JSON.stringify(text)}; expected an absolute URL like https://portal.example.com`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new PortalformError(`invalid public URL ${JSON.stringify(text)}: use http:// or https://`);
  return url.toString().replace(/\/+$/, '');
}
