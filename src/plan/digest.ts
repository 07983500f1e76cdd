// A developer's sync digest: a hash of everything the diff compares for it — its manifest entry
// as written (the content digest, see manifest/content-digest.ts) and the values its references
// resolve to (secrets, and public keys read from files). A secret enters it only as its keyed
// digest under the state's digest key, as stored secret digests are: the stored sync digest must
// not let anyone test guesses of a secret. Apply stores it once the developer matches its
// manifest entry; while the stored digest equals the manifest's, the diff would find nothing, so
// a plan skips reading that developer (see scope.ts). The tool version is part of it: a portalform that diffs differently
// never trusts digests an older one wrote.
import type { DesiredCredential, DesiredDeveloper, SyncSource } from '../model.js';
import { TOOL_VERSION } from '../package-info.js';
import type { Vault } from '../secrets/vault.js';
import { sha256 } from '../hash.js';

// v4: a developer's applications, their credentials and registrations are part of what it is compared by.
const FORMAT = `portalform sync digest v4 ${TOOL_VERSION}`;

/**
 * The keyed digests of the secrets references resolved to, per vault: a hundred thousand
 * developers share a few thousand secrets. (Only these: generated secrets are all different.)
 */
const referenceDigests = new WeakMap<Vault, Map<string, string>>();

function referenceDigest(vault: Vault, type: string, field: string, value: string): string {
  let digests = referenceDigests.get(vault);
  if (!digests) referenceDigests.set(vault, (digests = new Map()));
  const key = `${type}.${field}\0${value}`;
  let digest = digests.get(key);
  if (digest === undefined) digests.set(key, (digest = vault.digest(type, field, value)));
  return digest;
}

export function developerDigest(developer: DesiredDeveloper, vault: Vault): string {
  const { content, references } = developer.sync ?? syncSourceOf(developer);
  // An entry that references nothing is all the diff compares: its content digest (which names
  // the tool version) is its sync digest, with no secret to key.
  if (references.length === 0) return content;
  // A secret stands in by its keyed digest (computed once per value), a public key by its text,
  // length-prefixed: no two lists of values run together into the same text.
  // Under no state key a given secret is stored without its encrypted copy: once a key is set,
  // the developer must differ, so that a plan reads it and backfills the copies (diff.ts).
  let text = `${FORMAT}\0${content}${vault.canEncrypt ? '' : '\0keyless'}`;
  for (const { type, field, secret, publicKey } of references) {
    text += secret
      ? `\0s${type}.${field}:${referenceDigest(vault, type, field, secret.value)}`
      : `\0k${type}.${field}:${publicKey!.length}:${publicKey}`;
  }
  return sha256(text, 'base64url');
}

/**
 * For a developer not loaded from manifests: its fields stand for the entry (its applications,
 * their credentials and registrations included), its secrets for the references.
 */
function syncSourceOf(developer: DesiredDeveloper): SyncSource {
  const credentialsOf = (credentials: readonly DesiredCredential[]) =>
    credentials.map((c) => [c.type, c.identity, c.fields, Object.keys(c.secrets)]);
  const applications = (developer.applications ?? []).map((a) => [
    a.name,
    a.description,
    credentialsOf(a.credentials),
    a.registrations.map((r) => [r.api, r.status]),
  ]);
  const entry = JSON.stringify([
    FORMAT,
    developer.email,
    developer.fullName,
    developer.status,
    developer.customId,
    developer.meta,
    credentialsOf(developer.credentials),
    ...(applications.length > 0 ? [applications] : []),
  ]);
  const everyCredential = [...developer.credentials, ...(developer.applications ?? []).flatMap((a) => a.credentials)];
  const references = everyCredential.flatMap((c) =>
    Object.entries(c.secrets).map(([field, secret]) => ({ type: c.type, field, secret })),
  );
  return { content: sha256(entry, 'base64url'), references };
}
