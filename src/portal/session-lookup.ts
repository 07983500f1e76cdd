// Finding the live session a token opens: from the read cache when it holds one that needs no
// decision, else from the state; a dead session is removed, an idle one's lifetime renewed.
import { earliest, ignoreBusy, tokenDigest } from './answers.js';
import type { Session } from './contract.js';
import type { ReadCache, SessionRow } from './read-cache.js';
import { inTransaction, type PortalState, type Transaction } from './state.js';

export interface SessionTimes {
  idleMs: number;
  busyTimeoutMs: number;
  /** A session's idle lifetime is written again only after this long: not one write per request. */
  refreshAfterMs: number;
}

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
  constructor(
    private readonly state: PortalState,
    private readonly cache: ReadCache,
    private readonly times: SessionTimes,
    private readonly write: <T>(fn: (tx: Transaction) => Promise<T>) => Promise<T>,
  ) {}

  async find(token: string): Promise<LiveSession | null> {
    if (typeof token !== 'string' || token.length === 0 || token.length > 256) return null;
    const digest = tokenDigest(token);
    const now = Date.now();
    const epoch = this.cache.begin();
    const row = this.usableAsKept(this.cache.session(digest), now) ?? (await this.read(epoch, digest));
    if (!row) return null;
    if (row.status !== 'approved' || Date.parse(row.idle_expires_at) <= now || Date.parse(row.expires_at) <= now) {
      // Housekeeping: a busy state leaves the dead row for the next request, the answer is the same.
      await this.write((tx) => tx.conn.deleteFrom('pf_sessions').where('id', '=', row.id).execute()).catch(ignoreBusy);
      return null;
    }
    if (now - Date.parse(row.last_seen_at) < this.times.refreshAfterMs)
      return { row, expiresAt: earliest(row.idle_expires_at, row.expires_at), epoch };
    const refreshed = await this.refresh(row, now);
    if (refreshed && this.cache.begin() === epoch) this.cache.keepSession(epoch, digest, refreshed);
    else this.cache.forgetSession(digest);
    return { row, expiresAt: earliest((refreshed ?? row).idle_expires_at, row.expires_at), epoch: null };
  }

  /** A kept session is trusted only to say yes: expired or due for a refresh, it is read again. */
  private usableAsKept(row: SessionRow | undefined, now: number): SessionRow | undefined {
    if (row?.status !== 'approved' || Date.parse(row.idle_expires_at) <= now || Date.parse(row.expires_at) <= now)
      return undefined;
    return now - Date.parse(row.last_seen_at) < this.times.refreshAfterMs ? row : undefined;
  }

  private async read(epoch: number | null, digest: string): Promise<SessionRow | undefined> {
    const row = await this.state.db
      .selectFrom('pf_sessions')
      .innerJoin('pf_developers', 'pf_developers.id', 'pf_sessions.developer_id')
      .select([
        'pf_sessions.id',
        'pf_sessions.developer_id',
        'pf_sessions.last_seen_at',
        'pf_sessions.idle_expires_at',
        'pf_sessions.expires_at',
        'pf_developers.email',
        'pf_developers.status',
      ])
      .where('pf_sessions.token_digest', '=', digest)
      .executeTakeFirst();
    if (row) this.cache.keepSession(epoch, digest, row);
    return row;
  }

  /** Not the engine's `write`: a refresh changes only this session's lifetime, which the cache then holds. */
  private async refresh(row: SessionRow, now: number): Promise<SessionRow | null> {
    const refreshed = {
      ...row,
      last_seen_at: new Date(now).toISOString(),
      idle_expires_at: new Date(now + this.times.idleMs).toISOString(),
    };
    const wrote = await inTransaction(this.state, this.times.busyTimeoutMs, (tx) =>
      tx.conn
        .updateTable('pf_sessions')
        .set({ last_seen_at: refreshed.last_seen_at, idle_expires_at: refreshed.idle_expires_at })
        .where('id', '=', row.id)
        .execute(),
    ).then(() => true, ignoreBusy);
    return wrote ? refreshed : null;
  }
}
