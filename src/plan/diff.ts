import { credentialsActive, transitionPath } from '../lifecycle.js';
import {
  CREDENTIAL_SPECS,
  credentialAddress,
  developerAddress,
  type DesiredCredential,
  type DesiredDeveloper,
  type DesiredState,
  type Diagnostic,
} from '../model.js';
import { portalSettingsFromMeta } from '../portal-settings.js';
import type { Vault } from '../secrets/vault.js';
import type { StateSnapshot, StoredCredential, StoredDeveloper } from '../store/types.js';
import {
  KNOWN_AFTER_APPLY,
  SENSITIVE_CHANGED,
  type Change,
  type DeveloperAttributes,
  type SecretPlan,
} from './types.js';
import { portalChange } from './portal.js';
import { credentialView, deleteCredential, deleteDeveloper, developerView } from './changes.js';
import { removedChanges, sparedByRemoved } from './removed.js';
import { clearTombstone, tombstoneError } from './tombstones.js';

export { credentialView, developerView, sortedObject } from './changes.js';

export interface DiffOptions {
  /** Addresses to delete and create anew. */
  replace: Set<string>;
  /** Credential addresses whose generated secrets get new values. */
  rotate: Set<string>;
}

export interface DiffResult {
  /** Unordered; `orderChanges` puts them in execution order. */
  changes: Change[];
  errors: Diagnostic[];
  warnings: Diagnostic[];
}

/** Compares the wanted state with the stored one, developer by developer. */
export function diff(desired: DesiredState, state: StateSnapshot, vault: Vault, options: DiffOptions): DiffResult {
  const changes: Change[] = [];
  const errors: Diagnostic[] = [];
  const warnings: Diagnostic[] = [];
  const removed = desired.removed ?? [];
  const spared = sparedByRemoved(removed);
  const settings = portalChange(desired.portal, portalSettingsFromMeta(state.meta));
  if (settings) changes.push(settings);
  const stored = new Map(state.developers.map((d) => [d.email, d]));

  for (const move of desired.moved) {
    const source = stored.get(move.from);
    if (!source) continue; // already moved, or never existed: nothing to do
    if (stored.has(move.to)) {
      errors.push({
        severity: 'error',
        location: move.location,
        message: `cannot move ${developerAddress(move.from)} to ${developerAddress(move.to)}: both exist in the state; remove the moved entry or delete one of them`,
      });
      continue;
    }
    changes.push({
      address: developerAddress(move.to),
      kind: 'developer',
      op: 'move',
      before: { email: move.from },
      after: { email: move.to },
      action: { do: 'developer.move', from: move.from, to: move.to },
    });
    stored.delete(move.from);
    stored.set(move.to, { ...source, email: move.to });
  }

  const wanted = new Set<string>();
  const tombstones = state.tombstones ?? new Map<string, string>();
  for (const developer of desired.developers) {
    wanted.add(developer.email);
    if (state.inSync?.has(developer.email)) continue; // matches its stored digest: nothing to do
    const current = stored.get(developer.email);
    const replaced = options.replace.has(developerAddress(developer.email));
    const deletedAt = current ? undefined : tombstones.get(developer.email);
    if (deletedAt !== undefined) {
      if (!replaced) {
        errors.push(tombstoneError(developer, deletedAt));
        continue;
      }
      changes.push(clearTombstone(developer.email, deletedAt));
    }
    if (current && replaced) changes.push(...deleteDeveloper(current, true));
    if (!current || replaced) changes.push(...createDeveloper(developer, vault, replaced, errors));
    else diffDeveloper(developer, current, vault, options, spared, changes, errors);
  }
  const deleted = new Set<string>();
  for (const [email, current] of stored) {
    // A `removed` entry decides for what it names: deleted or released there.
    if (!wanted.has(email) && current.origin === 'manifest' && !spared.has(developerAddress(email))) {
      changes.push(...deleteDeveloper(current, false));
      deleted.add(email);
    }
  }
  changes.push(...removedChanges(removed, stored, deleted, warnings));
  for (const [email, deletedAt] of tombstones) {
    // Declared and gone: handled above. Otherwise the record has served its purpose.
    const exists = stored.has(email) || state.inSync?.has(email) === true;
    if (!wanted.has(email) || exists) changes.push(clearTombstone(email, deletedAt));
  }
  return { changes, errors, warnings };
}

function diffDeveloper(
  developer: DesiredDeveloper,
  current: StoredDeveloper,
  vault: Vault,
  options: DiffOptions,
  spared: ReadonlySet<string>,
  changes: Change[],
  errors: Diagnostic[],
): void {
  const address = developerAddress(developer.email);
  const path = transitionPath(current.status, developer.status);
  if (!path.ok) {
    errors.push({ severity: 'error', location: developer.location, message: `${address}: ${path.reason}` });
  } else {
    for (const edge of path.edges) {
      changes.push({
        address,
        kind: 'developer',
        op: edge.op,
        before: { status: edge.from },
        after: { status: edge.to },
        action: { do: 'developer.transition', email: developer.email, from: edge.from, to: edge.to },
      });
    }
  }

  const set: Extract<Change['action'], { do: 'developer.update' }>['set'] = {};
  // An entry without fullName leaves the name to the developer.
  if (developer.fullName !== null && developer.fullName !== current.fullName) set.fullName = developer.fullName;
  if (developer.customId !== current.customId) set.customId = developer.customId;
  if (!sameJson(developer.meta, current.meta)) set.meta = developer.meta;
  if (current.origin !== 'manifest') set.adopt = true;
  // Who manages the name: the manifests when the entry gives one, else the developer (SPEC §8).
  const nameManaged = developer.fullName !== null;
  if (current.nameManaged !== undefined && (set.adopt ? !nameManaged : current.nameManaged !== nameManaged))
    set.nameManaged = nameManaged;
  if (Object.keys(set).length > 0) {
    const nameBy = (managed: boolean) => (managed ? 'manifests' : 'developer');
    changes.push({
      address,
      kind: 'developer',
      op: 'update',
      before: {
        ...developerView(current),
        ...(set.adopt ? { origin: current.origin } : {}),
        ...(set.nameManaged !== undefined
          ? { nameManagedBy: nameBy(current.nameManaged !== false && !set.adopt) }
          : {}),
      },
      after: {
        ...developerView({
          email: developer.email,
          fullName: developer.fullName ?? current.fullName,
          status: current.status,
          customId: developer.customId,
          meta: developer.meta,
        }),
        ...(set.adopt ? { origin: 'manifest' } : {}),
        ...(set.nameManaged !== undefined ? { nameManagedBy: nameBy(nameManaged) } : {}),
      },
      action: { do: 'developer.update', email: developer.email, set },
    });
  }

  const active = credentialsActive(developer.status);
  const flipped = path.ok && credentialsActive(current.status) !== active;
  const activations: Change[] = [];
  const storedCredentials = new Map(current.credentials.map((c) => [`${c.type}:${c.identity}`, c]));
  for (const credential of developer.credentials) {
    const key = `${credential.type}:${credential.identity}`;
    const existing = storedCredentials.get(key);
    storedCredentials.delete(key);
    const replaced =
      options.replace.size > 0 &&
      options.replace.has(credentialAddress(developer.email, credential.type, credential.identity));
    if (existing && replaced) {
      changes.push(deleteCredential(developer.email, existing, true));
      changes.push(createCredential(developer.email, credential, vault, active, true));
    } else if (existing) {
      const update = diffCredential(developer.email, credential, existing, vault, options, active, errors);
      // An update of its own already shows `active` changing.
      if (update) changes.push(update);
      else if (flipped) activations.push(activation(developer.email, existing, active));
    } else {
      changes.push(createCredential(developer.email, credential, vault, active, false));
    }
  }
  for (const leftover of storedCredentials.values()) {
    const named = spared.size > 0 && spared.has(credentialAddress(developer.email, leftover.type, leftover.identity));
    if (leftover.origin === 'manifest' && !named) changes.push(deleteCredential(developer.email, leftover, false));
    else if (flipped) activations.push(activation(developer.email, leftover, active));
  }
  // Same phase as the transition and pushed after it: ordering keeps them right behind it.
  changes.push(...activations);
}

function activation(email: string, credential: StoredCredential, active: boolean): Change {
  return {
    address: credentialAddress(email, credential.type, credential.identity),
    kind: 'credential',
    op: 'update',
    before: { active: credential.active },
    after: { active },
    action: { do: 'credential.activation', email, type: credential.type, identity: credential.identity, active },
  };
}

function diffCredential(
  email: string,
  credential: DesiredCredential,
  existing: StoredCredential,
  vault: Vault,
  options: DiffOptions,
  active: boolean,
  errors: Diagnostic[],
): Change | null {
  const spec = CREDENTIAL_SPECS[credential.type];
  // Most credentials do not change: their address is built only when needed.
  let address: string | undefined;
  const addressOf = () => (address ??= credentialAddress(email, credential.type, credential.identity));
  // A generated field the manifest leaves out keeps its stored value.
  const wantedFields = { ...credential.fields };
  for (const field of spec.generatedFields) {
    if (wantedFields[field] === undefined && existing.fields[field] !== undefined)
      wantedFields[field] = existing.fields[field];
  }
  const fieldsChanged = !sameJson(wantedFields, existing.fields);

  const secrets: Record<string, SecretPlan> = {};
  const rotate = options.rotate.size > 0 && options.rotate.has(addressOf());
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

function createDeveloper(developer: DesiredDeveloper, vault: Vault, replace: boolean, errors: Diagnostic[]): Change[] {
  if (developer.fullName === null) {
    errors.push({
      severity: 'error',
      location: developer.location,
      message: `${developerAddress(developer.email)} has no fullName: a developer the manifests create needs one (only an entry that adopts a self-registered developer may leave it out)`,
    });
    return [];
  }
  const attributes: DeveloperAttributes = {
    email: developer.email,
    fullName: developer.fullName,
    status: developer.status,
    customId: developer.customId,
    meta: developer.meta,
  };
  const active = credentialsActive(developer.status);
  return [
    {
      address: developerAddress(developer.email),
      kind: 'developer',
      op: 'create',
      before: null,
      after: developerView({ ...attributes }),
      ...(replace ? { replace: true as const } : {}),
      action: { do: 'developer.create', developer: attributes },
    },
    ...developer.credentials.map((c) => createCredential(developer.email, c, vault, active, false)),
  ];
}

function createCredential(
  email: string,
  credential: DesiredCredential,
  vault: Vault,
  active: boolean,
  replace: boolean,
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
    address: credentialAddress(email, credential.type, credential.identity),
    kind: 'credential',
    op: 'create',
    before: null,
    after,
    ...(replace ? { replace: true as const } : {}),
    action: {
      do: 'credential.create',
      email,
      type: credential.type,
      identity: credential.identity,
      fields: credential.fields,
      secrets,
    },
  };
}

/**
 * Whether two plain JSON values are equal, object keys in any order, as comparing their JSON with
 * keys sorted would say (a key whose value is undefined counts as absent), without building it.
 */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => sameJson(item ?? null, b[i] ?? null));
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let count = 0;
  for (const key in x) {
    if (!Object.hasOwn(x, key) || x[key] === undefined) continue;
    if (!Object.hasOwn(y, key) || !sameJson(x[key], y[key])) return false;
    count++;
  }
  for (const key in y) if (Object.hasOwn(y, key) && y[key] !== undefined) count--;
  return count === 0;
}
