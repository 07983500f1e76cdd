// Finding the live session a token opens: from the read cache when it holds one that needs no
// decision, else from the state; a dead session is removed, an idle one's lifetime renewed.
import { deleteSession, renewSession, sessionByDigest, type SessionRow } from '../store/session-rows.js';
import { earliest, ignoreBusy, tokenDigest } from './answers.js';
import type { Session } from './contract.js';
import type { PortalContext } from './portal-context.js';

/** A session's idle lifetime is written again only after this long: not one write per request. */
const REFRESH_AFTER_MS = 30_000;

export interface LiveSession {
  row: SessionRow;
  expiresAt: string;
  /** The read cache's epoch the lookup saw (null: nothing may be kept). */
  epoch: number | null;
}

/** The Session a live lookup opens. Its CSRF token is an HMAC: worked out only when a request asks for it (a form, a cookie write). */
export function sessionOf(live: LiveSession, csrf: () => string): Session {
  return {
    sessionId: live.row.id,
    developerId: live.row.developer_id,
    email: live.row.email,
    get csrfToken() {
      return csrf();
    },
    expiresAt: live.expiresAt,
  };
}

export class SessionLookup {
  constructor(private readonly context: PortalContext) {}

  async find(token: string): Promise<LiveSession | null> {
    if (typeof token !== 'string' || token.length === 0 || token.length > 256) return null;
    const { cache } = this.context;
    const digest = tokenDigest(token);
    const now = this.context.now();
    const epoch = cache.begin();
    const row = this.usableAsKept(cache.session(digest), now) ?? (await this.read(epoch, digest));
    if (!row) return null;
    if (row.status !== 'approved' || Date.parse(row.idle_expires_at) <= now || Date.parse(row.expires_at) <= now) {
      // Housekeeping: a busy state leaves the dead row for the next request, the answer is the same.
      await this.context.write((tx) => deleteSession(tx.conn, row.id)).catch(ignoreBusy);
      return null;
    }
    if (now - Date.parse(row.last_seen_at) < REFRESH_AFTER_MS)
      return { row, expiresAt: earliest(row.idle_expires_at, row.expires_at), epoch };
    const refreshed = await this.refresh(row, now);
    if (refreshed && cache.begin() === epoch) cache.keepSession(epoch, digest, refreshed);
    else cache.forgetSession(digest);
    return { row, expiresAt: earliest((refreshed ?? row).idle_expires_at, row.expires_at), epoch: null };
  }

  /** A kept session is trusted only to say yes: expired or due for a refresh, it is read again. */
  private usableAsKept(row: SessionRow | undefined, now: number): SessionRow | undefined {
    if (row?.status !== 'approved' || Date.parse(row.idle_expires_at) <= now || Date.parse(row.expires_at) <= now)
      return undefined;
    return now - Date.parse(row.last_seen_at) < REFRESH_AFTER_MS ? row : undefined;
  }

  private async read(epoch: number | null, digest: string): Promise<SessionRow | undefined> {
    const row = await sessionByDigest(this.context.state.db, digest);
    if (row) this.context.cache.keepSession(epoch, digest, row);
    return row;
  }

  /** Not the engine's `write`: a refresh changes only this session's lifetime, which the cache then holds. */
  private async refresh(row: SessionRow, now: number): Promise<SessionRow | null> {
    const refreshed = {
      ...row,
      last_seen_at: new Date(now).toISOString(),
      idle_expires_at: new Date(now + this.context.limits.idleMs).toISOString(),
    };
    const wrote = await this.context
      .transaction((tx) =>
        renewSession(tx.conn, row.id, { lastSeenAt: refreshed.last_seen_at, idleExpiresAt: refreshed.idle_expires_at }),
      )
      .then(() => true, ignoreBusy);
    return wrote ? refreshed : null;
  }
}
