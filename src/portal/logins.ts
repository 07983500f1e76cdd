// Logging in and out, and the session a request's token opens (docs/portal-service.md).
import { randomBytes, randomUUID } from 'node:crypto';
import { isValidEmail } from '../manifest/email.js';
import type { Status } from '../model.js';
import { verifyPassword } from '../secrets/vault.js';
import { loginOf } from '../store/developer-rows.js';
import { clearLoginAttempts } from '../store/login-attempt-rows.js';
import { deleteSession, insertSession } from '../store/session-rows.js';
import { earliest, normalizedEmail, notApproved, passwordErrors, tokenDigest } from './answers.js';
import { PortalError, type Session, type SessionGrant } from './contract.js';
import type { PortalContext } from './portal-context.js';
import { SessionLookup, sessionOf } from './session-lookup.js';
import { countLoginAttempt } from './throttle.js';
import { isVerified, notVerified } from './verification.js';

const WRONG_LOGIN = 'The email or password is wrong.';

export class Logins {
  private readonly sessions: SessionLookup;

  constructor(private readonly context: PortalContext) {
    this.sessions = new SessionLookup(context);
  }

  async login(input: { email: string; password: string }): Promise<SessionGrant> {
    const { context } = this;
    const email = normalizedEmail(input.email);
    const password =
      typeof input.password === 'string' && passwordErrors('password', input.password).length === 0
        ? input.password
        : null;
    // No account can have such an email: nothing to count, but the same answer in the same time.
    if (!isValidEmail(email)) {
      await verifyPassword('', await context.dummyHash);
      throw new PortalError(401, 'Login failed', WRONG_LOGIN);
    }
    // Counted before the password is checked, in the state: parallel guesses, on any instance, all count.
    await context.write((tx) => countLoginAttempt(tx, email, context.limits.loginAttempts));
    const found = await loginOf(context.state.db, email);
    const correct = await verifyPassword(password ?? '', found?.password_hash ?? (await context.dummyHash));
    if (!found?.password_hash || password === null || !correct) throw new PortalError(401, 'Login failed', WRONG_LOGIN);
    const token = randomBytes(32).toString('base64url');
    const expiresAt = await this.openSession(found.id, found.password_hash, email, token);
    return { token, expiresAt, csrfToken: context.csrfToken(token) };
  }

  async authenticate(token: string): Promise<Session | null> {
    const live = await this.sessions.find(token);
    if (!live) return null;
    const session = sessionOf(live, () => this.context.csrfToken(token));
    if (live.epoch !== null) this.context.checkedAt.set(session, live.epoch);
    return session;
  }

  async logout(session: Session): Promise<void> {
    await this.context.write((tx) => deleteSession(tx.conn, session.sessionId));
  }

  /** Stores the new session of a checked password; returns when it expires. */
  private openSession(developerId: string, checkedHash: string, email: string, token: string): Promise<string> {
    const { idleMs, maxMs } = this.context.limits;
    return this.context.write(async (tx) => {
      const developer = await tx.lockDeveloper(developerId);
      // A password changed since it was checked: the old one no longer opens a session.
      if (!developer || developer.password_hash !== checkedHash)
        throw new PortalError(401, 'Login failed', WRONG_LOGIN);
      await clearLoginAttempts(tx.conn, email);
      if (!isVerified(developer)) throw notVerified();
      if (developer.status !== 'approved') throw notApproved(developer.status as Status);
      const now = Date.parse(tx.now);
      const absolute = new Date(now + maxMs).toISOString();
      const idle = new Date(now + idleMs).toISOString();
      await insertSession(tx.conn, {
        id: randomUUID(),
        token_digest: tokenDigest(token),
        developer_id: developer.id,
        created_at: tx.now,
        last_seen_at: tx.now,
        idle_expires_at: idle,
        expires_at: absolute,
      });
      return earliest(idle, absolute);
    });
  }
}
