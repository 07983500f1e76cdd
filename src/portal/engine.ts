// The self-service engine (SPEC §7): accounts, sessions and credentials, each write one short
// transaction that locks and re-reads the developer's row, keeps apply's invariants and appends a
// `self-service` entry to the second history chain.
import { randomBytes, randomUUID } from 'node:crypto';
import { uniqueValueOf } from '../apply/execute.js';
import { stateKeyOf } from '../options.js';
import { isValidEmail } from '../manifest/email.js';
import { CREDENTIAL_SPECS, credentialAddress, developerAddress, type CredentialType, type Status } from '../model.js';
import { generateSecretValue, hashPassword, Vault, verifyPassword } from '../secrets/vault.js';
import { sql } from '../store/kysely.js';
import type { CredentialTable } from '../store/schema.js';
import type { StoredSecret } from '../store/types.js';
import {
  PortalError,
  type Account,
  type CredentialWithSecrets,
  type PortalEngine,
  type PortalEngineOptions,
  type PortalSettings,
  type PublicCredential,
  type Session,
  type SessionGrant,
} from './contract.js';
import {
  account,
  allowedTypes,
  DEVELOPER_COLUMNS,
  earliest,
  emailErrors,
  fullNameErrors,
  invalid,
  managedCredential,
  MAX_PASSWORD_LENGTH,
  normalizedEmail,
  notApproved,
  passwordErrors,
  publicCredential,
  redacted,
  registrationRefusal,
  selfService,
  selfServiceOff,
  sessionEnded,
  tokenDigest,
  wrongPassword,
} from './answers.js';
import { credentialFields, defaultFields } from './credential-input.js';
import { countLoginAttempt } from './throttle.js';
import { ReadCache } from './read-cache.js';
import { SessionLookup, sessionOf } from './session-lookup.js';
import { creatableType, newSecrets, ownCredential, refuseTaken } from './credential-rules.js';
import { inTransaction, readMeta, type DeveloperRow, type PortalState, type Transaction } from './state.js';
import { portalSettingsFromMeta } from '../portal-settings.js';

const DEFAULT_LOGIN_ATTEMPTS = 10;
const DEFAULT_IDLE_SECONDS = 30 * 60;
const DEFAULT_MAX_SECONDS = 12 * 3600;
const DEFAULT_BUSY_TIMEOUT_MS = 5_000;
/** A session's idle lifetime is written again only after this long: not one write per request. */
const REFRESH_AFTER_MS = 30_000;

const WRONG_LOGIN = 'The email or password is wrong.';

export class Engine implements PortalEngine {
  private readonly vault: Vault;
  private readonly loginAttempts: number;
  private readonly idleMs: number;
  private readonly maxMs: number;
  private readonly busyTimeoutMs: number;
  private readonly cache: ReadCache;
  private readonly sessions: SessionLookup;
  /** The cache epoch each session's authentication saw, for the rest of that request. */
  private readonly checkedAt = new WeakMap<Session, number>();
  /** Verified when the email is unknown, so a wrong email takes as long as a wrong password. */
  private readonly dummyHash: Promise<string>;

  constructor(
    private readonly state: PortalState,
    options: PortalEngineOptions,
  ) {
    this.vault = Vault.open(state.lineage, state.meta, stateKeyOf(options));
    this.cache = new ReadCache(state.changes);
    this.loginAttempts = options.loginAttempts ?? DEFAULT_LOGIN_ATTEMPTS;
    this.idleMs = (options.sessionIdleSeconds ?? DEFAULT_IDLE_SECONDS) * 1000;
    this.maxMs = (options.sessionMaxSeconds ?? DEFAULT_MAX_SECONDS) * 1000;
    this.busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
    this.dummyHash = hashPassword(randomBytes(16).toString('hex'));
    this.sessions = new SessionLookup(
      state,
      this.cache,
      { idleMs: this.idleMs, busyTimeoutMs: this.busyTimeoutMs, refreshAfterMs: REFRESH_AFTER_MS },
      (fn) => this.write(fn),
    );
  }

  /** SQLite waits this long for another writer before answering busy (then a 503). */
  async configureBusyTimeout(): Promise<void> {
    await sql.raw(`pragma busy_timeout = ${Math.max(0, Math.round(this.busyTimeoutMs))}`).execute(this.state.db);
  }

  /** Every write of this instance drops what the cache holds, committed or not. */
  private write<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    return inTransaction(this.state, this.busyTimeoutMs, fn).finally(() => this.cache.drop());
  }

  async settings(): Promise<PortalSettings> {
    return portalSettingsFromMeta(await readMeta(this.state.db));
  }

  async healthy(): Promise<boolean> {
    try {
      await sql`select 1`.execute(this.state.db);
      return true;
    } catch {
      return false;
    }
  }

  async register(input: { email: string; fullName: string; password: string }): Promise<Account> {
    const email = normalizedEmail(input.email);
    const errors = [
      ...emailErrors(email),
      ...fullNameErrors(input.fullName),
      ...passwordErrors('password', input.password),
    ];
    if (errors.length > 0) throw invalid(errors);
    const settings = await this.settings();
    if (!settings.selfService.enabled)
      throw new PortalError(403, 'Sign-ups are off', 'This portal does not accept sign-ups at the moment.');
    const passwordHash = await hashPassword(input.password);
    return this.write(async (tx) => {
      const existing = await tx.lockDeveloperByEmail(email);
      if (existing) throw registrationRefusal(existing.status as Status);
      // Read again inside the transaction: an apply may have turned sign-ups off meanwhile.
      const current = portalSettingsFromMeta(await readMeta(tx.conn));
      if (!current.selfService.enabled)
        throw new PortalError(403, 'Sign-ups are off', 'This portal does not accept sign-ups at the moment.');
      const status: Status = current.autoApprove ? 'approved' : 'pending';
      const id = randomUUID();
      await tx.conn
        .insertInto('pf_developers')
        .values({
          id,
          email,
          full_name: input.fullName,
          status,
          custom_id: null,
          meta: '{}',
          origin: 'self-service',
          created_at: tx.now,
          updated_at: tx.now,
          sync_digest: null,
          password_hash: passwordHash,
        })
        .execute();
      // A new account replaces the tombstone of a managed developer who deleted theirs (SPEC §8).
      await tx.conn.deleteFrom('pf_tombstones').where('email', '=', email).execute();
      await tx.record(
        selfService(email, 'register', developerAddress(email), { after: { fullName: input.fullName, status } }),
      );
      return account({
        id,
        email,
        full_name: input.fullName,
        status,
        origin: 'self-service',
        created_at: tx.now,
        password_hash: passwordHash,
        name_managed: 1,
      });
    });
  }

  async login(input: { email: string; password: string }): Promise<SessionGrant> {
    const email = normalizedEmail(input.email);
    const password =
      typeof input.password === 'string' && passwordErrors('password', input.password).length === 0
        ? input.password
        : null;
    // No account can have such an email: nothing to count, but the same answer in the same time.
    if (!isValidEmail(email)) {
      await verifyPassword('', await this.dummyHash);
      throw new PortalError(401, 'Login failed', WRONG_LOGIN);
    }
    // Counted before the password is checked, in the state: parallel guesses, on any instance, all count.
    await this.write((tx) => countLoginAttempt(tx, email, this.loginAttempts));
    const found = await this.state.db
      .selectFrom('pf_developers')
      .select(['id', 'password_hash'])
      .where('email', '=', email)
      .executeTakeFirst();
    const correct = await verifyPassword(password ?? '', found?.password_hash ?? (await this.dummyHash));
    if (!found?.password_hash || password === null || !correct) throw new PortalError(401, 'Login failed', WRONG_LOGIN);
    const token = randomBytes(32).toString('base64url');
    const expiresAt = await this.write(async (tx) => {
      const developer = await tx.lockDeveloper(found.id);
      // A password changed since it was checked: the old one no longer opens a session.
      if (!developer || developer.password_hash !== found.password_hash)
        throw new PortalError(401, 'Login failed', WRONG_LOGIN);
      await tx.conn.deleteFrom('pf_login_attempts').where('email', '=', email).execute();
      if (developer.status !== 'approved') throw notApproved(developer.status as Status);
      const now = Date.parse(tx.now);
      const absolute = new Date(now + this.maxMs).toISOString();
      await tx.conn
        .insertInto('pf_sessions')
        .values({
          id: randomUUID(),
          token_digest: tokenDigest(token),
          developer_id: developer.id,
          created_at: tx.now,
          last_seen_at: tx.now,
          idle_expires_at: new Date(now + this.idleMs).toISOString(),
          expires_at: absolute,
        })
        .execute();
      return earliest(new Date(now + this.idleMs).toISOString(), absolute);
    });
    return { token, expiresAt, csrfToken: this.csrfToken(token) };
  }

  async authenticate(token: string): Promise<Session | null> {
    const live = await this.sessions.find(token);
    if (!live) return null;
    const session = sessionOf(live, () => this.csrfToken(token));
    if (live.epoch !== null) this.checkedAt.set(session, live.epoch);
    return session;
  }

  async logout(session: Session): Promise<void> {
    await this.write((tx) => tx.conn.deleteFrom('pf_sessions').where('id', '=', session.sessionId).execute());
  }

  async setPasswordWithInvite(input: { token: string; password: string }): Promise<void> {
    const errors = passwordErrors('password', input.password);
    if (typeof input.token !== 'string' || input.token.length === 0)
      errors.unshift({ field: 'token', message: 'is required' });
    if (errors.length > 0) throw invalid(errors);
    const passwordHash = await hashPassword(input.password);
    await this.write(async (tx) => {
      const invite = await tx.conn
        .selectFrom('pf_invites')
        .selectAll()
        .where('token_digest', '=', tokenDigest(input.token))
        .executeTakeFirst();
      const unusable = new PortalError(
        400,
        'Invalid invite',
        'This link is unknown, already used or expired; ask for a new invite.',
        [{ field: 'token', message: 'unknown, used or expired' }],
      );
      if (!invite || invite.used_at !== null || Date.parse(invite.expires_at) <= Date.parse(tx.now)) throw unusable;
      const developer = await tx.lockDeveloper(invite.developer_id);
      if (!developer) throw unusable;
      await tx.conn
        .updateTable('pf_invites')
        .set({ used_at: tx.now })
        .where('token_digest', '=', invite.token_digest)
        .execute();
      await tx.conn
        .updateTable('pf_developers')
        .set({ password_hash: passwordHash, updated_at: tx.now })
        .where('id', '=', developer.id)
        .execute();
      await tx.conn.deleteFrom('pf_sessions').where('developer_id', '=', developer.id).execute();
      await tx.record(selfService(developer.email, 'set-password', developerAddress(developer.email)));
    });
  }

  async me(session: Session): Promise<Account> {
    const row = await this.state.db
      .selectFrom('pf_developers')
      .select(DEVELOPER_COLUMNS)
      .where('id', '=', session.developerId)
      .executeTakeFirst();
    if (!row) throw sessionEnded();
    return account(row as DeveloperRow);
  }

  async updateMe(session: Session, input: { fullName: string }): Promise<Account> {
    const errors = fullNameErrors(input.fullName);
    if (errors.length > 0) throw invalid(errors);
    return this.write(async (tx) => {
      const developer = await this.lockOwn(tx, session);
      if (account(developer).managed.fullName)
        throw new PortalError(
          403,
          'Managed by the manifests',
          'Your name is managed by the portal administrators; ask them to change it.',
        );
      await tx.conn
        .updateTable('pf_developers')
        .set({ full_name: input.fullName, updated_at: tx.now })
        .where('id', '=', developer.id)
        .execute();
      await tx.record(
        selfService(developer.email, 'update-name', developerAddress(developer.email), {
          before: { fullName: developer.full_name },
          after: { fullName: input.fullName },
        }),
      );
      return account({ ...developer, full_name: input.fullName });
    });
  }

  async changeEmail(session: Session, input: { email: string; password: string }): Promise<Account> {
    const email = normalizedEmail(input.email);
    const errors = emailErrors(email);
    if (errors.length > 0) throw invalid(errors);
    const checked = await this.checkPassword(session, input.password, 'password');
    return this.write(async (tx) => {
      const developer = await this.lockOwn(tx, session);
      if (developer.password_hash !== checked) throw wrongPassword('password');
      if (developer.origin === 'manifest')
        throw new PortalError(
          403,
          'Managed by the manifests',
          'Your email is managed by the portal administrators; ask them to change it.',
        );
      if (email === developer.email) return account(developer);
      if (await tx.conn.selectFrom('pf_developers').select('id').where('email', '=', email).executeTakeFirst()) {
        throw new PortalError(409, 'Email taken', 'This email is already registered.', [
          { field: 'email', message: 'already registered' },
        ]);
      }
      await tx.conn
        .updateTable('pf_developers')
        .set({ email, updated_at: tx.now })
        .where('id', '=', developer.id)
        .execute();
      await tx.record(
        selfService(email, 'change-email', developerAddress(email), {
          before: { email: developer.email },
          after: { email },
        }),
      );
      return account({ ...developer, email });
    });
  }

  async changePassword(session: Session, input: { currentPassword: string; newPassword: string }): Promise<void> {
    const errors = passwordErrors('newPassword', input.newPassword);
    if (errors.length > 0) throw invalid(errors);
    const checked = await this.checkPassword(session, input.currentPassword, 'currentPassword');
    const passwordHash = await hashPassword(input.newPassword);
    await this.write(async (tx) => {
      const developer = await this.lockOwn(tx, session);
      if (developer.password_hash !== checked) throw wrongPassword('currentPassword');
      await tx.conn
        .updateTable('pf_developers')
        .set({ password_hash: passwordHash, updated_at: tx.now })
        .where('id', '=', developer.id)
        .execute();
      await tx.conn
        .deleteFrom('pf_sessions')
        .where('developer_id', '=', developer.id)
        .where('id', '<>', session.sessionId)
        .execute();
      await tx.record(selfService(developer.email, 'change-password', developerAddress(developer.email)));
    });
  }

  async deleteAccount(session: Session, input: { password: string }): Promise<void> {
    const checked = await this.checkPassword(session, input.password, 'password');
    await this.write(async (tx) => {
      const developer = await this.lockOwn(tx, session);
      if (developer.password_hash !== checked) throw wrongPassword('password');
      const credentials = await tx.conn
        .selectFrom('pf_credentials')
        .select(['type', 'identity'])
        .where('developer_id', '=', developer.id)
        .execute();
      await tx.conn.deleteFrom('pf_credentials').where('developer_id', '=', developer.id).execute();
      await tx.conn.deleteFrom('pf_sessions').where('developer_id', '=', developer.id).execute();
      await tx.conn.deleteFrom('pf_invites').where('developer_id', '=', developer.id).execute();
      await tx.conn.deleteFrom('pf_developers').where('id', '=', developer.id).execute();
      if (developer.origin === 'manifest') {
        await tx.conn
          .insertInto('pf_tombstones')
          .values({ email: developer.email, deleted_at: tx.now })
          .onConflict((oc) => oc.column('email').doUpdateSet({ deleted_at: tx.now }))
          .execute();
      }
      const deleted = credentials
        .map((c) => credentialAddress(developer.email, c.type as CredentialType, c.identity))
        .sort();
      await tx.record(
        selfService(developer.email, 'delete-account', developerAddress(developer.email), {
          before: { status: developer.status, origin: developer.origin },
          deletedCredentials: deleted,
        }),
      );
    });
  }

  async credentialTypes(_session: Session): Promise<CredentialType[]> {
    return allowedTypes(await this.settings());
  }

  async listCredentials(session: Session): Promise<PublicCredential[]> {
    // The request's own authentication just asked the change feed: its answer still holds unless dropped since.
    const checked = this.checkedAt.get(session);
    const epoch = checked !== undefined && this.cache.isCurrent(checked) ? checked : this.cache.begin();
    const kept = this.cache.credentialsOf(session.developerId);
    if (kept) return [...kept];
    const rows = await this.state.db
      .selectFrom('pf_credentials')
      .selectAll()
      .where('developer_id', '=', session.developerId)
      .execute();
    const list = rows
      .map((row) => Object.freeze(publicCredential(row)))
      .sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : 1));
    this.cache.keepCredentials(epoch, session.developerId, list);
    return [...list];
  }

  async getCredential(session: Session, id: string): Promise<PublicCredential> {
    return publicCredential(await ownCredential(this.state.db, session, id));
  }

  async createCredential(session: Session, input: Record<string, unknown>): Promise<CredentialWithSecrets> {
    const settings = await this.settings();
    const type = creatableType(settings, input.type);
    const { type: _type, ...given } = input;
    const fields = credentialFields(type, given, defaultFields(type));
    const id = randomUUID();
    for (const field of CREDENTIAL_SPECS[type].generatedFields)
      if (fields[field] === undefined) fields[field] = generateSecretValue(32);
    const { stored, values } = await newSecrets(this.vault, id, type, fields);
    const identity = String(fields[CREDENTIAL_SPECS[type].identityField]);
    const row = await this.write(async (tx) => {
      const developer = await this.lockOwn(tx, session);
      if (developer.status !== 'approved') throw sessionEnded();
      const current = portalSettingsFromMeta(await readMeta(tx.conn));
      creatableType(current, type);
      const own = await tx.conn
        .selectFrom('pf_credentials')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('developer_id', '=', developer.id)
        .where('origin', '=', 'self-service')
        .executeTakeFirst();
      if (Number(own?.n ?? 0) >= current.selfService.maxCredentials) {
        throw new PortalError(
          403,
          'Limit reached',
          `You hold the most self-made credentials this portal allows (${current.selfService.maxCredentials}); delete one first.`,
        );
      }
      const credential: CredentialTable = {
        id,
        developer_id: developer.id,
        type,
        identity,
        unique_value: uniqueValueOf(type, fields, stored),
        fields: JSON.stringify(fields),
        secrets: JSON.stringify(stored),
        active: 1,
        origin: 'self-service',
        created_at: tx.now,
        updated_at: tx.now,
      };
      await refuseTaken(tx, credential);
      await tx.conn.insertInto('pf_credentials').values(credential).execute();
      await tx.record(
        selfService(developer.email, 'create-credential', credentialAddress(developer.email, type, identity), {
          after: redacted(type, fields),
        }),
      );
      return { ...credential, version: 1 };
    });
    return { credential: publicCredential(row), secrets: values };
  }

  async updateCredential(session: Session, id: string, input: Record<string, unknown>): Promise<PublicCredential> {
    const settings = await this.settings();
    if (!settings.selfService.enabled) throw selfServiceOff();
    return this.write(async (tx) => {
      const developer = await this.lockOwn(tx, session);
      const existing = await ownCredential(tx.conn, session, id);
      if (existing.origin === 'manifest') throw managedCredential();
      const type = existing.type as CredentialType;
      if (input.type !== undefined && input.type !== type)
        throw invalid([{ field: 'type', message: 'a credential keeps its type; create a new one instead' }]);
      const { type: _type, ...given } = input;
      const before = JSON.parse(existing.fields) as Record<string, unknown>;
      const fields = credentialFields(type, given, before);
      const secrets = JSON.parse(existing.secrets) as Record<string, StoredSecret>;
      const identity = String(fields[CREDENTIAL_SPECS[type].identityField]);
      const updated: CredentialTable = {
        ...existing,
        identity,
        fields: JSON.stringify(fields),
        unique_value: uniqueValueOf(type, fields, secrets),
        updated_at: tx.now,
      };
      await refuseTaken(tx, updated);
      await tx.conn
        .updateTable('pf_credentials')
        .set({ identity, fields: updated.fields, unique_value: updated.unique_value, updated_at: tx.now })
        .where('id', '=', id)
        .execute();
      await tx.record(
        selfService(developer.email, 'update-credential', credentialAddress(developer.email, type, existing.identity), {
          before: redacted(type, before),
          after: redacted(type, fields),
        }),
      );
      return publicCredential(updated);
    });
  }

  async rotateCredential(session: Session, id: string): Promise<CredentialWithSecrets> {
    const settings = await this.settings();
    if (!settings.selfService.enabled) throw selfServiceOff();
    const probe = await ownCredential(this.state.db, session, id);
    if (probe.origin === 'manifest') throw managedCredential();
    const type = probe.type as CredentialType;
    const { stored, values } = await newSecrets(this.vault, id, type, JSON.parse(probe.fields));
    const row = await this.write(async (tx) => {
      const developer = await this.lockOwn(tx, session);
      const existing = await ownCredential(tx.conn, session, id);
      if (existing.origin === 'manifest') throw managedCredential();
      const fields = JSON.parse(existing.fields) as Record<string, unknown>;
      const updated: CredentialTable = {
        ...existing,
        secrets: JSON.stringify(stored),
        unique_value: uniqueValueOf(type, fields, stored),
        updated_at: tx.now,
      };
      await refuseTaken(tx, updated);
      await tx.conn
        .updateTable('pf_credentials')
        .set({ secrets: updated.secrets, unique_value: updated.unique_value, updated_at: tx.now })
        .where('id', '=', id)
        .execute();
      await tx.record(
        selfService(developer.email, 'rotate-credential', credentialAddress(developer.email, type, existing.identity), {
          rotated: Object.keys(stored).sort(),
        }),
      );
      return updated;
    });
    return { credential: publicCredential(row), secrets: values };
  }

  async deleteCredential(session: Session, id: string): Promise<void> {
    await this.write(async (tx) => {
      const developer = await this.lockOwn(tx, session);
      const existing = await ownCredential(tx.conn, session, id);
      if (existing.origin === 'manifest') throw managedCredential();
      await tx.conn.deleteFrom('pf_credentials').where('id', '=', id).execute();
      await tx.record(
        selfService(
          developer.email,
          'delete-credential',
          credentialAddress(developer.email, existing.type as CredentialType, existing.identity),
          { before: redacted(existing.type as CredentialType, JSON.parse(existing.fields)) },
        ),
      );
    });
  }

  async close(): Promise<void> {
    await this.cache.close();
    await this.state.store.close();
  }

  private csrfToken(token: string): string {
    return this.vault.digest('portal-session', 'csrf', token);
  }

  /** The session's developer, locked; a developer gone or no longer approved has no session. */
  private async lockOwn(tx: Transaction, session: Session): Promise<DeveloperRow> {
    const developer = await tx.lockDeveloper(session.developerId);
    if (developer?.status !== 'approved') throw sessionEnded();
    return developer;
  }

  /** The password checked against the stored hash, outside any transaction (scrypt is slow); returns the hash it matched. */
  private async checkPassword(session: Session, password: unknown, field: string): Promise<string> {
    const row = await this.state.db
      .selectFrom('pf_developers')
      .select('password_hash')
      .where('id', '=', session.developerId)
      .executeTakeFirst();
    if (!row) throw sessionEnded();
    const ok =
      typeof password === 'string' &&
      password.length <= MAX_PASSWORD_LENGTH * 4 &&
      (await verifyPassword(password, row.password_hash ?? (await this.dummyHash)));
    if (!ok || !row.password_hash) throw wrongPassword(field);
    return row.password_hash;
  }
}
