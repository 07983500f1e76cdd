// The credential rules of the engine's writes: which type may be created, generated secrets
// stored as apply stores them, and the identities and unique values already held.
import { CREDENTIAL_SPECS, secretIsUsed, type CredentialType, type PortalSettings } from '../model.js';
import { generateSecretValue, hashPassword, type Vault } from '../secrets/vault.js';
import type { Conn } from '../store/backend.js';
import { uniqueValueHeldByAnother } from '../store/credential-rows.js';
import { credentialOfOwner, identityHeldInOwner, type CredentialOwner } from '../store/own-applications.js';
import type { CredentialTable } from '../store/schema.js';
import type { StoredSecret } from '../store/types.js';
import { allowedTypes, invalid, selfServiceOff } from './answers.js';
import { PortalError } from './contract.js';
import type { Transaction } from './state-access.js';

export function creatableType(settings: PortalSettings, type: unknown): CredentialType {
  if (!settings.selfService.enabled) throw selfServiceOff();
  if (typeof type !== 'string' || !(type in CREDENTIAL_SPECS)) {
    throw invalid([{ field: 'type', message: `must be one of ${Object.keys(CREDENTIAL_SPECS).join(', ')}` }]);
  }
  if (!allowedTypes(settings).includes(type as CredentialType)) {
    throw new PortalError(
      403,
      'Type not available',
      `This portal does not let developers create ${type} credentials.`,
      [{ field: 'type', message: 'not available for self-service' }],
    );
  }
  return type as CredentialType;
}

/** Generated values for every secret field, stored as apply stores them; `values` holds those the credential uses. */
export async function newSecrets(
  vault: Vault,
  credentialId: string,
  type: CredentialType,
  fields: Record<string, unknown>,
): Promise<{ stored: Record<string, StoredSecret>; values: Record<string, string> }> {
  const stored: Record<string, StoredSecret> = {};
  const values: Record<string, string> = {};
  for (const field of CREDENTIAL_SPECS[type].secretFields) {
    const value = generateSecretValue();
    const secret: StoredSecret = { digest: vault.digest(type, field, value), generated: true };
    const ciphertext = vault.seal(credentialId, field, value);
    if (ciphertext) secret.ciphertext = ciphertext;
    if (type === 'basic-auth') secret.hash = await hashPassword(value);
    stored[field] = secret;
    if (secretIsUsed(type, fields, field)) values[field] = value;
  }
  return { stored, values };
}

/**
 * A clear 409 for an identity already held by the same owner (the developer, or the application) or
 * a unique value held by anyone; the constraints catch what races past it.
 */
export async function refuseTaken(tx: Transaction, credential: CredentialTable): Promise<void> {
  if (await identityHeldInOwner(tx.conn, credential)) {
    const field = CREDENTIAL_SPECS[credential.type as CredentialType].identityField;
    const [holder, message] = credential.application_id
      ? ['This application already has', 'already used by another credential of this application']
      : ['You already have', 'already used by another of your credentials'];
    throw new PortalError(409, 'Credential exists', `${holder} a ${credential.type} credential with this ${field}.`, [
      { field, message },
    ]);
  }
  if (await uniqueValueHeldByAnother(tx.conn, credential)) {
    const field = CREDENTIAL_SPECS[credential.type as CredentialType].uniqueField!;
    throw new PortalError(409, 'Value taken', `This ${field} is already used on this portal; choose another.`, [
      { field, message: 'already used on this portal' },
    ]);
  }
}

/** The owner's credential with this id; any other is a 404, whoever holds it. */
export async function ownCredential(conn: Conn, owner: CredentialOwner, id: string): Promise<CredentialTable> {
  const row = typeof id === 'string' ? await credentialOfOwner(conn, owner, id) : undefined;
  if (!row) {
    const where = owner.applicationId === null ? 'You have' : 'This application has';
    throw new PortalError(404, 'Not found', `${where} no credential with this id.`);
  }
  return row;
}
