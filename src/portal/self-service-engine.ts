// The self-service engine (docs/portal-service.md): the one object `portalform serve` and the pages
// call, composed of accounts, logins and a developer's own credentials. Each write is one short
// transaction that locks and re-reads the developer's row, keeps apply's invariants and appends a
// `self-service` entry to the second history chain.
import type { CredentialType } from '../model.js';
import { answers } from '../store/meta.js';
import { requestEmailChange } from './email-change.js';
import { OwnAccount } from './own-account.js';
import { PasswordRecovery } from './password-reset.js';
import type {
  Account,
  CredentialWithSecrets,
  PortalEngine,
  PortalEngineOptions,
  PortalSettings,
  PublicApi,
  PublicApplication,
  PublicCredential,
  PublicRegistration,
  Session,
  SessionGrant,
} from './contract.js';
import { Logins } from './logins.js';
import { OwnApplications } from './own-applications.js';
import { OwnCredentials } from './own-credentials.js';
import { PortalContext } from './portal-context.js';
import { SignUpJobs } from './sign-up-jobs.js';
import type { PortalState } from './state-access.js';
import { Verification } from './verification.js';

export class SelfServiceEngine implements PortalEngine {
  private readonly context: PortalContext;
  private readonly account: OwnAccount;
  private readonly logins: Logins;
  private readonly credentials: OwnCredentials;
  private readonly applications: OwnApplications;
  private readonly recovery: PasswordRecovery;
  private readonly verification: Verification;
  private readonly signUps: SignUpJobs;

  constructor(state: PortalState, options: PortalEngineOptions) {
    this.context = new PortalContext(state, options);
    this.account = new OwnAccount(this.context);
    this.logins = new Logins(this.context);
    this.credentials = new OwnCredentials(this.context);
    this.applications = new OwnApplications(this.context);
    this.recovery = new PasswordRecovery(this.context);
    this.verification = new Verification(this.context);
    this.signUps = new SignUpJobs(this.context);
  }

  /** How long a statement waits for another writer before answering busy (then a 503). */
  configureBusyTimeout(): Promise<void> {
    return this.context.state.store.setBusyTimeout(this.context.limits.busyTimeoutMs);
  }

  settings(): Promise<PortalSettings> {
    return this.context.settings();
  }

  healthy(): Promise<boolean> {
    return answers(this.context.state.db);
  }

  register(input: { email: string; fullName: string; password: string }): Promise<Account> {
    return this.account.register(input);
  }

  login(input: { email: string; password: string }): Promise<SessionGrant> {
    return this.logins.login(input);
  }

  authenticate(token: string): Promise<Session | null> {
    return this.logins.authenticate(token);
  }

  logout(session: Session): Promise<void> {
    return this.logins.logout(session);
  }

  setPasswordWithInvite(input: { token: string; password: string }): Promise<void> {
    return this.recovery.setPassword(input);
  }

  requestPasswordReset(input: { email: string }): Promise<void> {
    return this.recovery.requestReset(input);
  }

  passwordTokenLive(token: string): Promise<boolean> {
    return this.recovery.tokenLive(token);
  }

  verifyEmail(input: { token: string; password: string }): Promise<void> {
    return this.verification.verify(input);
  }

  resendVerification(input: { email: string }): Promise<void> {
    return this.verification.resend(input);
  }

  expireSignUps(): Promise<number> {
    return this.signUps.expire();
  }

  mailFirstLinks(): Promise<number> {
    return this.signUps.mailFirstLinks();
  }

  me(session: Session): Promise<Account> {
    return this.account.me(session);
  }

  updateMe(session: Session, input: { fullName: string }): Promise<Account> {
    return this.account.updateMe(session, input);
  }

  changeEmail(session: Session, input: { email: string; password: string }): Promise<Account> {
    return requestEmailChange(this.context, session, input);
  }

  changePassword(session: Session, input: { currentPassword: string; newPassword: string }): Promise<void> {
    return this.account.changePassword(session, input);
  }

  deleteAccount(session: Session, input: { password: string }): Promise<void> {
    return this.account.deleteAccount(session, input);
  }

  credentialTypes(session: Session): Promise<CredentialType[]> {
    return this.credentials.types(session);
  }

  listCredentials(session: Session): Promise<PublicCredential[]> {
    return this.credentials.list(session);
  }

  getCredential(session: Session, id: string): Promise<PublicCredential> {
    return this.credentials.get(session, id);
  }

  createCredential(session: Session, input: Record<string, unknown>): Promise<CredentialWithSecrets> {
    return this.credentials.create(session, input);
  }

  updateCredential(session: Session, id: string, input: Record<string, unknown>): Promise<PublicCredential> {
    return this.credentials.update(session, id, input);
  }

  rotateCredential(session: Session, id: string): Promise<CredentialWithSecrets> {
    return this.credentials.rotate(session, id);
  }

  deleteCredential(session: Session, id: string): Promise<void> {
    return this.credentials.delete(session, id);
  }

  listApis(): Promise<PublicApi[]> {
    return this.applications.apis();
  }

  listApplications(session: Session): Promise<PublicApplication[]> {
    return this.applications.list(session);
  }

  createApplication(session: Session, input: Record<string, unknown>): Promise<PublicApplication> {
    return this.applications.create(session, input);
  }

  getApplication(session: Session, id: string): Promise<PublicApplication> {
    return this.applications.get(session, id);
  }

  updateApplication(session: Session, id: string, input: Record<string, unknown>): Promise<PublicApplication> {
    return this.applications.update(session, id, input);
  }

  deleteApplication(session: Session, id: string): Promise<void> {
    return this.applications.delete(session, id);
  }

  listApplicationCredentials(session: Session, applicationId: string): Promise<PublicCredential[]> {
    return this.credentials.list(session, applicationId);
  }

  getApplicationCredential(session: Session, applicationId: string, id: string): Promise<PublicCredential> {
    return this.credentials.get(session, id, applicationId);
  }

  createApplicationCredential(
    session: Session,
    applicationId: string,
    input: Record<string, unknown>,
  ): Promise<CredentialWithSecrets> {
    return this.credentials.create(session, input, applicationId);
  }

  updateApplicationCredential(
    session: Session,
    applicationId: string,
    id: string,
    input: Record<string, unknown>,
  ): Promise<PublicCredential> {
    return this.credentials.update(session, id, input, applicationId);
  }

  rotateApplicationCredential(session: Session, applicationId: string, id: string): Promise<CredentialWithSecrets> {
    return this.credentials.rotate(session, id, applicationId);
  }

  deleteApplicationCredential(session: Session, applicationId: string, id: string): Promise<void> {
    return this.credentials.delete(session, id, applicationId);
  }

  requestRegistration(session: Session, applicationId: string, api: string): Promise<PublicRegistration> {
    return this.applications.register(session, applicationId, api);
  }

  withdrawRegistration(session: Session, applicationId: string, api: string): Promise<void> {
    return this.applications.withdraw(session, applicationId, api);
  }

  async close(): Promise<void> {
    await this.context.cache.close();
    await this.context.state.store.close();
  }
}
