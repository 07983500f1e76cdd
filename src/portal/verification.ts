// Proving a sign-up's address (docs/portal-service.md, "Mail"): the link mailed at sign-up, used
// with the account's password, and asking for the link again. Opening the link proves nothing:
// only a POST with the token and the password does, so a mail scanner that follows links cannot.
import { outboxEntry, type MailMessage } from '../mail/messages.js';
import { developerAddress } from '../model.js';
import { portalSettingsFromMeta } from '../portal-settings.js';
import { verifyPassword } from '../secrets/vault.js';
import { developerById, type DeveloperRow } from '../store/developer-rows.js';
import { consumeLinkToken, voidLinkTokens } from '../store/link-tokens.js';
import { clearLoginAttempts } from '../store/login-attempt-rows.js';
import { mayMailAddress, recordMailToAddress } from '../store/mail-throttle.js';
import { readMeta } from '../store/meta.js';
import { enqueueMessage } from '../store/outbox.js';
import { replaceTombstoneOnProof } from '../store/tombstone-rows.js';
import { markAddressVerified, peekLinkToken } from '../store/verification-rows.js';
import { invalid, MAX_PASSWORD_LENGTH, normalizedEmail, selfService, wrongPassword } from './answers.js';
import { PortalError, type FieldError } from './contract.js';
import { confirmEmailChange } from './email-change.js';
import type { PortalContext } from './portal-context.js';
import type { Transaction } from './state-access.js';
import { countLoginAttempt } from './throttle.js';

/** The refusal of a link that cannot be used: the page offers to mail a new one. */
export function unusableLink(): PortalError {
  return new PortalError(
    400,
    'Invalid link',
    'This link is unknown, already used or expired; ask for a new one with "Resend the verification mail" on the sign-in page.',
    [{ field: 'token', message: 'unknown, used or expired' }],
  );
}

/** A correct password of an address not proven yet: no session until the mailed link is used. */
export function notVerified(): PortalError {
  return new PortalError(
    403,
    'Address not verified',
    'Confirm your email address first: use the link we mailed you when you signed up. No mail? ' +
      'Use "Resend the verification mail" on the sign-in page.',
  );
}

export function isVerified(developer: Pick<DeveloperRow, 'email_verified'>): boolean {
  return Number(developer.email_verified) === 1;
}

export function verifyMessage(developer: Pick<DeveloperRow, 'id' | 'email' | 'full_name'>): MailMessage {
  return { kind: 'verify', to: developer.email, developerId: developer.id, fullName: developer.full_name };
}

/**
 * Writes a verification message to the developer in the caller's transaction, unless the address
 * had one or a reset link too recently; returns whether it did.
 */
export async function mailVerification(
  tx: Transaction,
  developer: Pick<DeveloperRow, 'id' | 'email' | 'full_name'>,
): Promise<boolean> {
  if (!(await mayMailAddress(tx.conn, developer.email, tx.now))) return false;
  await enqueueMessage(tx.conn, outboxEntry(verifyMessage(developer)), tx.now);
  await recordMailToAddress(tx.conn, developer.email, tx.now);
  return true;
}

export class Verification {
  constructor(private readonly context: PortalContext) {}

  /** Proves the address of the link's developer with its password (autoApprove approves it then). */
  async verify(input: { token: string; password: string }): Promise<void> {
    const { context } = this;
    const errors: FieldError[] = [];
    if (typeof input.token !== 'string' || input.token.length === 0)
      errors.push({ field: 'token', message: 'is required' });
    if (typeof input.password !== 'string' || input.password.length === 0)
      errors.push({ field: 'password', message: 'is required' });
    if (errors.length > 0) throw invalid(errors);
    // The same link route confirms an address change (email-change.ts).
    if (await confirmEmailChange(context, input)) return;
    const now = new Date(context.now()).toISOString();
    const link = await peekLinkToken(context.state.db, input.token, now);
    if (link?.kind !== 'verify') throw unusableLink();
    const found = await developerById(context.state.db, link.developerId);
    if (!found) throw unusableLink();
    // A wrong password here is a failed login: counted first, so parallel guesses all count.
    await context.write((tx) => countLoginAttempt(tx, found.email, context.limits.loginAttempts));
    const ok =
      input.password.length <= MAX_PASSWORD_LENGTH * 4 &&
      (await verifyPassword(input.password, found.password_hash ?? (await context.dummyHash)));
    if (!ok || !found.password_hash) throw wrongPassword('password');
    await context.write((tx) => this.prove(tx, input.token, found));
  }

  private async prove(tx: Transaction, token: string, checked: DeveloperRow): Promise<void> {
    const developer = await tx.lockDeveloper(checked.id);
    if (!developer) throw unusableLink();
    // The password changed since it was checked: the old one proves nothing.
    if (developer.password_hash !== checked.password_hash) throw wrongPassword('password');
    const used = await consumeLinkToken(tx.conn, token, ['verify'], new Date(tx.now));
    if (used?.developerId !== developer.id) throw unusableLink();
    await clearLoginAttempts(tx.conn, developer.email);
    // A proven address replaces the tombstone of a managed developer who deleted theirs (docs/unmanaged.md).
    await replaceTombstoneOnProof(tx.conn, developer.email);
    if (isVerified(developer)) return;
    const settings = portalSettingsFromMeta(await readMeta(tx.conn));
    const approve = settings.autoApprove && developer.status === 'pending';
    await markAddressVerified(tx.conn, developer.id, tx.now, approve ? 'approved' : undefined);
    await voidLinkTokens(tx.conn, developer.id, new Date(tx.now), ['verify']);
    const change = approve ? { before: { status: developer.status }, after: { status: 'approved' } } : {};
    await tx.record(
      selfService(developer.email, 'verify-email', developerAddress(developer.email), {
        ...change,
        emailVerified: true,
      }),
    );
  }

  /** Mails the link again to an unverified sign-up, within the address's limit; silent in every case. */
  async resend(input: { email: string }): Promise<void> {
    const email = normalizedEmail(input.email);
    if (email === '') return;
    await this.context.write(async (tx) => {
      const developer = await tx.lockDeveloperByEmail(email);
      if (!developer || isVerified(developer)) return;
      await mailVerification(tx, developer);
    });
  }
}
