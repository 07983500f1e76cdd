// A developer's sync digest: one hash of everything the diff compares for it — its attributes,
// its credentials' fields, and for each secret field the keyed digest of the value the manifest
// gives, or that it is generated. Apply stores it once the developer matches its manifest entry;
// while the stored digest equals the manifest's, the diff would find nothing, so a plan skips
// reading that developer (see scope.ts). The tool version is part of it: a portalform that diffs
// differently never trusts digests an older one wrote.
import { createHash } from 'node:crypto';
import { CREDENTIAL_SPECS, type DesiredDeveloper } from '../model.js';
import { TOOL_VERSION } from '../package-info.js';
import type { Vault } from '../secrets/vault.js';

const FORMAT = `portalform sync digest v1 ${TOOL_VERSION}`;

export function developerDigest(developer: DesiredDeveloper, vault: Vault): string {
  const credentials = developer.credentials.map((credential) => {
    const secrets = CREDENTIAL_SPECS[credential.type].secretFields.map((field) => {
      const given = credential.secrets[field];
      return given ? vault.digest(credential.type, field, given.value) : null;
    });
    return [credential.type, credential.identity, credential.fields, secrets];
  });
  // JSON tells any two different developers apart. Keys stay in manifest order: reordering them
  // only costs that developer a full read.
  const text = JSON.stringify([FORMAT, developer.email, developer.fullName, developer.status, developer.customId, developer.meta, credentials]);
  return createHash('sha256').update(text).digest('base64url');
}
