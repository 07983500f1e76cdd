// The plan's list of what the manifests do not manage (docs/unmanaged.md): read from each object's origin,
// status and creation time alone, minus what this plan itself changes (adopts, releases, deletes).
import { credentialAddress, developerAddress } from '../model.js';
import type { StateSnapshot } from '../store/types.js';
import type { Change, UnmanagedObject } from './types.js';

export function unmanagedObjects(state: StateSnapshot, changes: readonly Change[]): UnmanagedObject[] {
  if (!state.unmanaged || state.unmanaged.length === 0) return [];
  const changed = new Set<string>();
  const deletedDevelopers = new Set<string>();
  for (const change of changes) {
    // A credential (de)activated with its developer stays as unmanaged as it was.
    if (change.action.do !== 'credential.activation') changed.add(change.address);
    if (change.action.do === 'developer.delete') deletedDevelopers.add(change.action.email);
    if (change.action.do === 'developer.move') deletedDevelopers.add(change.action.from);
  }
  const objects: UnmanagedObject[] = [];
  for (const row of state.unmanaged) {
    if (deletedDevelopers.has(row.email)) continue;
    const address = row.type ? credentialAddress(row.email, row.type, row.identity!) : developerAddress(row.email);
    if (changed.has(address)) continue;
    objects.push(
      row.type
        ? { address, kind: 'credential', origin: row.origin, createdAt: row.createdAt }
        : {
            address,
            kind: 'developer',
            origin: row.origin,
            status: row.status!,
            emailVerified: row.emailVerified !== false,
            createdAt: row.createdAt,
          },
    );
  }
  return objects;
}
