// The plan's warning about credentials no access check can verify (docs/access-checks.md):
// hmac-auth and HS* jwt need their secret in plain text, so a check verifies them only when `serve`
// has the state key and the credential an encrypted copy. A rotation gives it one.
import { credentialAddress, type CredentialType, type Diagnostic } from '../model.js';
import type { SecretCheckedRow } from '../store/access-rows.js';
import type { Change } from './types.js';

/** Past this many, the warning counts the rest. */
const LISTED = 20;

export function unrecoverableSecretsWarning(
  rows: readonly SecretCheckedRow[],
  changes: readonly Change[],
): Diagnostic[] {
  const touched = new Set(changes.map((change) => change.address));
  const missing = rows
    .filter((row) => !row.encrypted)
    .map((row) => ({
      address: credentialAddress(row.email, row.type as CredentialType, row.identity, row.application ?? undefined),
      selfMade: row.origin === 'self-service',
    }))
    .filter(({ address }) => !touched.has(address));
  if (missing.length === 0) return [];
  const named = missing
    .slice(0, LISTED)
    .map(({ address, selfMade }) =>
      selfMade
        ? `${address} (self-made: a rotation in the portal)`
        : `${address} (\`portalform apply --rotate '${address}'\`)`,
    );
  const more = missing.length > LISTED ? `, and ${missing.length - LISTED} more` : '';
  return [
    {
      severity: 'warning',
      message:
        `${missing.length} hmac-auth or HS* jwt credential(s) have no encrypted copy of their secret, so no access check ` +
        'can verify them (docs/access-checks.md); with PORTALFORM_STATE_KEY set, a rotation gives each one: ' +
        `${named.join('; ')}${more}`,
    },
  ];
}
