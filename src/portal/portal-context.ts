// What the parts of the self-service engine (accounts, logins, own credentials) share: the open
// state, the vault, the read cache, the clock and the limits, and the one way each part writes.
import { randomBytes } from 'node:crypto';
import { stateKeyOf } from '../options.js';
import { portalSettingsFromMeta } from '../portal-settings.js';
import { hashPassword, Vault, verifyPassword } from '../secrets/vault.js';
import { passwordHashOf, type DeveloperRow } from '../store/developer-rows.js';
import { clearLoginAttempts } from '../store/login-attempt-rows.js';
import { readMeta } from '../store/meta.js';
import { MAX_PASSWORD_LENGTH, sessionEnded, wrongPassword } from './answers.js';
import type { PortalEngineOptions, PortalSettings, Session } from './contract.js';
import { ReadCache } from './read-cache.js';
import { countLoginAttempt } from './throttle.js';
import { inTransaction, type PortalState, type Transaction } from './state-access.js';

const DEFAULT_LOGIN_ATTEMPTS = 10;
const DEFAULT_IDLE_SECONDS = 30 * 60;
const DEFAULT_MAX_SECONDS = 12 * 3600;
const DEFAULT_BUSY_TIMEOUT_MS = 5_000;

export interface PortalLimits {
  loginAttempts: number;
  idleMs: number;
  maxMs: number;
  busyTimeoutMs: number;
}

export class PortalContext {
  readonly vault: Vault;
  readonly cache: ReadCache;
  readonly limits: PortalLimits;
  /** The engine's clock, in milliseconds since the epoch: sessions, invites and throttles expire by it. */
  readonly now: () => number;
  /** The cache epoch each session's authentication saw, for the rest of that request. */
  readonly checkedAt = new WeakMap<Session, number>();
  /** Verified when the email is unknown, so a wrong email takes as long as a wrong password. */
  readonly dummyHash: Promise<string>;

  constructor(
    readonly state: PortalState,
    options: PortalEngineOptions,
  ) {
    this.vault = Vault.open(state.lineage, state.meta, stateKeyOf(options));
    this.cache = new ReadCache(state.changes);
    this.now = options.now ?? Date.now;
    this.limits = {
      loginAttempts: options.loginAttempts ?? DEFAULT_LOGIN_ATTEMPTS,
      idleMs: (options.sessionIdleSeconds ?? DEFAULT_IDLE_SECONDS) * 1000,
      maxMs: (options.sessionMaxSeconds ?? DEFAULT_MAX_SECONDS) * 1000,
      busyTimeoutMs: options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS,
    };
    this.dummyHash = hashPassword(randomBytes(16).toString('hex'));
  }

  /** One short write transaction, the cache left as it is: only for a write the cache then holds. */
  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    return inTransaction(this.state, { busyTimeoutMs: this.limits.busyTimeoutMs, now: this.now }, fn);
  }

  /** Every write of this instance drops what the cache holds, committed or not. */
  write<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.transaction(fn).finally(() => this.cache.drop());
  }

  async settings(): Promise<PortalSettings> {
    return portalSettingsFromMeta(await readMeta(this.state.db));
  }

  csrfToken(token: string): string {
    return this.vault.digest('portal-session', 'csrf', token);
  }

  /** The session's developer, locked; a developer gone or no longer approved has no session. */
  async lockOwn(tx: Transaction, session: Session): Promise<DeveloperRow> {
    const developer = await tx.lockDeveloper(session.developerId);
    if (developer?.status !== 'approved') throw sessionEnded();
    return developer;
  }

  /**
   * The password a request asks for, checked against the stored hash outside any transaction (scrypt
   * is slow) and counted as a login attempt of the account: past the limit a 429 whatever the
   * password, a wrong one a 400 naming `field`, a right one clears the count. Returns the hash it matched.
   */
  async checkPassword(session: Session, password: unknown, field: string): Promise<string> {
    const row = await passwordHashOf(this.state.db, session.developerId);
    if (!row) throw sessionEnded();
    await this.write((tx) => countLoginAttempt(tx, row.email, this.limits.loginAttempts));
    const ok =
      typeof password === 'string' &&
      password.length <= MAX_PASSWORD_LENGTH * 4 &&
      (await verifyPassword(password, row.password_hash ?? (await this.dummyHash)));
    if (!ok || !row.password_hash) throw wrongPassword(field);
    await this.write((tx) => clearLoginAttempts(tx.conn, row.email));
    return row.password_hash;
  }
}
