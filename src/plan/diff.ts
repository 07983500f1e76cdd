// Planning (src/plan/): the desired state against the stored one, as ordered changes. This module
// diffs each developer (credentials in credential-diff.ts); order.ts puts the changes in execution
// order and frees unique values before they are taken; scope.ts and digest.ts choose which
// developers a plan must read in full; unmanaged.ts, removed.ts, tombstones.ts and duplicates.ts
// handle what the manifests do not manage; planfile.ts and saved.ts write and check saved plans.
import { credentialsActive, transitionPath } from '../lifecycle.js';
import {
  credentialAddress,
  developerAddress,
  type DesiredDeveloper,
  type DesiredState,
  type Diagnostic,
} from '../model.js';
import { portalSettingsFromMeta } from '../portal-settings.js';
import type { Vault } from '../secrets/vault.js';
import type { StateSnapshot, StoredDeveloper } from '../store/types.js';
import type { Change, DeveloperAttributes } from './types.js';
import { createCredential } from './credential-diff.js';
import { createApplication, diffApplications, diffCredentials, type OwnerContext } from './applications.js';
import { diffApis, registrationsGone } from './apis.js';
import { moveApplications, moveDevelopers } from './moves.js';
import { duplicateAddressChanges } from './duplicates.js';
import { sameJson } from './same-json.js';
import { portalChange } from './portal.js';
import { deleteDeveloper, developerView } from './changes.js';
import { removedChanges, removedStillDeclared, sparedByRemoved } from './removed.js';
import { clearTombstone, tombstoneError } from './tombstones.js';
import { isUnverifiedSignUp, unverifiedAdoptionError } from './adoption.js';

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

/** Compares the wanted state with the stored one: the APIs, then developer by developer. */
export function diff(desired: DesiredState, state: StateSnapshot, vault: Vault, options: DiffOptions): DiffResult {
  const changes: Change[] = [];
  const errors: Diagnostic[] = [];
  const warnings: Diagnostic[] = [];
  const removed = desired.removed ?? [];
  const spared = sparedByRemoved(removed);
  const settings = portalChange(desired.portal, portalSettingsFromMeta(state.meta));
  if (settings) changes.push(settings);
  const apis = diffApis(desired, state, options.replace, errors);
  changes.push(...apis.changes);
  const stored = new Map(state.developers.map((d) => [d.email, d]));
  changes.push(...duplicateAddressChanges(stored, state, warnings));
  changes.push(...moveDevelopers(desired.moved, stored, errors));
  changes.push(...moveApplications(desired.moved, stored, errors));
  const owners: Owners = {
    vault,
    replace: options.replace,
    rotate: options.rotate,
    spared,
    apiRenames: apis.renames,
    apisGone: apis.gone,
  };

  const wanted = new Set<string>();
  const tombstones = state.tombstones ?? new Map<string, string>();
  for (const developer of desired.developers) {
    wanted.add(developer.email);
    if (state.inSync?.has(developer.email)) continue; // matches its stored digest: nothing to do
    const current = stored.get(developer.email);
    const replaced = options.replace.has(developerAddress(developer.email));
    // A sign-up on the email of a managed developer who left does not end the record: only a proof does.
    const deletedAt = current?.origin === 'manifest' ? undefined : tombstones.get(developer.email);
    if (deletedAt !== undefined) {
      if (!replaced) {
        errors.push(tombstoneError(developer, deletedAt, current !== undefined));
        continue;
      }
      changes.push(clearTombstone(developer.email, deletedAt));
    }
    if (current && !replaced && isUnverifiedSignUp(current)) {
      errors.push(unverifiedAdoptionError(developer));
      continue;
    }
    if (current && replaced) changes.push(...deleteDeveloper(current, true));
    if (!current || replaced) changes.push(...createDeveloper(developer, owners, replaced, errors));
    else diffDeveloper(developer, current, owners, changes, errors);
  }
  for (const [email, current] of stored) {
    // A `removed` entry decides for what it names: deleted or released there.
    if (!wanted.has(email) && current.origin === 'manifest' && !spared.has(developerAddress(email)))
      changes.push(...deleteDeveloper(current, false));
  }
  changes.push(...registrationsGone(apis.gone, apis.renames, stored, state));
  if (removed.length > 0) {
    const deleted = new Set(changes.filter((c) => c.op === 'delete' && !c.replace).map((c) => c.address));
    changes.push(...removedChanges(removed, stored, deleted, warnings));
  }
  errors.push(...removedStillDeclared(removed, desired));
  for (const [email, deletedAt] of tombstones) {
    // Declared and not managed: handled above. Otherwise the record has served its purpose.
    const managed = stored.get(email)?.origin === 'manifest' || state.inSync?.has(email) === true;
    if (!wanted.has(email) || managed) changes.push(clearTombstone(email, deletedAt));
  }
  if (options.rotate.size > 0) errors.push(...rotateRefusals(desired, state, options.rotate));
  return { changes: withoutRepeatedDeletions(changes), errors, warnings };
}

/**
 * One deletion per address: a registration goes with its API and with its application, a
 * credential with its application and a `removed` entry; the first step that deletes it stays.
 */
function withoutRepeatedDeletions(changes: Change[]): Change[] {
  const deleted = new Set<string>();
  return changes.filter((change) => {
    if (change.op !== 'delete') return true;
    if (deleted.has(change.address)) return false;
    deleted.add(change.address);
    return true;
  });
}

/**
 * --rotate names a credential the manifests declare: one its developer made in the portal has no
 * generated secret portalform could give a new value to, so a plan would change nothing without a word.
 */
function rotateRefusals(desired: DesiredState, state: StateSnapshot, rotate: ReadonlySet<string>): Diagnostic[] {
  const declared = new Set(
    desired.developers.flatMap((d) => [
      ...d.credentials.map((c) => credentialAddress(d.email, c.type, c.identity)),
      ...(d.applications ?? []).flatMap((a) =>
        a.credentials.map((c) => credentialAddress(d.email, c.type, c.identity, a.name)),
      ),
    ]),
  );
  return state.developers.flatMap((developer) => {
    const owned = [
      ...developer.credentials.map((credential) => ({ credential, application: undefined })),
      ...(developer.applications ?? []).flatMap((a) =>
        a.credentials.map((credential) => ({ credential, application: a.name as string | undefined })),
      ),
    ];
    return owned.flatMap(({ credential, application }) => {
      const address = credentialAddress(developer.email, credential.type, credential.identity, application);
      if (!rotate.has(address) || declared.has(address)) return [];
      const who =
        credential.origin === 'self-service'
          ? 'its developer made it in the portal, so only they can rotate it there'
          : `it is not managed by the manifests (origin ${credential.origin})`;
      return [
        {
          severity: 'error' as const,
          message: `${address}: --rotate gives new values to the generated secrets of credentials the manifests declare; ${who}`,
        },
      ];
    });
  });
}

/** What every developer's diff shares: all of an OwnerContext but whose it is. */
type Owners = Omit<OwnerContext, 'email' | 'active' | 'flipped'>;

function diffDeveloper(
  developer: DesiredDeveloper,
  current: StoredDeveloper,
  owners: Owners,
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

  // The update runs after the transitions: it shows the status they leave.
  const statusNow = path.ok ? developer.status : current.status;
  const set: Extract<Change['action'], { do: 'developer.update' }>['set'] = {};
  // An entry without fullName leaves the name to the developer.
  if (developer.fullName !== null && developer.fullName !== current.fullName) set.fullName = developer.fullName;
  if (developer.customId !== current.customId) set.customId = developer.customId;
  if (!sameJson(developer.meta, current.meta)) set.meta = developer.meta;
  if (current.origin !== 'manifest') set.adopt = true;
  // Who manages the name: the manifests when the entry gives one, else the developer (docs/unmanaged.md).
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
        ...developerView(current, statusNow),
        ...(set.adopt ? { origin: current.origin } : {}),
        ...(set.nameManaged !== undefined
          ? { nameManagedBy: nameBy(current.nameManaged !== false && !set.adopt) }
          : {}),
      },
      after: {
        ...developerView({
          email: developer.email,
          fullName: developer.fullName ?? current.fullName,
          status: statusNow,
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
  const ctx: OwnerContext = { ...owners, email: developer.email, active, flipped };
  const out = { changes, activations: [] as Change[], errors };
  diffCredentials(ctx, developer.credentials, current.credentials, out);
  diffApplications(ctx, developer.applications ?? [], current.applications ?? [], out);
  // Same phase as the transition and pushed after it: ordering keeps them right behind it.
  changes.push(...out.activations);
}

function createDeveloper(
  developer: DesiredDeveloper,
  owners: Owners,
  replace: boolean,
  errors: Diagnostic[],
): Change[] {
  if (developer.fullName === null) {
    errors.push({
      severity: 'error',
      location: developer.location,
      message:
        `${developerAddress(developer.email)} has no fullName: a developer the manifests create needs one (only an ` +
        `entry that adopts a self-registered developer may leave it out)`,
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
  const ctx: OwnerContext = { ...owners, email: developer.email, active, flipped: false };
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
    ...developer.credentials.map((c) => createCredential(developer.email, c, owners.vault, active, false)),
    ...(developer.applications ?? []).flatMap((a) => createApplication(ctx, a, false)),
  ];
}
