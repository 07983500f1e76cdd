// A developer's sync digest: a hash of everything the diff compares for it — its manifest entry
// as written (the content digest, see manifest/content-digest.ts) and the values its references
// resolve to (secrets, and public keys read from files). With references it is keyed with the
// state's digest key, as secret digests are: the stored digest must not let anyone test guesses
// of a secret. Apply stores it once the developer matches its manifest entry; while the stored
// digest equals the manifest's, the diff would find nothing, so a plan skips reading that
// developer (see scope.ts). The tool version is part of it: a portalform that diffs differently
// never trusts digests an older one wrote.
import { createHash } from 'node:crypto';
import type { DesiredDeveloper, SyncSource } from '../model.js';
import { TOOL_VERSION } from '../package-info.js';
import type { Vault } from '../secrets/vault.js';

const FORMAT = `portalform sync digest v2 ${TOOL_VERSION}`;

export function developerDigest(developer: DesiredDeveloper, vault: Vault): string {
  const { content, references } = developer.sync ?? syncSourceOf(developer);
  // An entry that references nothing is all the diff compares: its content digest (which names
  // the tool version) is its sync digest, with no secret to key.
  if (references.length === 0) return content;
  const hash = vault.keyedHash().update(FORMAT).update('\0').update(content);
  // Each value is length-prefixed: no two lists of values run together into the same text.
  for (const { type, field, secret, publicKey } of references) {
    const value = secret?.value ?? publicKey ?? '';
    hash.update(`\0${secret ? 's' : 'k'}${type}.${field}:${value.length}:`).update(value);
  }
  return hash.digest('base64url');
}

/** For a developer not loaded from manifests: its fields stand for the entry, its secrets for the references. */
function syncSourceOf(developer: DesiredDeveloper): SyncSource {
  const credentials = developer.credentials.map((c) => [c.type, c.identity, c.fields, Object.keys(c.secrets)]);
  const entry = JSON.stringify([FORMAT, developer.email, developer.fullName, developer.status, developer.customId, developer.meta, credentials]);
  const references = developer.credentials.flatMap((c) => Object.entries(c.secrets).map(([field, secret]) => ({ type: c.type, field, secret })));
  return { content: createHash('sha256').update(entry).digest('base64url'), references };
}
