// The plan's warning about credentials no access check can verify (docs/access-checks.md):
// hmac-auth and HS* jwt need their secret in plain text, so a check verifies them only when `serve`
// has the state key and the credential an encrypted copy. A secret the manifests give gains one at
// the next apply with the key set; a generated one only through a rotation.
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
      row,
    }))
    .filter(({ address }) => !touched.has(address));
  if (missing.length === 0) return [];
  const named = missing.slice(0, LISTED).map(({ address, row }) => `${address} (${remedy(address, row)})`);
  const more = missing.length > LISTED ? `, and ${missing.length - LISTED} more` : '';
  return [
    {
      severity: 'warning',
      message:
        `${missing.length} hmac-auth or HS* jwt credential(s) have no encrypted copy of their secret, so no access check ` +
        `can verify them (docs/access-checks.md): ${named.join('; ')}${more}`,
    },
  ];
}

/** What gives one credential its encrypted copy. */
function remedy(address: string, row: SecretCheckedRow): string {
  if (row.origin !== 'manifest') return 'not managed by the manifests: its developer rotates it in the portal';
  if (row.generated) return `with PORTALFORM_STATE_KEY set, \`portalform apply --rotate '${address}'\``;
  return 'the manifests give it: the next apply with PORTALFORM_STATE_KEY set stores its encrypted copy';
}
