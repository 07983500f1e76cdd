// Console sign-in (SPEC §9): a token from $PORTALFORM_CONSOLE_TOKEN, compared in constant time.
// The session is a cookie signed with a key derived from the token that opened it, so every
// instance that knows the tokens accepts it, and removing a token ends its sessions. Like a
// developer's, it ends after 30 idle minutes and 12 hours at most.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const CONSOLE_COOKIE = 'portalform_console';
export const CONSOLE_IDLE_SECONDS = 30 * 60;
export const CONSOLE_MAX_SECONDS = 12 * 60 * 60;

const digest = (text: string) => createHash('sha256').update(text).digest();

/** True when `given` is one of the tokens; every token is compared, each in constant time. */
export function isConsoleToken(tokens: readonly string[], given: string): boolean {
  const presented = digest(given);
  let found = false;
  for (const token of tokens) found = timingSafeEqual(digest(token), presented) || found;
  return found;
}

function signature(token: string, payload: string): string {
  const key = createHmac('sha256', token).update('portalform console session').digest();
  return createHmac('sha256', key).update(payload).digest('base64url');
}

/** A session value for a token: `issuedAt.lastSeen.signature`, times in seconds. */
export function issueConsoleSession(token: string, issuedAt: number, now: number): string {
  const payload = `${issuedAt}.${now}`;
  return `${payload}.${signature(token, payload)}`;
}

/**
 * The session's refreshed value, or null when it is forged, signed by a token no longer
 * configured, idle too long or too old.
 */
export function refreshConsoleSession(
  tokens: readonly string[],
  value: string | undefined,
  now: number,
): string | null {
  const match = /^(\d+)\.(\d+)\.([A-Za-z0-9_-]+)$/.exec(value ?? '');
  if (!match) return null;
  const [, issued, seen, given] = match;
  const issuedAt = Number(issued);
  if (now - Number(seen) > CONSOLE_IDLE_SECONDS || now - issuedAt > CONSOLE_MAX_SECONDS || Number(seen) > now + 60)
    return null;
  const presented = Buffer.from(given!);
  let signer: string | null = null;
  for (const token of tokens) {
    const expected = Buffer.from(signature(token, `${issued}.${seen}`));
    if (expected.length === presented.length && timingSafeEqual(expected, presented)) signer = token;
  }
  return signer === null ? null : issueConsoleSession(signer, issuedAt, now);
}
