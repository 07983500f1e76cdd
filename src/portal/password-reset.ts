// A forgotten password, and any password set with a link (docs/portal-service.md, "Mail"): a reset
// request mails a link where an account exists, answering the same either way; a reset or invite
// link sets the password once and proves the address. Setting a password, however, voids the
// developer's other outstanding links and ends their other sessions.
import { isValidEmail } from '../manifest/email.js';
import { developerAddress } from '../model.js';
import { outboxEntry } from '../mail/messages.js';
import { portalSettingsFromMeta } from '../portal-settings.js';
import { hashPassword } from '../secrets/vault.js';
import { proveAddress, setPendingEmail } from '../store/address-rows.js';
import { developerById, updateAccount, type DeveloperRow } from '../store/developer-rows.js';
import { liveEarlierInvite, useEarlierInvite, voidEarlierInvites } from '../store/invite-rows.js';
import { consumeLinkToken, liveLinkToken, voidLinkTokens } from '../store/link-tokens.js';
import { clearLoginAttempts } from '../store/login-attempt-rows.js';
import { mayMailAddress, recordMailToAddress } from '../store/mail-throttle.js';
import { readMeta } from '../store/meta.js';
import { dropWaitingMessagesOf, enqueueMessage } from '../store/outbox.js';
import { deleteSessionsOf } from '../store/session-rows.js';
import { replaceTombstoneOnProof } from '../store/tombstone-rows.js';
import { invalid, normalizedEmail, passwordErrors, selfService } from './answers.js';
import { PortalError } from './contract.js';
import { passwordPolicyErrors } from './password-policy.js';
import type { PortalContext } from './portal-context.js';
import type { Transaction } from './state-access.js';

const PASSWORD_LINKS = ['reset', 'invite'] as const;

function unusableLink(): PortalError {
  return new PortalError(400, 'Invalid link', 'This link is unknown, already used or expired; ask for a new one.', [
    { field: 'token', message: 'unknown, used or expired' },
  ]);
}

/**
 * After a password is set: every other outstanding link of the developer (invite, reset, address
 * change, verification) is void, the messages that would carry one are dropped, and every other
 * session ends (all of them without `keepSession`).
 */
export async function voidOutstanding(tx: Transaction, developer: DeveloperRow, keepSession?: string): Promise<void> {
  const now = new Date(tx.now);
  await voidLinkTokens(tx.conn, developer.id, now);
  await voidEarlierInvites(tx.conn, developer.id, tx.now);
  await dropWaitingMessagesOf(tx.conn, developer.id, ['invite', 'reset', 'email-change', 'verify']);
  if (developer.pending_email !== null) await setPendingEmail(tx.conn, developer.id, null, tx.now);
  await deleteSessionsOf(tx.conn, developer.id, keepSession);
}

/**
 * The address is proven by a link only its owner received: a pending sign-up is approved when the
 * portal auto-approves, and the tombstone of a managed developer who once held it is replaced.
 */
export async function proveAddressOf(tx: Transaction, developer: DeveloperRow): Promise<void> {
  await replaceTombstoneOnProof(tx.conn, developer.email);
  if (Number(developer.email_verified) === 1) return;
  const settings = portalSettingsFromMeta(await readMeta(tx.conn));
  const approve = developer.status === 'pending' && developer.origin === 'self-service' && settings.autoApprove;
  await proveAddress(tx.conn, developer.id, tx.now, approve ? 'approved' : undefined);
  const status = approve ? 'approved' : developer.status;
  await tx.record(
    selfService(developer.email, 'verify-email', developerAddress(developer.email), {
      after: { emailVerified: true, status },
    }),
  );
}

export class PasswordRecovery {
  constructor(private readonly context: PortalContext) {}

  /** Mails a reset link where an account has this address and the address may be mailed now; silent otherwise. */
  async requestReset(input: { email: string }): Promise<void> {
    const email = normalizedEmail(input.email);
    if (!isValidEmail(email)) return;
    await this.context.write(async (tx) => {
      const developer = await tx.lockDeveloperByEmail(email);
      if (!developer || !(await mayMailAddress(tx.conn, email, tx.now))) return;
      const message = { kind: 'reset' as const, to: email, developerId: developer.id, fullName: developer.full_name };
      await enqueueMessage(tx.conn, outboxEntry(message), tx.now);
      await recordMailToAddress(tx.conn, email, tx.now);
    });
  }

  /** Whether a reset or invite token can still set a password (the page shows its form only then). */
  async tokenLive(token: string): Promise<boolean> {
    return (await this.developerOfToken(token)) !== null;
  }

  /** Sets the password with a reset or invite token, once; proves the address. */
  async setPassword(input: { token: string; password: string }): Promise<void> {
    const errors = passwordErrors('password', input.password);
    if (typeof input.token !== 'string' || input.token.length === 0)
      errors.unshift({ field: 'token', message: 'is required' });
    if (errors.length > 0) throw invalid(errors);
    const developer = await this.developerOfToken(input.token);
    if (!developer) throw unusableLink();
    const weak = await passwordPolicyErrors('password', input.password, {
      email: developer.email,
      fullName: developer.full_name,
    });
    if (weak.length > 0) throw invalid(weak);
    const passwordHash = await hashPassword(input.password);
    await this.context.write(async (tx) => {
      const used = await consumeLinkToken(tx.conn, input.token, PASSWORD_LINKS, new Date(tx.now));
      const developerId = used?.developerId ?? (await useEarlierInvite(tx.conn, input.token, tx.now));
      const locked = developerId ? await tx.lockDeveloper(developerId) : null;
      if (!locked) throw unusableLink();
      await updateAccount(tx.conn, locked.id, { passwordHash }, tx.now);
      await voidOutstanding(tx, locked);
      await clearLoginAttempts(tx.conn, locked.email);
      await proveAddressOf(tx, locked);
      await tx.record(
        selfService(locked.email, 'set-password', developerAddress(locked.email), { via: used?.kind ?? 'invite' }),
      );
    });
  }

  private async developerOfToken(token: string): Promise<DeveloperRow | null> {
    if (typeof token !== 'string' || token.length === 0) return null;
    const { db } = this.context.state;
    const now = new Date(this.context.now());
    const id =
      (await liveLinkToken(db, token, PASSWORD_LINKS, now))?.developerId ??
      (await liveEarlierInvite(db, token, now.toISOString()));
    return id ? developerById(db, id) : null;
  }
}
