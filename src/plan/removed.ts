// `removed` blocks (docs/unmanaged.md): delete what they name, managed or not, or with `keep: true` stop
// managing it (origin `released`) and leave it as it is. Each is a reviewed plan step; an entry
// that names nothing stored is only a warning (it did its work in an earlier apply, or has a typo).
import { credentialAddress, developerAddress, type Diagnostic, type RemovedBlock } from '../model.js';
import type { StoredCredential, StoredDeveloper } from '../store/types.js';
import { credentialView, deleteCredential, deleteDeveloper, developerView } from './changes.js';
import type { Change } from './types.js';

/** The addresses `removed` entries name: the diff leaves their fate to the entries. */
export function sparedByRemoved(removed: readonly RemovedBlock[]): Set<string> {
  return new Set(removed.map(addressOf));
}

function addressOf(entry: RemovedBlock): string {
  return entry.credential
    ? credentialAddress(entry.developer, entry.credential.type, entry.credential.identity)
    : developerAddress(entry.developer);
}

/**
 * The steps of every entry, against the stored developers (after moves). `deleted`: developers the
 * diff deletes already, whose credentials go with them.
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
    const developer = stored.get(entry.developer);
    const credential =
      entry.credential &&
      developer?.credentials.find(
        (c) => c.type === entry.credential!.type && c.identity === entry.credential!.identity,
      );
    if (!developer || (entry.credential && !credential)) {
      warnings.push({
        severity: 'warning',
        location: entry.location,
        message: `removed entry names ${address}, which is not in the state: nothing to remove; delete the entry`,
      });
      continue;
    }
    if (deleted.has(developer.email)) continue; // goes with its developer
    if (credential)
      changes.push(
        ...(entry.keep
          ? releaseCredentials(developer.email, [credential])
          : [deleteCredential(developer.email, credential, false)]),
      );
    else if (entry.keep) changes.push(...releaseDeveloper(developer));
    else changes.push(...deleteDeveloper(developer, false));
  }
  return changes;
}

/** Releases a managed developer and its managed credentials; what the manifests never managed stays as it is. */
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
  return [...changes, ...releaseCredentials(developer.email, developer.credentials)];
}

function releaseCredentials(email: string, credentials: readonly StoredCredential[]): Change[] {
  return credentials
    .filter((c) => c.origin === 'manifest')
    .map((c) => {
      const view = credentialView(c.type, c.fields, Object.keys(c.secrets), c.active);
      return {
        address: credentialAddress(email, c.type, c.identity),
        kind: 'credential',
        op: 'update',
        before: { ...view, origin: c.origin },
        after: { ...view, origin: 'released' },
        action: { do: 'credential.update', email, type: c.type, identity: c.identity, release: true },
      };
    });
}
