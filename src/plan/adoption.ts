// Who a plan may adopt (docs/unmanaged.md, "Adopting"): a developer the manifests do not manage
// becomes managed only once it has proven its address. Anyone can sign up with any address, so
// adopting an unverified sign-up would hand a stranger whatever the manifests give that address.
import { developerAddress, type DesiredDeveloper, type Diagnostic } from '../model.js';
import type { StoredDeveloper } from '../store/types.js';

/** A developer the manifests do not manage whose address is not proven. */
export function isUnverifiedSignUp(developer: Pick<StoredDeveloper, 'origin' | 'emailVerified'>): boolean {
  return developer.origin !== 'manifest' && developer.emailVerified === false;
}

export const NOT_VERIFIED = 'signed up through the portal and has not verified their address';

export function unverifiedAdoptionError(developer: DesiredDeveloper): Diagnostic {
  const address = developerAddress(developer.email);
  return {
    severity: 'error',
    location: developer.location,
    message:
      `${address} ${NOT_VERIFIED}, so the plan does not adopt them. The developer can verify it with the link ` +
      `mailed to them (a new link is sent from the sign-in page), or plan with --replace '${address}' to delete ` +
      'that account and create the declared developer anew',
  };
}
