// `removed` blocks (docs/unmanaged.md): delete what they name, managed or not, or with `keep: true` stop
// managing it (origin `released`) and leave it as it is. Each is a reviewed plan step; an entry
// that names nothing stored is only a warning (it did its work in an earlier apply, or has a typo).
// An entry names a developer, one of its credentials, one of its applications (docs/applications.md),
// or one of an application's credentials or registrations.
import { isAbsolute, relative } from 'node:path';
import {
  applicationAddress,
  credentialAddress,
  type DesiredState,
  developerAddress,
  type Diagnostic,
  type Location,
  registrationAddress,
  type RemovedBlock,
} from '../model.js';
import type { StoredApplication, StoredCredential, StoredDeveloper, StoredRegistration } from '../store/types.js';
import {
  applicationView,
  credentialView,
  deleteApplication,
  deleteCredential,
  deleteDeveloper,
  deleteRegistration,
  developerView,
  ownedBy,
  registrationView,
} from './changes.js';
import type { Change } from './types.js';

/** The addresses `removed` entries name: the diff leaves their fate to the entries. */
export function sparedByRemoved(removed: readonly RemovedBlock[]): Set<string> {
  return new Set(removed.map(addressOf));
}

function addressOf(entry: RemovedBlock): string {
  const { developer, application, credential, registration } = entry;
  if (application !== undefined) {
    if (credential) return credentialAddress(developer, credential.type, credential.identity, application);
    if (registration !== undefined) return registrationAddress(developer, application, registration);
    return applicationAddress(developer, application);
  }
  return credential ? credentialAddress(developer, credential.type, credential.identity) : developerAddress(developer);
}

type Named =
  | { kind: 'developer'; developer: StoredDeveloper }
  | { kind: 'credential'; developer: StoredDeveloper; credential: StoredCredential; application?: string }
  | { kind: 'application'; developer: StoredDeveloper; application: StoredApplication }
  | { kind: 'registration'; developer: StoredDeveloper; application: string; registration: StoredRegistration };

/** What an entry names in the state; null when nothing. */
function find(entry: RemovedBlock, developer: StoredDeveloper | undefined): Named | null {
  if (!developer) return null;
  const { credential: named } = entry;
  const sameCredential = (c: StoredCredential) => c.type === named!.type && c.identity === named!.identity;
  if (entry.application === undefined) {
    if (!named) return { kind: 'developer', developer };
    const credential = developer.credentials.find(sameCredential);
    return credential ? { kind: 'credential', developer, credential } : null;
  }
  const application = developer.applications?.find((a) => a.name === entry.application);
  if (!application) return null;
  if (named) {
    const credential = application.credentials.find(sameCredential);
    return credential ? { kind: 'credential', developer, credential, application: application.name } : null;
  }
  if (entry.registration === undefined) return { kind: 'application', developer, application };
  const registration = application.registrations.find((r) => r.api === entry.registration);
  return registration ? { kind: 'registration', developer, application: application.name, registration } : null;
}

/**
 * The steps of every entry, against the stored developers (after moves). `deleted`: the addresses
 * the diff deletes already; what goes with one of them needs no step of its own.
 */
export function removedChanges(
  removed: readonly RemovedBlock[],
  stored: ReadonlyMap<string, StoredDeveloper>,
  deleted: ReadonlySet<string>,
  warnings: Diagnostic[],
): Change[] {
  const changes: Change[] = [];
  const done = new Set<string>();
  for (const entry of removed) {
    const address = addressOf(entry);
    if (done.has(address)) continue;
    done.add(address);
    const named = find(entry, stored.get(entry.developer));
    if (!named) {
      warnings.push({
        severity: 'warning',
        location: entry.location,
        message: `removed entry names ${address}, which is not in the state: nothing to remove; delete the entry`,
      });
      continue;
    }
    const owners = [developerAddress(entry.developer)];
    if (entry.application !== undefined) owners.push(applicationAddress(entry.developer, entry.application));
    if (owners.some((owner) => deleted.has(owner)) || deleted.has(address)) continue; // goes with its owner
    changes.push(...stepsOf(named, entry.keep));
  }
  return changes;
}

function stepsOf(named: Named, keep: boolean): Change[] {
  const { email } = named.developer;
  switch (named.kind) {
    case 'developer':
      return keep ? releaseDeveloper(named.developer) : deleteDeveloper(named.developer, false);
    case 'credential':
      return keep
        ? releaseCredentials(email, [named.credential], named.application)
        : [deleteCredential(email, named.credential, false, named.application)];
    case 'application':
      return keep ? releaseApplication(email, named.application) : deleteApplication(email, named.application, false);
    case 'registration':
      return keep
        ? releaseRegistrations(email, named.application, [named.registration])
        : [deleteRegistration(email, named.application, named.registration, false)];
  }
}

/**
 * An entry of the new forms naming what the manifests still declare: the entry and the
 * declaration disagree, and the error names both places. (The manifests' validation does the
 * same for developers and their own credentials.)
 */
export function removedStillDeclared(removed: readonly RemovedBlock[], desired: DesiredState): Diagnostic[] {
  const errors: Diagnostic[] = [];
  for (const entry of removed) {
    if (entry.application === undefined) continue;
    const developer = desired.developers.find((d) => d.email === entry.developer);
    const application = developer?.applications?.find((a) => a.name === entry.application);
    if (!application) continue;
    let declaredAt: Location | undefined = application.location;
    if (entry.credential) {
      const { type, identity } = entry.credential;
      declaredAt = application.credentials.find((c) => c.type === type && c.identity === identity)?.location;
    } else if (entry.registration !== undefined) {
      declaredAt = application.registrations.find((r) => r.api === entry.registration)?.location;
    }
    if (!declaredAt) continue;
    errors.push({
      severity: 'error',
      location: entry.location,
      message:
        `removed entry names ${addressOf(entry)}, which the manifests still declare at ` +
        `${shownLocation(declaredAt)}; remove the declaration to delete or release it, or remove ` +
        `the removed entry to keep managing it`,
    });
  }
  return errors;
}

/** file:line:column, the file relative to the working directory when inside it, as the manifests' errors show it. */
function shownLocation({ file, line, column }: Location): string {
  const inside = isAbsolute(file) ? relative(process.cwd(), file) : file;
  return `${inside.startsWith('..') ? file : inside}:${line}:${column}`;
}

/** Releases a managed developer and every managed object it owns; what the manifests never managed stays as it is. */
function releaseDeveloper(developer: StoredDeveloper): Change[] {
  const changes: Change[] = [];
  if (developer.origin === 'manifest') {
    changes.push({
      address: developerAddress(developer.email),
      kind: 'developer',
      op: 'update',
      before: { ...developerView(developer), origin: developer.origin },
      after: { ...developerView(developer), origin: 'released' },
      action: { do: 'developer.update', email: developer.email, set: { release: true } },
    });
  }
  return [
    ...changes,
    ...releaseCredentials(developer.email, developer.credentials),
    ...(developer.applications ?? []).flatMap((a) => releaseApplication(developer.email, a)),
  ];
}

/** Releases a managed application, and its managed credentials and registrations. */
function releaseApplication(email: string, application: StoredApplication): Change[] {
  const changes: Change[] = [];
  if (application.origin === 'manifest') {
    const view = applicationView(application);
    changes.push({
      address: applicationAddress(email, application.name),
      kind: 'application',
      op: 'update',
      before: { ...view, origin: application.origin },
      after: { ...view, origin: 'released' },
      action: { do: 'application.update', email, name: application.name, set: { release: true } },
    });
  }
  return [
    ...changes,
    ...releaseCredentials(email, application.credentials, application.name),
    ...releaseRegistrations(email, application.name, application.registrations),
  ];
}

function releaseCredentials(email: string, credentials: readonly StoredCredential[], application?: string): Change[] {
  return credentials
    .filter((c) => c.origin === 'manifest')
    .map((c) => {
      const view = credentialView(c.type, c.fields, Object.keys(c.secrets), c.active);
      return {
        address: credentialAddress(email, c.type, c.identity, application),
        kind: 'credential',
        op: 'update',
        before: { ...view, origin: c.origin },
        after: { ...view, origin: 'released' },
        action: {
          do: 'credential.update',
          email,
          ...ownedBy(application),
          type: c.type,
          identity: c.identity,
          release: true,
        },
      };
    });
}

function releaseRegistrations(email: string, application: string, registrations: readonly StoredRegistration[]) {
  return registrations
    .filter((r) => r.origin === 'manifest')
    .map(
      (r): Change => ({
        address: registrationAddress(email, application, r.api),
        kind: 'registration',
        op: 'update',
        before: { ...registrationView(r), origin: r.origin },
        after: { ...registrationView(r), origin: 'released' },
        action: { do: 'registration.update', email, application, api: r.api, release: true },
      }),
    );
}
