// What the engine answers besides its writes: the views of accounts and credentials, the checks
// of the input, and the refusals, each a PortalError the routes map to HTTP.
import { sha256 } from '../hash.js';
import { badEmail, canonicalEmail, isValidEmail } from '../manifest/email.js';
import type { CredentialType, Status } from '../model.js';
import { refusedCharacterProblem } from '../util/refused-characters.js';
import type { CredentialTable } from '../store/schema.js';
import type { Origin } from '../store/types.js';
import { PortalError, type Account, type FieldError, type PortalSettings, type PublicCredential } from './contract.js';
import type { DeveloperRow } from '../store/developer-rows.js';

export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 1024;

export function allowedTypes(settings: PortalSettings): CredentialType[] {
  if (!settings.selfService.enabled) return [];
  return settings.selfService.credentialTypes.filter(
    (type) => type !== 'acl' && settings.credentialTypes.includes(type),
  );
}

export function account(row: DeveloperRow): Account {
  const managed = row.origin === 'manifest';
  return {
    email: row.email,
    fullName: row.full_name,
    status: row.status as Status,
    origin: row.origin as Origin,
    createdAt: row.created_at,
    emailVerified: Number(row.email_verified) === 1,
    pendingEmail: row.pending_email ?? null,
    managed: { fullName: managed && Number(row.name_managed) !== 0, email: managed },
  };
}

export function publicCredential(row: CredentialTable): PublicCredential {
  const fields = JSON.parse(row.fields) as Record<string, unknown>;
  return {
    ...fields,
    id: row.id,
    type: row.type as CredentialType,
    active: Number(row.active) === 1,
    origin: row.origin as Origin,
    createdAt: row.created_at,
    managed: row.origin === 'manifest',
  };
}

/** A credential's fields for the history: never a secret (those are not in `fields`), its type first. */
export function redacted(type: CredentialType, fields: Record<string, unknown>): Record<string, unknown> {
  return { type, ...fields };
}

export function selfService(actor: string, action: string, address: string, change: Record<string, unknown> = {}) {
  return { kind: 'self-service', actor, action, address, ...change };
}

export function normalizedEmail(email: unknown): string {
  return typeof email === 'string' ? canonicalEmail(email) : '';
}

export function emailErrors(email: string): FieldError[] {
  return isValidEmail(email) ? [] : [{ field: 'email', message: email === '' ? 'is required' : badEmail(email) }];
}

export function fullNameErrors(fullName: unknown): FieldError[] {
  if (typeof fullName !== 'string' || !/\S/.test(fullName)) return [{ field: 'fullName', message: 'is required' }];
  if (fullName.length > 200) return [{ field: 'fullName', message: 'is longer than 200 characters' }];
  const refused = refusedCharacterProblem(fullName, 'name');
  return refused ? [{ field: 'fullName', message: refused }] : [];
}

/** NIST SP 800-63B: a length range, no composition rules. */
export function passwordErrors(field: string, password: unknown): FieldError[] {
  if (typeof password !== 'string') return [{ field, message: 'is required' }];
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH)
    return [{ field, message: `must be at least ${MIN_PASSWORD_LENGTH} characters long` }];
  if (length > MAX_PASSWORD_LENGTH)
    return [{ field, message: `must be at most ${MAX_PASSWORD_LENGTH} characters long` }];
  return [];
}

export function invalid(errors: FieldError[]): PortalError {
  return new PortalError(400, 'Invalid request', errors.map((e) => `${e.field}: ${e.message}`).join('; '), errors);
}

export function registrationRefusal(status: Status): PortalError {
  if (status === 'rejected' || status === 'revoked') {
    return new PortalError(
      403,
      'May not register',
      `This email's access was ${status}; it may not register until the portal administrators delete that record.`,
    );
  }
  return new PortalError(
    409,
    'Already registered',
    'This email is already registered: log in, or use "Forgot password" on the sign-in page, whose link proves the ' +
      'address and replaces the password.',
    [{ field: 'email', message: 'already registered' }],
  );
}

export function notApproved(status: Status): PortalError {
  if (status === 'pending')
    return new PortalError(
      403,
      'Waiting for approval',
      'Your access request is waiting for approval by the portal administrators.',
    );
  return new PortalError(403, 'Not approved', `Your access was ${status}; contact the portal administrators.`);
}

export function sessionEnded(): PortalError {
  return new PortalError(401, 'Not logged in', 'Your session has ended; log in again.');
}

export function wrongPassword(field: string): PortalError {
  return new PortalError(400, 'Wrong password', 'The password is wrong.', [{ field, message: 'is wrong' }]);
}

export function selfServiceOff(): PortalError {
  return new PortalError(403, 'Self-service is off', 'This portal does not accept credential changes at the moment.');
}

export function managedCredential(): PortalError {
  return new PortalError(
    403,
    'Managed by the manifests',
    'This credential is managed by the portal administrators; it cannot be changed here.',
  );
}

export function tokenDigest(token: string): string {
  return sha256(token);
}

/** A busy state only delays a session's bookkeeping; anything else is still an error. */
export function ignoreBusy(error: unknown): false {
  if (error instanceof PortalError && error.status === 503) return false;
  throw error;
}

export function earliest(a: string, b: string): string {
  return a < b ? a : b;
}
