// `portalform invite ADDR`: a single-use link with which a developer the manifests created sets a
// portal password (docs/portal-service.md). Only the token's digest is stored; the invite is recorded, never its token.
import { randomBytes } from 'node:crypto';
import { parseGivenAddress } from '../address.js';
import { actorOf, type StateOptions } from '../options.js';
import { PortalformError } from '../errors.js';
import { sha256 } from '../hash.js';
import { developerAddress } from '../model.js';
import { PortalError } from './contract.js';
import { insertInvite } from '../store/invite-rows.js';
import { inTransaction, openPortalState } from './state-access.js';

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
    const token = randomBytes(32).toString('base64url');
    const timing = { busyTimeoutMs: options.lockTimeoutMs ?? 5_000, now: options.now ?? Date.now };
    const expiresAt = await inTransaction(state, timing, async (tx) => {
      const developer = await tx.lockDeveloperByEmail(target.email);
      if (!developer) throw new PortalformError(`${developerAddress(target.email)} is not in the state`);
      if (developer.origin !== 'manifest') {
        throw new PortalformError(
          `${developerAddress(target.email)} signed up through the portal and set a password then; only developers the manifests created are invited`,
        );
      }
      const expires = new Date(Date.parse(tx.now) + INVITE_LIFETIME_MS).toISOString();
      await insertInvite(tx.conn, {
        token_digest: sha256(token),
        developer_id: developer.id,
        created_at: tx.now,
        expires_at: expires,
        used_at: null,
      });
      await tx.record({
        kind: 'invite',
        actor: actorOf(options),
        address: developerAddress(developer.email),
        expiresAt: expires,
      });
      return expires;
    }).catch((error: unknown) => {
      if (error instanceof PortalError) throw new PortalformError(`${error.detail} (${state.store.display})`);
      throw error;
    });
    return { url: `${base}/password?token=${token}`, token, expiresAt };
  } finally {
    await state.store.close();
  }
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
