// Tombstones (docs/unmanaged.md): a managed developer who deleted their own account is not silently created
// again. While the manifests declare the email the plan fails, saying so; `--replace` creates the
// developer anew, and removing the entry clears the record. Both clearings are plan steps.
import { developerAddress, type DesiredDeveloper, type Diagnostic } from '../model.js';
import type { Change } from './types.js';

/** `signedUpAgain`: someone has signed up with the email since, and not proven it yet. */
export function tombstoneError(developer: DesiredDeveloper, deletedAt: string, signedUpAgain = false): Diagnostic {
  const address = developerAddress(developer.email);
  const since = signedUpAgain
    ? '. Someone has signed up with this email since: that account replaces the record only once it verifies the address'
    : '';
  return {
    severity: 'error',
    location: developer.location,
    message:
      `${address} deleted their own account through the portal on ${deletedAt}; the manifests still declare them. ` +
      `Remove the entry (the plan then clears the record of the deletion), or plan with --replace '${address}' to invite them anew${since}`,
  };
}

export function clearTombstone(email: string, deletedAt: string): Change {
  return {
    address: developerAddress(email),
    kind: 'developer',
    op: 'update',
    before: { accountDeletedAt: deletedAt },
    after: { accountDeletedAt: null },
    action: { do: 'tombstone.clear', email },
  };
}
