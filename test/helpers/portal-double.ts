// A small in-memory PortalEngine for the route-mapping tests only: it answers the way the contract
// says (PortalError per case) so the tests can check how each answer becomes HTTP. The rules
// themselves are tested against the real engine.
import { randomBytes, randomUUID } from 'node:crypto';
import { CREDENTIAL_SPECS, type CredentialType } from '../../src/model.js';
import {
  PortalError,
  type Account,
  type PortalEngine,
  type PublicCredential,
  type Session,
} from '../../src/portal/contract.js';

interface Developer {
  id: string;
  account: Account;
  password: string;
}

export interface DoubleEngine extends PortalEngine {
  /** Every call, by method name, with its input: to check what the routes passed on. */
  calls: Array<{ method: string; input: unknown }>;
  setHealthy(healthy: boolean): void;
  /** Make the next call of `method` throw this. */
  failNext(method: keyof PortalEngine, error: Error): void;
  approve(email: string): void;
  closed: boolean;
}

export function portalDouble(): DoubleEngine {
  const developers = new Map<string, Developer>();
  const sessions = new Map<string, Session>();
  const credentials = new Map<string, PublicCredential & { developerId: string; secretValue?: string }>();
  const failures = new Map<string, Error>();
  let healthy = true;

  const record = (method: string, input: unknown) => {
    engine.calls.push({ method, input });
    const failure = failures.get(method);
    if (failure) {
      failures.delete(method);
      throw failure;
    }
  };
  const byId = (id: string) => [...developers.values()].find((d) => d.id === id)!;
  const own = (session: Session, id: string) => {
    const found = credentials.get(id);
    if (!found || found.developerId !== session.developerId)
      throw new PortalError(404, 'Not found', `no credential ${id} of yours`);
    return found;
  };
  const shown = ({
    developerId: _d,
    secretValue: _s,
    ...credential
  }: PublicCredential & { developerId: string; secretValue?: string }): PublicCredential => credential;

  const engine: DoubleEngine = {
    calls: [],
    closed: false,
    setHealthy: (value) => void (healthy = value),
    failNext: (method, error) => void failures.set(method, error),
    approve: (email) => void (developers.get(email)!.account.status = 'approved'),

    async settings() {
      throw new Error('not used by the routes');
    },
    async healthy() {
      record('healthy', undefined);
      return healthy;
    },
    async register(input) {
      record('register', input);
      const email = input.email.toLowerCase();
      if (developers.has(email)) throw new PortalError(409, 'Already registered', `${email} is already registered`);
      const account: Account = {
        email,
        fullName: input.fullName,
        status: 'pending',
        origin: 'self-service',
        createdAt: new Date().toISOString(),
        emailVerified: false,
        pendingEmail: null,
        managed: { fullName: false, email: false },
      };
      developers.set(email, { id: randomUUID(), account, password: input.password });
      return account;
    },
    async login(input) {
      record('login', input);
      const developer = developers.get(input.email.toLowerCase());
      if (!developer || developer.password !== input.password)
        throw new PortalError(401, 'Wrong email or password', 'The email or the password is wrong.');
      if (developer.account.status !== 'approved')
        throw new PortalError(403, 'Not approved', 'Your access request is waiting for approval.');
      const token = randomBytes(24).toString('base64url');
      const session: Session = {
        sessionId: randomUUID(),
        developerId: developer.id,
        email: developer.account.email,
        csrfToken: randomBytes(16).toString('hex'),
        expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
      };
      sessions.set(token, session);
      return { token, expiresAt: session.expiresAt, csrfToken: session.csrfToken };
    },
    async authenticate(token) {
      return sessions.get(token) ?? null;
    },
    async logout(session) {
      record('logout', session.sessionId);
      for (const [token, s] of sessions) if (s.sessionId === session.sessionId) sessions.delete(token);
    },
    async setPasswordWithInvite(input) {
      record('setPasswordWithInvite', input);
      throw new PortalError(400, 'Invalid invite', 'This invite token is unknown, used or expired.', [
        { field: 'token', message: 'is unknown, used or expired' },
      ]);
    },
    async requestPasswordReset(input) {
      record('requestPasswordReset', input);
    },
    async passwordTokenLive(token) {
      record('passwordTokenLive', token);
      return false;
    },
    async verifyEmail(input) {
      record('verifyEmail', input);
      throw new PortalError(400, 'Invalid link', 'This link is unknown, already used or expired.', [
        { field: 'token', message: 'unknown, used or expired' },
      ]);
    },
    async resendVerification(input) {
      record('resendVerification', input);
    },
    async expireSignUps() {
      return 0;
    },
    async mailFirstLinks() {
      return 0;
    },
    async me(session) {
      record('me', undefined);
      return byId(session.developerId).account;
    },
    async updateMe(session, input) {
      record('updateMe', input);
      const developer = byId(session.developerId);
      developer.account.fullName = input.fullName;
      return developer.account;
    },
    async changeEmail(session, input) {
      record('changeEmail', input);
      return byId(session.developerId).account;
    },
    async changePassword(session, input) {
      record('changePassword', input);
      byId(session.developerId).password = input.newPassword;
    },
    async deleteAccount(session, input) {
      record('deleteAccount', input);
      const developer = byId(session.developerId);
      developers.delete(developer.account.email);
      for (const [token, s] of sessions) if (s.developerId === developer.id) sessions.delete(token);
    },
    async credentialTypes() {
      record('credentialTypes', undefined);
      return ['key-auth', 'basic-auth', 'oauth2', 'hmac-auth', 'jwt'];
    },
    async listCredentials(session) {
      record('listCredentials', undefined);
      return [...credentials.values()].filter((c) => c.developerId === session.developerId).map(shown);
    },
    async getCredential(session, id) {
      record('getCredential', id);
      return shown(own(session, id));
    },
    async createCredential(session, input) {
      record('createCredential', input);
      const type = input.type as CredentialType;
      if (type === 'acl')
        throw new PortalError(403, 'Not self-service', 'acl credentials are granted in manifests only.');
      const secrets = Object.fromEntries(
        CREDENTIAL_SPECS[type].secretFields.map((field) => [field, randomBytes(16).toString('hex')]),
      );
      const stored = {
        ...input,
        id: randomUUID(),
        type,
        active: true,
        origin: 'self-service' as const,
        createdAt: new Date().toISOString(),
        managed: false,
        developerId: session.developerId,
        secretValue: Object.values(secrets)[0],
      };
      credentials.set(stored.id, stored);
      return { credential: shown(stored), secrets };
    },
    async updateCredential(session, id, input) {
      record('updateCredential', input);
      const found = own(session, id);
      Object.assign(found, input);
      return shown(found);
    },
    async rotateCredential(session, id) {
      record('rotateCredential', id);
      const found = own(session, id);
      return {
        credential: shown(found),
        secrets: Object.fromEntries(
          CREDENTIAL_SPECS[found.type].secretFields.map((field) => [field, randomBytes(16).toString('hex')]),
        ),
      };
    },
    async deleteCredential(session, id) {
      record('deleteCredential', id);
      own(session, id);
      credentials.delete(id);
    },
    async listApis() {
      record('listApis', undefined);
      return [];
    },
    async listApplications() {
      record('listApplications', undefined);
      return [];
    },
    ...(Object.fromEntries(
      [
        'createApplication',
        'getApplication',
        'updateApplication',
        'deleteApplication',
        'listApplicationCredentials',
        'getApplicationCredential',
        'createApplicationCredential',
        'updateApplicationCredential',
        'rotateApplicationCredential',
        'deleteApplicationCredential',
        'requestRegistration',
        'withdrawRegistration',
      ].map((method) => [
        method,
        async (_session: Session, ...input: unknown[]) => {
          record(method, input);
          throw new PortalError(404, 'Not found', 'You have no application with this id.');
        },
      ]),
    ) as unknown as Pick<
      PortalEngine,
      | 'createApplication'
      | 'getApplication'
      | 'updateApplication'
      | 'deleteApplication'
      | 'listApplicationCredentials'
      | 'getApplicationCredential'
      | 'createApplicationCredential'
      | 'updateApplicationCredential'
      | 'rotateApplicationCredential'
      | 'deleteApplicationCredential'
      | 'requestRegistration'
      | 'withdrawRegistration'
    >),
    async close() {
      engine.closed = true;
    },
  };
  return engine;
}
