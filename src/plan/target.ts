// The addresses --replace, --rotate and --target may name (docs/cli.md): developers, their own
// credentials, APIs, applications, applications' credentials and registrations (docs/applications.md);
// and which steps a --target keeps.
import { parseAnyAddress } from '../address.js';
import {
  apiAddress,
  applicationAddress,
  credentialAddress,
  type DesiredState,
  developerAddress,
  type Diagnostic,
  registrationAddress,
} from '../model.js';
import type { StateSnapshot } from '../store/types.js';
import type { Change } from './types.js';

/** The addresses named that neither the manifests nor the state know: each an error. */
export function unknownAddresses(desired: DesiredState, state: StateSnapshot, addresses: string[]): Diagnostic[] {
  if (addresses.length === 0) return []; // the usual case: no need to list every address
  const known = knownAddresses(desired, state);
  return addresses
    .filter((address) => !known.has(address))
    .map((address) => ({
      severity: 'error' as const,
      message: `${address} is neither in the manifests nor in the state`,
    }));
}

function knownAddresses(desired: DesiredState, state: StateSnapshot): Set<string> {
  const known = new Set<string>();
  for (const api of [...(desired.apis ?? []), ...(state.apis ?? [])]) known.add(apiAddress(api.name));
  for (const row of state.unmanaged ?? []) {
    // Read from their cheap rows: the developers that hold them may be left unread (in sync).
    if (row.application !== undefined && row.api !== undefined)
      known.add(registrationAddress(row.email, row.application, row.api));
    else if (row.application !== undefined && row.type === undefined)
      known.add(applicationAddress(row.email, row.application));
  }
  for (const developers of [desired.developers, state.developers]) {
    for (const developer of developers) {
      const { email } = developer;
      known.add(developerAddress(email));
      for (const c of developer.credentials) known.add(credentialAddress(email, c.type, c.identity));
      for (const application of developer.applications ?? []) {
        known.add(applicationAddress(email, application.name));
        for (const c of application.credentials)
          known.add(credentialAddress(email, c.type, c.identity, application.name));
        for (const r of application.registrations) known.add(registrationAddress(email, application.name, r.api));
      }
    }
  }
  return known;
}

/**
 * Which steps a --target keeps: the steps of what a target names and of all it holds, what it
 * needs to exist first (its developer and application created, moved or transitioned, a
 * registration's API created or moved), and for an API the deletions of registrations to it.
 */
export function targetedBy(targets: readonly string[]): (change: Change) => boolean {
  const named = targets.map((target) => ({ target, address: parseAnyAddress(target) }));
  return (change) =>
    named.some(({ target, address }) => {
      if (change.address === target || change.address.startsWith(`${target}.`)) return true;
      if (target.startsWith(`${change.address}.`))
        return (
          (change.kind === 'developer' || change.kind === 'application') &&
          change.op !== 'update' &&
          change.op !== 'delete'
        );
      const action = change.action;
      if (address.kind === 'api') return action.do === 'registration.delete' && action.api === address.name;
      if (address.kind === 'registration' && change.kind === 'api')
        return change.address === apiAddress(address.api) && (change.op === 'create' || change.op === 'move');
      return false;
    });
}
