// A developer's own account: signing up, the name and password, and deleting it
// (docs/portal-service.md); the address change is in email-change.ts, passwords set with a link in password-reset.ts.
import { randomUUID } from 'node:crypto';
import { applicationAddress, credentialAddress, developerAddress, type CredentialType, type Status } from '../model.js';
import { portalSettingsFromMeta } from '../portal-settings.js';
import { hashPassword } from '../secrets/vault.js';
import { deleteCredentialsOf } from '../store/credential-rows.js';
import { deleteDeveloper, developerById, insertSelfServiceDeveloper, updateAccount } from '../store/developer-rows.js';
import { deleteInvitesOf } from '../store/invite-rows.js';
import { readMeta } from '../store/meta.js';
import { deleteSessionsOf } from '../store/session-rows.js';
import { writeTombstone } from '../store/tombstone-rows.js';
import { deleteApplicationsOf } from '../store/own-applications.js';
import { forgetMailToAddress } from '../store/mail-throttle.js';
import {
  account,
  emailErrors,
  fullNameErrors,
  invalid,
  normalizedEmail,
  registrationRefusal,
  selfService,
  sessionEnded,
  wrongPassword,
} from './answers.js';
import { PortalError, type Account, type Session } from './contract.js';
import { voidOutstanding } from './password-reset.js';
import { passwordPolicyErrors } from './password-policy.js';
import type { PortalContext } from './portal-context.js';
import { mailVerification } from './verification.js';

const SIGN_UPS_OFF = 'This portal does not accept sign-ups at the moment.';

function managedByManifests(what: string): PortalError {
  return new PortalError(
    403,
    'Managed by the manifests',
    `Your ${what} is managed by the portal administrators; ask them to change it.`,
  );
}

export class OwnAccount {
  constructor(private readonly context: PortalContext) {}

  async register(input: { email: string; fullName: string; password: string }): Promise<Account> {
    const email = normalizedEmail(input.email);
    const errors = [
      ...emailErrors(email),
      ...fullNameErrors(input.fullName),
      ...(await passwordPolicyErrors('password', input.password, { email, fullName: input.fullName })),
    ];
    if (errors.length > 0) throw invalid(errors);
    if (!(await this.context.settings()).selfService.enabled)
      throw new PortalError(403, 'Sign-ups are off', SIGN_UPS_OFF);
    const passwordHash = await hashPassword(input.password);
    return this.context.write(async (tx) => {
      const existing = await tx.lockDeveloperByEmail(email);
      if (existing) throw registrationRefusal(existing.status as Status);
      // Read again inside the transaction: an apply may have turned sign-ups off meanwhile.
      const current = portalSettingsFromMeta(await readMeta(tx.conn));
      if (!current.selfService.enabled) throw new PortalError(403, 'Sign-ups are off', SIGN_UPS_OFF);
      // Pending and unverified whatever autoApprove says: verifying the address approves it then.
      const status: Status = 'pending';
      const id = randomUUID();
      await insertSelfServiceDeveloper(tx.conn, { id, email, fullName: input.fullName, status, passwordHash }, tx.now);
      await mailVerification(tx, { id, email, full_name: input.fullName });
      await tx.record(
        selfService(email, 'register', developerAddress(email), {
          after: { fullName: input.fullName, status, emailVerified: false },
        }),
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
        email_verified: 0,
        pending_email: null,
      });
    });
  }

  async me(session: Session): Promise<Account> {
    const row = await developerById(this.context.state.db, session.developerId);
    if (!row) throw sessionEnded();
    return account(row);
  }

  async updateMe(session: Session, input: { fullName: string }): Promise<Account> {
    const errors = fullNameErrors(input.fullName);
    if (errors.length > 0) throw invalid(errors);
    return this.context.write(async (tx) => {
      const developer = await this.context.lockOwn(tx, session);
      if (account(developer).managed.fullName) throw managedByManifests('name');
      await updateAccount(tx.conn, developer.id, { fullName: input.fullName }, tx.now);
      await tx.record(
        selfService(developer.email, 'update-name', developerAddress(developer.email), {
          before: { fullName: developer.full_name },
          after: { fullName: input.fullName },
        }),
      );
      return account({ ...developer, full_name: input.fullName });
    });
  }

  async changePassword(session: Session, input: { currentPassword: string; newPassword: string }): Promise<void> {
    const checked = await this.context.checkPassword(session, input.currentPassword, 'currentPassword');
    const own = await this.me(session);
    const errors = await passwordPolicyErrors('newPassword', input.newPassword, own);
    if (errors.length > 0) throw invalid(errors);
    const passwordHash = await hashPassword(input.newPassword);
    await this.context.write(async (tx) => {
      const developer = await this.context.lockOwn(tx, session);
      if (developer.password_hash !== checked) throw wrongPassword('currentPassword');
      await updateAccount(tx.conn, developer.id, { passwordHash }, tx.now);
      await voidOutstanding(tx, developer, session.sessionId);
      await tx.record(selfService(developer.email, 'change-password', developerAddress(developer.email)));
    });
  }

  /** The account, its credentials, sessions and invites at once; a tombstone when the manifests manage it. */
  async deleteAccount(session: Session, input: { password: string }): Promise<void> {
    const checked = await this.context.checkPassword(session, input.password, 'password');
    await this.context.write(async (tx) => {
      const developer = await this.context.lockOwn(tx, session);
      if (developer.password_hash !== checked) throw wrongPassword('password');
      // Applications first: deleting the developer's credentials takes theirs too, and their names make the addresses.
      const applications = await deleteApplicationsOf(tx.conn, developer.id);
      const credentials = await deleteCredentialsOf(tx.conn, developer.id);
      await deleteSessionsOf(tx.conn, developer.id);
      await deleteInvitesOf(tx.conn, developer.id);
      await deleteDeveloper(tx.conn, developer.id);
      await forgetMailToAddress(tx.conn, developer.email);
      if (developer.origin === 'manifest') await writeTombstone(tx.conn, developer.email, tx.now);
      const deleted = credentials
        .map((c) => credentialAddress(developer.email, c.type as CredentialType, c.identity))
        .sort();
      await tx.record(
        selfService(developer.email, 'delete-account', developerAddress(developer.email), {
          before: { status: developer.status, origin: developer.origin },
          deletedCredentials: deleted,
          deletedApplications: applications.map((name) => applicationAddress(developer.email, name)).sort(),
        }),
      );
    });
  }
}
