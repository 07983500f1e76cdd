// A developer's sync digest: one hash of everything the diff compares for it — its manifest entry
// as written (the content digest, see manifest/content-digest.ts), and the values its references
// resolve to: for a secret the keyed digest of the value, for a public key read from a file its
// text. Apply stores it once the developer matches its manifest entry; while the stored digest
// equals the manifest's, the diff would find nothing, so a plan skips reading that developer (see
// scope.ts). The tool version is part of it: a portalform that diffs differently never trusts
// digests an older one wrote.
import { createHash } from 'node:crypto';
import type { DesiredDeveloper, SyncSource } from '../model.js';
import { TOOL_VERSION } from '../package-info.js';
import type { Vault } from '../secrets/vault.js';

const FORMAT = `portalform sync digest v2 ${TOOL_VERSION}`;

export function developerDigest(developer: DesiredDeveloper, vault: Vault): string {
  const { content, references } = developer.sync ?? syncSourceOf(developer);
  const hash = createHash('sha256').update(FORMAT).update('\0').update(content);
  for (const reference of references) {
    if (reference.secret) hash.update('\0s').update(vault.digest(reference.type, reference.field, reference.secret.value));
    else hash.update('\0k').update(reference.publicKey ?? '');
  }
  return hash.digest('base64url');
}

/** For a developer not loaded from manifests: its fields stand for the entry, its secrets for the references. */
function syncSourceOf(developer: DesiredDeveloper): SyncSource {
  const credentials = developer.credentials.map((c) => [c.type, c.identity, c.fields, Object.keys(c.secrets)]);
  const entry = JSON.stringify([developer.email, developer.fullName, developer.status, developer.customId, developer.meta, credentials]);
  const references = developer.credentials.flatMap((c) => Object.entries(c.secrets).map(([field, secret]) => ({ type: c.type, field, secret })));
  return { content: createHash('sha256').update(entry).digest('base64url'), references };
}
