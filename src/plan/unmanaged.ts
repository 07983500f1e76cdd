// The plan's list of what the manifests do not manage (docs/unmanaged.md): read from each object's origin,
// status and creation time alone, minus what this plan itself changes (adopts, releases, deletes).
// Pending access requests come first (sign-ups, then registration requests), each kind oldest first.
import { applicationAddress, credentialAddress, developerAddress, registrationAddress } from '../model.js';
import type { StateSnapshot, UnmanagedRow } from '../store/types.js';
import type { Change, UnmanagedObject } from './types.js';

export function unmanagedObjects(state: StateSnapshot, changes: readonly Change[]): UnmanagedObject[] {
  if (!state.unmanaged || state.unmanaged.length === 0) return [];
  const changed = new Set<string>();
  // Developers and applications gone (deleted, or moved to another name) with all they hold.
  const gone = new Set<string>();
  for (const change of changes) {
    const action = change.action;
    // A credential (de)activated with its developer stays as unmanaged as it was.
    if (action.do !== 'credential.activation') changed.add(change.address);
    if (action.do === 'developer.delete') gone.add(developerAddress(action.email));
    if (action.do === 'developer.move') gone.add(developerAddress(action.from));
    if (action.do === 'application.delete') gone.add(applicationAddress(action.email, action.name));
    if (action.do === 'application.move') gone.add(applicationAddress(action.email, action.from));
  }
  const requests: UnmanagedObject[] = [];
  const registrationRequests: UnmanagedObject[] = [];
  const others: UnmanagedObject[] = [];
  for (const row of state.unmanaged) {
    if (gone.has(developerAddress(row.email))) continue;
    if (row.application !== undefined && gone.has(applicationAddress(row.email, row.application))) continue;
    const object = objectOf(row);
    if (changed.has(object.address)) continue;
    if (object.status === 'pending' && object.kind === 'developer' && object.emailVerified) requests.push(object);
    else if (object.status === 'pending' && object.kind === 'registration') registrationRequests.push(object);
    else others.push(object);
  }
  return [...requests, ...registrationRequests, ...others];
}

function objectOf(row: UnmanagedRow): UnmanagedObject {
  const { email, application, origin, createdAt } = row;
  if (row.type !== undefined) {
    const address = credentialAddress(email, row.type, row.identity!, application);
    return { address, kind: 'credential', origin, createdAt };
  }
  if (application !== undefined && row.api !== undefined) {
    const address = registrationAddress(email, application, row.api);
    return { address, kind: 'registration', origin, status: row.status!, createdAt };
  }
  if (application !== undefined)
    return { address: applicationAddress(email, application), kind: 'application', origin, createdAt };
  return {
    address: developerAddress(email),
    kind: 'developer',
    origin,
    status: row.status!,
    emailVerified: row.emailVerified !== false,
    createdAt,
  };
}
