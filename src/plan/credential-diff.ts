// A declared credential against its stored one: its update (fields, secrets to generate or
// rotate, an encrypted copy to backfill, an adoption), its creation, and its (de)activation when
// its developer's status changes.
import { CREDENTIAL_SPECS, credentialAddress, type DesiredCredential, type Diagnostic } from '../model.js';
import type { Vault } from '../secrets/vault.js';
import type { StoredCredential } from '../store/types.js';
import { credentialView, ownedBy } from './changes.js';
import { sameJson } from './same-json.js';
import { KNOWN_AFTER_APPLY, SENSITIVE_CHANGED, type Change, type SecretPlan } from './types.js';

export function activation(email: string, credential: StoredCredential, active: boolean, application?: string): Change {
  return {
    address: credentialAddress(email, credential.type, credential.identity, application),
    kind: 'credential',
    op: 'update',
    before: { active: credential.active },
    after: { active },
    action: {
      do: 'credential.activation',
      email,
      ...ownedBy(application),
      type: credential.type,
      identity: credential.identity,
      active,
    },
  };
}

export function diffCredential(
  email: string,
  credential: DesiredCredential,
  existing: StoredCredential,
  vault: Vault,
  rotated: ReadonlySet<string>,
  active: boolean,
  errors: Diagnostic[],
  application?: string,
): Change | null {
  const spec = CREDENTIAL_SPECS[credential.type];
  // Most credentials do not change: their address is built only when needed.
  let address: string | undefined;
  const addressOf = () => (address ??= credentialAddress(email, credential.type, credential.identity, application));
  // A generated field the manifest leaves out keeps its stored value.
  const wantedFields = { ...credential.fields };
  for (const field of spec.generatedFields) {
    if (wantedFields[field] === undefined && existing.fields[field] !== undefined)
      wantedFields[field] = existing.fields[field];
  }
  const fieldsChanged = !sameJson(wantedFields, existing.fields);

  const secrets: Record<string, SecretPlan> = {};
  const rotate = rotated.size > 0 && rotated.has(addressOf());
  for (const field of spec.secretFields) {
    const given = credential.secrets[field];
    if (given) {
      const digest = vault.digest(credential.type, field, given.value);
      if (digest !== existing.secrets[field]?.digest) secrets[field] = { mode: 'given', source: given.source, digest };
      else if (rotate) {
        errors.push({
          severity: 'error',
          location: credential.location,
          message: `${addressOf()}: --rotate applies to generated secrets; ${field} comes from the manifest, so change it at its source to rotate it`,
        });
      }
    } else if (rotate || existing.secrets[field] === undefined) {
      secrets[field] = { mode: 'generate' };
    }
  }
  const backfill = backfillSecrets(credential, existing, vault, secrets);
  const secretsChanged = Object.keys(secrets).length > 0;
  const adopt = existing.origin !== 'manifest';
  if (!fieldsChanged && !secretsChanged && !adopt) return null;

  const before = credentialView(credential.type, existing.fields, Object.keys(existing.secrets), existing.active);
  const after = credentialView(credential.type, wantedFields, Object.keys(existing.secrets), active);
  for (const field of Object.keys(secrets)) if (!backfill.includes(field)) after[field] = SENSITIVE_CHANGED;
  if (backfill.length > 0) {
    before.encrypted = false;
    after.encrypted = true;
  }
  if (adopt) {
    before.origin = existing.origin;
    after.origin = 'manifest';
  }
  return {
    address: addressOf(),
    kind: 'credential',
    op: 'update',
    before,
    after,
    action: {
      do: 'credential.update',
      email,
      ...ownedBy(application),
      type: credential.type,
      identity: credential.identity,
      ...(fieldsChanged ? { fields: wantedFields } : {}),
      ...(secretsChanged ? { secrets } : {}),
      ...(backfill.length > 0 ? { backfill } : {}),
      ...(adopt ? { adopt: true as const } : {}),
    },
  };
}

/**
 * The given secrets stored without their encrypted copy (the state had no key then) that the
 * vault can now encrypt: the manifest's value matches the stored digest, so apply can store the
 * copy (a backfill), after which `secret reveal` and the decK export can read it. Adds them to
 * `secrets` and returns their fields.
 */
function backfillSecrets(
  credential: DesiredCredential,
  existing: StoredCredential,
  vault: Vault,
  secrets: Record<string, SecretPlan>,
): string[] {
  if (!vault.canEncrypt) return [];
  const fields: string[] = [];
  for (const [field, given] of Object.entries(credential.secrets)) {
    const stored = existing.secrets[field];
    if (secrets[field] || !stored || stored.ciphertext !== undefined) continue;
    secrets[field] = { mode: 'given', source: given.source, digest: stored.digest };
    fields.push(field);
  }
  return fields;
}

export function createCredential(
  email: string,
  credential: DesiredCredential,
  vault: Vault,
  active: boolean,
  replace: boolean,
  application?: string,
): Change {
  const spec = CREDENTIAL_SPECS[credential.type];
  const secrets: Record<string, SecretPlan> = {};
  for (const field of spec.secretFields) {
    const given = credential.secrets[field];
    secrets[field] = given
      ? { mode: 'given', source: given.source, digest: vault.digest(credential.type, field, given.value) }
      : { mode: 'generate' };
  }
  const after = credentialView(credential.type, credential.fields, spec.secretFields, active);
  for (const field of spec.generatedFields) after[field] ??= KNOWN_AFTER_APPLY;
  return {
    address: credentialAddress(email, credential.type, credential.identity, application),
    kind: 'credential',
    op: 'create',
    before: null,
    after,
    ...(replace ? { replace: true as const } : {}),
    action: {
      do: 'credential.create',
      email,
      ...ownedBy(application),
      type: credential.type,
      identity: credential.identity,
      fields: credential.fields,
      secrets,
    },
  };
}
