// Changing the address (docs/portal-service.md, "Mail"): the request only records the new address
// as pending and mails a link to it; the change is made when that link is used with the account's
// password, and the old address is told. A newer request voids an older one.
import { developerAddress } from '../model.js';
import { outboxEntry } from '../mail/messages.js';
import { verifyPassword } from '../secrets/vault.js';
import { addressTakenByAnother, moveAddress, setPendingEmail } from '../store/address-rows.js';
import { developerById, type DeveloperRow } from '../store/developer-rows.js';
import { consumeLinkToken, liveLinkToken, voidLinkTokens } from '../store/link-tokens.js';
import { clearLoginAttempts } from '../store/login-attempt-rows.js';
import { mayMailAddress, recordMailToAddress } from '../store/mail-throttle.js';
import { dropWaitingMessagesOf, enqueueMessage } from '../store/outbox.js';
import { replaceTombstoneOnProof } from '../store/tombstone-rows.js';
import {
  account,
  emailErrors,
  invalid,
  MAX_PASSWORD_LENGTH,
  normalizedEmail,
  selfService,
  sessionEnded,
  wrongPassword,
} from './answers.js';
import { PortalError, type Account, type Session } from './contract.js';
import type { PortalContext } from './portal-context.js';
import { countLoginAttempt } from './throttle.js';

const CHANGE = ['email-change'] as const;

function emailTaken(): PortalError {
  return new PortalError(409, 'Email taken', 'This email is already registered.', [
    { field: 'email', message: 'already registered' },
  ]);
}

/**
 * A password a request asks for, counted as a login attempt of the account: past the limit a 429
 * whatever the password, a wrong one a 400 naming `field`, a right one clears the count as a login does.
 */
export async function checkCountedPassword(
  context: PortalContext,
  developer: DeveloperRow,
  password: unknown,
  field: string,
): Promise<void> {
  await context.write((tx) => countLoginAttempt(tx, developer.email, context.limits.loginAttempts));
  const ok =
    typeof password === 'string' &&
    password.length <= MAX_PASSWORD_LENGTH * 4 &&
    (await verifyPassword(password, developer.password_hash ?? (await context.dummyHash)));
  if (!ok || !developer.password_hash) throw wrongPassword(field);
  await context.write((tx) => clearLoginAttempts(tx.conn, developer.email));
}

/** `PUT /api/v1/me/email`: the new address waits, and is mailed a link, until that link is used. */
export async function requestEmailChange(
  context: PortalContext,
  session: Session,
  input: { email: string; password: string },
): Promise<Account> {
  const email = normalizedEmail(input.email);
  const errors = emailErrors(email);
  if (errors.length > 0) throw invalid(errors);
  const current = await developerById(context.state.db, session.developerId);
  if (!current) throw sessionEnded();
  if (current.origin === 'manifest')
    throw new PortalError(
      403,
      'Managed by the manifests',
      'Your email is managed by the portal administrators; ask them to change it.',
    );
  await checkCountedPassword(context, current, input.password, 'password');
  return context.write(async (tx) => {
    const developer = await context.lockOwn(tx, session);
    if (developer.password_hash !== current.password_hash || developer.origin === 'manifest')
      throw wrongPassword('password');
    await voidLinkTokens(tx.conn, developer.id, new Date(tx.now), CHANGE);
    await dropWaitingMessagesOf(tx.conn, developer.id, CHANGE);
    const pending = email === developer.email ? null : email;
    if (pending !== null) {
      if (await addressTakenByAnother(tx.conn, pending, developer.id)) throw emailTaken();
      if (!(await mayMailAddress(tx.conn, pending, tx.now)))
        throw new PortalError(
          429,
          'Too many messages',
          'A link went to this address a moment ago; use it, or try again in 5 minutes.',
          undefined,
          300,
        );
      const message = {
        kind: 'email-change' as const,
        to: pending,
        developerId: developer.id,
        fullName: developer.full_name,
      };
      await enqueueMessage(tx.conn, outboxEntry(message), tx.now);
      await recordMailToAddress(tx.conn, pending, tx.now);
    }
    await setPendingEmail(tx.conn, developer.id, pending, tx.now);
    await tx.record(
      selfService(developer.email, 'request-email-change', developerAddress(developer.email), {
        before: { pendingEmail: developer.pending_email },
        after: { pendingEmail: pending },
      }),
    );
    return account({ ...developer, pending_email: pending });
  });
}

/**
 * `POST /api/v1/verify` with an address-change token: false when the token is not a usable one of
 * those (the caller then answers as for its own tokens); else the change is made with the
 * account's password (400 naming `password`, counted as a failed login; 409 when the address was
 * taken meanwhile), a tombstone on the new address is replaced and the old address is told.
 */
export async function confirmEmailChange(
  context: PortalContext,
  input: { token: string; password: string },
): Promise<boolean> {
  if (typeof input.token !== 'string' || input.token.length === 0) return false;
  const { db } = context.state;
  const live = await liveLinkToken(db, input.token, CHANGE, new Date(context.now()));
  const developer = live && (await developerById(db, live.developerId));
  if (!developer) return false;
  await checkCountedPassword(context, developer, input.password, 'password');
  await context.write(async (tx) => {
    const used = await consumeLinkToken(tx.conn, input.token, CHANGE, new Date(tx.now));
    const locked = used ? await tx.lockDeveloper(used.developerId) : null;
    if (!used?.newEmail || !locked || locked.pending_email !== used.newEmail)
      throw new PortalError(400, 'Invalid link', 'This link is unknown, already used or expired.', [
        { field: 'token', message: 'unknown, used or expired' },
      ]);
    if (locked.password_hash !== developer.password_hash) throw wrongPassword('password');
    if (await addressTakenByAnother(tx.conn, used.newEmail, locked.id)) throw emailTaken();
    await moveAddress(tx.conn, locked.id, used.newEmail, tx.now);
    await replaceTombstoneOnProof(tx.conn, used.newEmail);
    await voidLinkTokens(tx.conn, locked.id, new Date(tx.now), CHANGE);
    const told = {
      kind: 'email-changed' as const,
      to: locked.email,
      developerId: locked.id,
      fullName: locked.full_name,
      newEmail: used.newEmail,
    };
    await enqueueMessage(tx.conn, outboxEntry(told), tx.now);
    await tx.record(
      selfService(used.newEmail, 'change-email', developerAddress(used.newEmail), {
        before: { email: locked.email },
        after: { email: used.newEmail },
      }),
    );
  });
  return true;
}
