// What a developer owns against what is stored: its credentials (its own, or one application's),
// its applications (docs/applications.md) and their registrations to APIs. The developer's own row
// and status are diff.ts's.
import { registrationPath } from '../lifecycle.js';
import {
  applicationAddress,
  credentialAddress,
  type DesiredApplication,
  type DesiredCredential,
  type DesiredRegistration,
  type Diagnostic,
  registrationAddress,
} from '../model.js';
import type { Vault } from '../secrets/vault.js';
import type { StoredApplication, StoredCredential } from '../store/types.js';
import { applicationView, deleteApplication, deleteCredential, deleteRegistration } from './changes.js';
import { activation, createCredential, diffCredential } from './credential-diff.js';
import type { ApplicationAttributes, Change } from './types.js';

/** What the diff of one developer's belongings needs to know. */
export interface OwnerContext {
  email: string;
  vault: Vault;
  /** Addresses to delete and create anew (--replace). */
  replace: ReadonlySet<string>;
  /** Credential addresses whose generated secrets get new values (--rotate). */
  rotate: ReadonlySet<string>;
  /** Addresses `removed` entries name: their fate is the entries'. */
  spared: ReadonlySet<string>;
  /** Whether the developer's credentials are active once the plan has run. */
  active: boolean;
  /** Whether the developer's transitions flip them: each then shows as an activation. */
  flipped: boolean;
  /** New name by old of the APIs `moved` renames: stored registrations still name the old. */
  apiRenames: ReadonlyMap<string, string>;
  /** APIs this plan deletes (dropped or replaced), by their new name: registrations to them go with them. */
  apisGone: ReadonlySet<string>;
}

/** The changes to the owner's credentials, in the order they are declared; (de)activations apart. */
export function diffCredentials(
  ctx: OwnerContext,
  declared: readonly DesiredCredential[],
  stored: readonly StoredCredential[],
  out: { changes: Change[]; activations: Change[]; errors: Diagnostic[] },
  application?: string,
): void {
  const { email, vault, active } = ctx;
  const storedCredentials = new Map(stored.map((c) => [`${c.type}:${c.identity}`, c]));
  for (const credential of declared) {
    const key = `${credential.type}:${credential.identity}`;
    const existing = storedCredentials.get(key);
    storedCredentials.delete(key);
    const replaced =
      ctx.replace.size > 0 &&
      ctx.replace.has(credentialAddress(email, credential.type, credential.identity, application));
    if (existing && replaced) {
      out.changes.push(deleteCredential(email, existing, true, application));
      out.changes.push(createCredential(email, credential, vault, active, true, application));
    } else if (existing) {
      const update = diffCredential(email, credential, existing, vault, ctx.rotate, active, out.errors, application);
      // An update of its own already shows `active` changing.
      if (update) out.changes.push(update);
      else if (ctx.flipped) out.activations.push(activation(email, existing, active, application));
    } else {
      out.changes.push(createCredential(email, credential, vault, active, false, application));
    }
  }
  for (const leftover of storedCredentials.values()) {
    const address = credentialAddress(email, leftover.type, leftover.identity, application);
    const named = ctx.spared.size > 0 && ctx.spared.has(address);
    if (leftover.origin === 'manifest' && !named)
      out.changes.push(deleteCredential(email, leftover, false, application));
    else if (ctx.flipped) out.activations.push(activation(email, leftover, active, application));
  }
}

/** The changes to the developer's applications: creations, updates, adoptions, deletions with all they hold. */
export function diffApplications(
  ctx: OwnerContext,
  declared: readonly DesiredApplication[],
  stored: readonly StoredApplication[],
  out: { changes: Change[]; activations: Change[]; errors: Diagnostic[] },
): void {
  const storedByName = new Map(stored.map((a) => [a.name, a]));
  for (const application of declared) {
    const existing = storedByName.get(application.name);
    storedByName.delete(application.name);
    const replaced = ctx.replace.has(applicationAddress(ctx.email, application.name));
    if (existing && replaced) out.changes.push(...deleteApplication(ctx.email, existing, true));
    if (!existing || replaced) {
      out.changes.push(...createApplication(ctx, application, replaced));
      continue;
    }
    const update = applicationUpdate(ctx.email, application, existing);
    if (update) out.changes.push(update);
    diffCredentials(ctx, application.credentials, existing.credentials, out, application.name);
    diffRegistrations(ctx, application, existing, out);
  }
  for (const leftover of storedByName.values()) {
    // Self-made ones stay (docs/unmanaged.md); a `removed` entry decides for what it names.
    const named = ctx.spared.has(applicationAddress(ctx.email, leftover.name));
    if (leftover.origin === 'manifest' && !named) {
      out.changes.push(...deleteApplication(ctx.email, leftover, false));
      continue;
    }
    if (ctx.flipped)
      out.activations.push(...leftover.credentials.map((c) => activation(ctx.email, c, ctx.active, leftover.name)));
  }
}

/** A new application with its declared credentials and registrations, each a step. */
export function createApplication(ctx: OwnerContext, application: DesiredApplication, replace: boolean): Change[] {
  const attributes: ApplicationAttributes = {
    name: application.name,
    description: application.description,
    descriptionManaged: application.description !== null,
  };
  return [
    {
      address: applicationAddress(ctx.email, application.name),
      kind: 'application',
      op: 'create',
      before: null,
      after: {
        ...applicationView(attributes),
        ...(attributes.descriptionManaged ? {} : { descriptionManagedBy: 'developer' }),
      },
      ...(replace ? { replace: true as const } : {}),
      action: { do: 'application.create', email: ctx.email, application: attributes },
    },
    ...application.credentials.map((c) =>
      createCredential(ctx.email, c, ctx.vault, ctx.active, false, application.name),
    ),
    ...application.registrations.map((r) => createRegistration(ctx.email, application.name, r, false)),
  ];
}

const managedBy = (managed: boolean) => (managed ? 'manifests' : 'developer');

/** The description and who manages it, and an adoption of a self-made application. */
function applicationUpdate(email: string, application: DesiredApplication, existing: StoredApplication): Change | null {
  const set: Extract<Change['action'], { do: 'application.update' }>['set'] = {};
  // An entry without a description leaves it to the developer.
  if (application.description !== null && application.description !== existing.description)
    set.description = application.description;
  const managed = application.description !== null;
  if (existing.descriptionManaged !== managed) set.descriptionManaged = managed;
  if (existing.origin !== 'manifest') set.adopt = true;
  if (Object.keys(set).length === 0) return null;
  const shownBy = set.descriptionManaged !== undefined;
  return {
    address: applicationAddress(email, application.name),
    kind: 'application',
    op: 'update',
    before: {
      ...applicationView(existing),
      ...(set.adopt ? { origin: existing.origin } : {}),
      ...(shownBy ? { descriptionManagedBy: managedBy(existing.descriptionManaged) } : {}),
    },
    after: {
      ...applicationView({ name: application.name, description: application.description ?? existing.description }),
      ...(set.adopt ? { origin: 'manifest' } : {}),
      ...(shownBy ? { descriptionManagedBy: managedBy(managed) } : {}),
    },
    action: { do: 'application.update', email, name: application.name, set },
  };
}

/** Registrations on the life cycle's table: a new one in its declared status, a stored one along its edges. */
function diffRegistrations(
  ctx: OwnerContext,
  application: DesiredApplication,
  existing: StoredApplication,
  out: { changes: Change[]; errors: Diagnostic[] },
): void {
  const { email } = ctx;
  const stored = new Map<string, (typeof existing.registrations)[number]>();
  for (const registration of existing.registrations) {
    const api = ctx.apiRenames.get(registration.api) ?? registration.api;
    // Deleted with its API (deleteApi shows it): a declared one is created anew.
    if (!ctx.apisGone.has(api)) stored.set(api, registration);
  }
  for (const registration of application.registrations) {
    const current = stored.get(registration.api);
    stored.delete(registration.api);
    const address = registrationAddress(email, application.name, registration.api);
    const replaced = ctx.replace.has(address);
    if (current && replaced)
      out.changes.push(deleteRegistration(email, application.name, { ...current, api: registration.api }, true));
    if (!current || replaced) {
      out.changes.push(createRegistration(email, application.name, registration, replaced));
      continue;
    }
    if (current.origin !== 'manifest') {
      out.changes.push({
        address,
        kind: 'registration',
        op: 'update',
        before: { origin: current.origin },
        after: { origin: 'manifest' },
        action: { do: 'registration.update', email, application: application.name, api: registration.api, adopt: true },
      });
    }
    const path = registrationPath(current.status, registration.status);
    if (!path.ok) {
      out.errors.push({ severity: 'error', location: registration.location, message: `${address}: ${path.reason}` });
      continue;
    }
    for (const edge of path.edges) {
      out.changes.push({
        address,
        kind: 'registration',
        op: edge.op,
        before: { status: edge.from },
        after: { status: edge.to },
        action: {
          do: 'registration.transition',
          email,
          application: application.name,
          api: registration.api,
          from: edge.from,
          to: edge.to,
        },
      });
    }
  }
  for (const [api, leftover] of stored) {
    const named = ctx.spared.has(registrationAddress(email, application.name, api));
    if (leftover.origin === 'manifest' && !named)
      out.changes.push(deleteRegistration(email, application.name, { ...leftover, api }, false));
  }
}

function createRegistration(
  email: string,
  application: string,
  registration: DesiredRegistration,
  replace: boolean,
): Change {
  return {
    address: registrationAddress(email, application, registration.api),
    kind: 'registration',
    op: 'create',
    before: null,
    after: { api: registration.api, status: registration.status },
    ...(replace ? { replace: true as const } : {}),
    action: { do: 'registration.create', email, application, api: registration.api, status: registration.status },
  };
}
