// Console sign-in (docs/portal-service.md, "Pages"): a token from $PORTALFORM_CONSOLE_TOKEN,
// compared in constant time, opens a session kept in the state — only the digests of its cookie
// and of the token that opened it — so that signing out ends it on every instance, and removing
// the token from the configuration ends every session it opened. Failed sign-ins are counted per
// client address in the state, like failed logins. A session ends after 30 idle minutes and 12 hours at most.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  clearConsoleAttempts,
  consoleSessionByDigest,
  countConsoleAttempt,
  deleteConsoleSession,
  insertConsoleSession,
  renewConsoleSession,
} from '../store/console-session-rows.js';
import type { Store } from '../store/index.js';

export const CONSOLE_COOKIE = 'portalform_console';
export const CONSOLE_IDLE_SECONDS = 30 * 60;
export const CONSOLE_MAX_SECONDS = 12 * 60 * 60;
/** A console token shorter than this is guessable: with one configured, the console stays closed. */
export const CONSOLE_TOKEN_MIN_LENGTH = 32;
/** Failed sign-ins per client address per window, as for logins, unless --login-attempts says otherwise. */
export const CONSOLE_DEFAULT_ATTEMPTS = 10;
const WINDOW_MS = 15 * 60_000;
/** A session's idle time is written at most this often, not on every page. */
const RENEW_AFTER_MS = 60_000;
const WAIT_MS = 5_000;

const digest = (text: string) => createHash('sha256').update(text).digest();
const hex = (text: string) => digest(text).toString('hex');

/** Why the console is closed with these tokens, or null when it is open. */
export function consoleClosedReason(tokens: readonly string[]): string | null {
  if (tokens.length === 0) return 'no console token is configured (PORTALFORM_CONSOLE_TOKEN)';
  const short = tokens.filter((token) => [...token].length < CONSOLE_TOKEN_MIN_LENGTH).length;
  if (short === 0) return null;
  const which = short === 1 ? 'a token' : `${short} tokens`;
  return (
    `${which} in PORTALFORM_CONSOLE_TOKEN ${short === 1 ? 'is' : 'are'} shorter than ` +
    `${CONSOLE_TOKEN_MIN_LENGTH} characters; use long random tokens (openssl rand -hex 32)`
  );
}

/** The configured token `given` is, or null; every token is compared, each in constant time. */
export function matchingConsoleToken(tokens: readonly string[], given: string): string | null {
  const presented = digest(given);
  let found: string | null = null;
  for (const token of tokens) if (timingSafeEqual(digest(token), presented)) found = token;
  return found;
}

export type SignInResult = { cookie: string } | { refused: true } | { retryAfterSeconds: number };

export class ConsoleSessions {
  private readonly tokenDigests: Set<string>;

  constructor(
    private readonly store: Store,
    private readonly tokens: readonly string[],
    private readonly attempts = CONSOLE_DEFAULT_ATTEMPTS,
  ) {
    this.tokenDigests = new Set(tokens.map(hex));
  }

  /**
   * Counts the attempt against the client's address before the token is checked, so parallel
   * guesses all count; a correct token clears the count and opens a session.
   */
  signIn(given: string, address: string, now = new Date()): Promise<SignInResult> {
    const at = now.toISOString();
    const cutoff = new Date(now.getTime() - WINDOW_MS).toISOString();
    return this.store.shortWrite(WAIT_MS, async (conn) => {
      const { failures, windowStart } = await countConsoleAttempt(conn, address, at, cutoff);
      if (failures > this.attempts) {
        const left = Date.parse(windowStart) + WINDOW_MS - now.getTime();
        return { retryAfterSeconds: Math.max(1, Math.ceil(left / 1000)) };
      }
      const token = matchingConsoleToken(this.tokens, given);
      if (token === null) return { refused: true };
      await clearConsoleAttempts(conn, address);
      const cookie = randomBytes(32).toString('base64url');
      await insertConsoleSession(conn, {
        token_digest: hex(cookie),
        console_token_digest: hex(token),
        created_at: at,
        last_seen_at: at,
        idle_expires_at: new Date(now.getTime() + CONSOLE_IDLE_SECONDS * 1000).toISOString(),
        expires_at: new Date(now.getTime() + CONSOLE_MAX_SECONDS * 1000).toISOString(),
      });
      return { cookie };
    });
  }

  /** Whether `cookie` is a live session; ends one that expired or whose token is no longer configured. */
  async isLive(cookie: string | undefined, now = new Date()): Promise<boolean> {
    if (!cookie || !/^[A-Za-z0-9_-]{43}$/.test(cookie)) return false;
    const key = hex(cookie);
    const db = this.store.backend.db();
    if (!db) return false;
    const session = await consoleSessionByDigest(db, key);
    if (!session) return false;
    const at = now.toISOString();
    if (
      !this.tokenDigests.has(session.console_token_digest) ||
      session.idle_expires_at < at ||
      session.expires_at < at
    ) {
      await this.store.shortWrite(WAIT_MS, (conn) => deleteConsoleSession(conn, key));
      return false;
    }
    if (now.getTime() - Date.parse(session.last_seen_at) >= RENEW_AFTER_MS) {
      const idleExpiresAt = new Date(now.getTime() + CONSOLE_IDLE_SECONDS * 1000).toISOString();
      await this.store.shortWrite(WAIT_MS, (conn) => renewConsoleSession(conn, key, { lastSeenAt: at, idleExpiresAt }));
    }
    return true;
  }

  /** Ends the session `cookie` opened, on every instance. */
  async signOut(cookie: string | undefined): Promise<void> {
    if (!cookie) return;
    await this.store.shortWrite(WAIT_MS, (conn) => deleteConsoleSession(conn, hex(cookie)));
  }
}
