// Post/redirect/get for the pages that show a secret. A form that creates or rotates carries a
// one-time token, so the same POST sent again (a reload, a back-and-resend) is refused instead of
// rotating again and killing the key just copied. The secret itself goes to a flash kept here,
// keyed to the session, and shown once by the GET the POST redirects to: reloading that page
// cannot show it, or make it, again. Both live in this process's memory for minutes at most.
import { randomBytes } from 'node:crypto';
import type { Session } from '../portal/contract.js';

const FORM_LIFETIME_MS = 60 * 60_000;
const FLASH_LIFETIME_MS = 10 * 60_000;
/** At most this many of each are kept; the oldest go first. */
const MAX_ENTRIES = 10_000;

interface Entry<T> {
  sessionId: string;
  expires: number;
  value: T;
}

class OneTimeMap<T> {
  private readonly entries = new Map<string, Entry<T>>();
  constructor(private readonly lifetimeMs: number) {}

  put(session: Session, value: T): string {
    const now = Date.now();
    for (const [key, entry] of this.entries) {
      if (entry.expires > now && this.entries.size < MAX_ENTRIES) break;
      this.entries.delete(key);
    }
    const key = randomBytes(18).toString('base64url');
    this.entries.set(key, { sessionId: session.sessionId, expires: now + this.lifetimeMs, value });
    return key;
  }

  /** The value under `key` for this session, removed; undefined when used, expired or another session's. */
  take(session: Session, key: string | undefined): T | undefined {
    const entry = key ? this.entries.get(key) : undefined;
    if (!entry || entry.sessionId !== session.sessionId) return undefined;
    this.entries.delete(key!);
    return entry.expires > Date.now() ? entry.value : undefined;
  }
}

/** The one-time form tokens and secret flashes of the credentials pages. */
export class OneTimeStore<Flash> {
  private readonly forms = new OneTimeMap<true>(FORM_LIFETIME_MS);
  private readonly flashes = new OneTimeMap<Flash>(FLASH_LIFETIME_MS);

  /** A token for the forms of one page view; the first POST that sends it back uses it up. */
  formToken(session: Session): string {
    return this.forms.put(session, true);
  }

  useFormToken(session: Session, token: string | undefined): boolean {
    return this.forms.take(session, token) === true;
  }

  flash(session: Session, value: Flash): string {
    return this.flashes.put(session, value);
  }

  takeFlash(session: Session, key: string | undefined): Flash | undefined {
    return this.flashes.take(session, key);
  }
}

export const ONCE_FIELD = '_once';
