// `export --format deck`: the approved developers as Kong consumers in a decK file
// (checked against decK's own JSON Schema, kong_json_schema.json).
//
// - One consumer per approved developer (username = email); pending, rejected and revoked
//   developers hold no working credentials, so they are left out, as are inactive credentials.
// - One consumer per application of an approved developer (username = `<email>/<application>`,
//   docs/applications.md) holding the application's credentials, with an acl group `api:<name>` for each
//   API it holds an approved registration to; a developer whose acl groups meet an API's
//   `aclGroups` gets `api:<name>` too. A Kong service admits an API's callers with the acl plugin
//   `allow: ["api:<name>"]`.
// - decK needs the values Kong would generate (keys, secrets, passwords), so this export carries
//   secret values, decrypted with the state key; the file must be treated as a secret.
// - `_info.select_tags` scopes a `deck gateway sync` of this file to the entities it tags:
//   without it, decK would delete every service, route and consumer the file does not list.
import { Document } from 'yaml';
import { PortalformError } from '../errors.js';
import { compareCodeUnits } from '../util/strings.js';
import { CREDENTIAL_SPECS, credentialAddress, secretIsUsed, type CredentialType } from '../model.js';
import { generateSecretValue, type Vault } from '../secrets/vault.js';
import type { StateSnapshot, StoredCredential } from '../store/types.js';

export const DECK_FORMAT_VERSION = '3.0';
export const DECK_SELECT_TAG = 'managed-by:portalform';
export const DECK_TAGS: readonly string[] = ['portalform', DECK_SELECT_TAG];

type Fields = Record<string, unknown>;
type SecretOf = (field: string) => string;

/** How each credential type appears under a decK consumer. */
const DECK_CREDENTIALS: Record<
  CredentialType,
  { collection: string; entity(fields: Fields, secret: SecretOf): Fields }
> = {
  acl: { collection: 'acls', entity: (f) => ({ group: f.group }) },
  'key-auth': {
    collection: 'keyauth_credentials',
    entity: (f, secret) => ({
      key: secret('key'),
      ...(f.ttl === undefined ? {} : { ttl: f.ttl }),
      tags: [...DECK_TAGS, nameTag(String(f.name))],
    }),
  },
  'basic-auth': {
    collection: 'basicauth_credentials',
    entity: (f, secret) => ({ username: f.username, password: secret('password') }),
  },
  'hmac-auth': {
    collection: 'hmacauth_credentials',
    entity: (f, secret) => ({ username: f.username, secret: secret('secret') }),
  },
  jwt: {
    collection: 'jwt_secrets',
    entity: (f, secret) => ({
      key: f.key,
      algorithm: f.algorithm ?? 'HS256',
      secret: secret('secret'),
      ...(f.rsaPublicKey === undefined ? {} : { rsa_public_key: f.rsaPublicKey }),
    }),
  },
  oauth2: {
    collection: 'oauth2_credentials',
    entity: (f, secret) => ({
      name: f.name,
      client_id: f.clientId,
      client_secret: secret('clientSecret'),
      redirect_uris: f.redirectUris ?? [],
      client_type: f.clientType ?? 'confidential',
      hash_secret: f.hashSecret ?? false,
    }),
  },
};

const COLLECTION_ORDER = Object.values(DECK_CREDENTIALS)
  .map((d) => d.collection)
  .sort();

/**
 * The decK file object. Throws when a secret value of a credential the manifests manage cannot be
 * recovered from the state; a self-made one (`serve`) without a recoverable copy is left out and
 * named through `warn`, since only its developer can give it a new value.
 */
export function exportDeck(
  state: StateSnapshot,
  vault: Vault,
  warn: (message: string) => void = () => undefined,
): Record<string, unknown> {
  const owners = consumersOf(state);
  requireRecoverableSecrets(owners, vault);
  const leftOut = owners.flatMap((owner) => owner.credentials.filter(isLeftOut).map(owner.addressOf));
  if (leftOut.length > 0) warn(leftOutMessage(leftOut));
  return {
    _format_version: DECK_FORMAT_VERSION,
    _info: { select_tags: [DECK_SELECT_TAG] },
    consumers: owners.map((owner) => consumer(owner, vault)),
  };
}

/** What the decK file of this state holds: consumers, credentials, and secret values handed out. */
export function deckContents(state: StateSnapshot): { consumers: number; credentials: number; secrets: number } {
  const owners = consumersOf(state);
  const credentials = owners.flatMap(exportedCredentials);
  return {
    consumers: owners.length,
    credentials: credentials.length,
    secrets: credentials.reduce((n, credential) => n + usedSecretFields(credential).length, 0),
  };
}

/** Who becomes a Kong consumer: an approved developer, or one of its applications. */
interface ConsumerSource {
  username: string;
  customId: string | null;
  credentials: readonly StoredCredential[];
  /** The `api:<name>` acl groups it gets beside its own acl credentials. */
  apiGroups: string[];
  addressOf(credential: StoredCredential): string;
}

/** The approved developers, each followed by its applications, developers by email, applications by name. */
function consumersOf(state: StateSnapshot): ConsumerSource[] {
  const apis = [...(state.apis ?? [])].sort((a, b) => compareCodeUnits(a.name, b.name));
  return state.developers
    .filter((d) => d.status === 'approved')
    .sort((a, b) => compareCodeUnits(a.email, b.email))
    .flatMap((developer) => {
      const groups = new Set(
        developer.credentials.filter((c) => c.type === 'acl' && c.active).map((c) => String(c.fields.group)),
      );
      const own: ConsumerSource = {
        username: developer.email,
        customId: developer.customId,
        credentials: developer.credentials,
        apiGroups: apis.filter((api) => api.aclGroups.some((g) => groups.has(g))).map((api) => apiGroup(api.name)),
        addressOf: (c) => credentialAddress(developer.email, c.type, c.identity),
      };
      const applications = [...(developer.applications ?? [])]
        .sort((a, b) => compareCodeUnits(a.name, b.name))
        .map((application) => ({
          username: `${developer.email}/${application.name}`,
          customId: null,
          credentials: application.credentials,
          apiGroups: application.registrations
            .filter((r) => r.status === 'approved')
            .map((r) => r.api)
            .sort(compareCodeUnits)
            .map(apiGroup),
          addressOf: (c: StoredCredential) => credentialAddress(developer.email, c.type, c.identity, application.name),
        }));
      return [own, ...applications];
    });
}

/** The acl group that admits an API's callers; manifests may not name a group with this prefix. */
export function apiGroup(name: string): string {
  return `api:${name}`;
}

/** The decK file as YAML, headed by a warning that it holds secrets. */
export function deckYaml(deck: Record<string, unknown>): string {
  const document = new Document(deck);
  document.commentBefore =
    ' Generated by portalform export --format deck. It holds secret values: keep it out of version control.';
  return document.toString({ lineWidth: 0 });
}

function consumer(owner: ConsumerSource, vault: Vault): Fields {
  const collections: Record<string, Fields[]> = {};
  for (const credential of exportedCredentials(owner)) {
    const { collection, entity } = DECK_CREDENTIALS[credential.type];
    const secret: SecretOf = (field) => secretValue(credential, field, vault);
    // An entity that brings tags of its own (key-auth's name) replaces the default ones.
    (collections[collection] ??= []).push({ tags: [...DECK_TAGS], ...entity(credential.fields, secret) });
  }
  for (const group of owner.apiGroups) (collections.acls ??= []).push({ tags: [...DECK_TAGS], group });
  return {
    username: owner.username,
    ...(owner.customId === null ? {} : { custom_id: owner.customId }),
    tags: [...DECK_TAGS],
    ...Object.fromEntries(
      COLLECTION_ORDER.filter((name) => collections[name]).map((name) => [name, collections[name]]),
    ),
  };
}

function secretValue(credential: StoredCredential, field: string, vault: Vault): string {
  const ciphertext = credential.secrets[field]?.ciphertext;
  if (ciphertext !== undefined && vault.canEncrypt) return vault.open(credential.id, field, ciphertext);
  // Only a secret Kong never uses (an asymmetric jwt's) gets here, and decK still requires one.
  return generateSecretValue();
}

function exportedCredentials(owner: Pick<ConsumerSource, 'credentials'>): StoredCredential[] {
  return owner.credentials
    .filter((c) => c.active && !isLeftOut(c))
    .sort((a, b) => compareCodeUnits(`${a.type}:${a.identity}`, `${b.type}:${b.identity}`));
}

/** A self-made credential whose secret the state holds no recoverable copy of (stored without a state key). */
function isLeftOut(credential: StoredCredential): boolean {
  return credential.active && credential.origin !== 'manifest' && !recoverable(credential);
}

function recoverable(credential: StoredCredential): boolean {
  return usedSecretFields(credential).every((field) => credential.secrets[field]?.ciphertext !== undefined);
}

function requireRecoverableSecrets(owners: ConsumerSource[], vault: Vault): void {
  const needed = owners.flatMap((owner) =>
    exportedCredentials(owner).flatMap((credential) =>
      usedSecretFields(credential).map((field) => ({
        name: `${owner.addressOf(credential)} ${field}`,
        recoverable: credential.secrets[field]?.ciphertext !== undefined,
      })),
    ),
  );
  if (needed.length > 0 && !vault.canEncrypt) {
    throw new PortalformError(
      'exporting to decK needs the secret values: set PORTALFORM_STATE_KEY (or --state-key-file) to the key this state encrypts them with',
    );
  }
  const lost = needed.filter((n) => !n.recoverable).map((n) => n.name);
  if (lost.length === 0) return;
  throw new PortalformError(
    'exporting to decK needs the secret values, and the state holds no recoverable copy of these ' +
      '(stored before PORTALFORM_STATE_KEY was set, or only as a hash): give them new values ' +
      `(apply --rotate ADDR for generated ones, or change them at their source), then export again: ${someOf(lost)}`,
  );
}

function leftOutMessage(addresses: string[]): string {
  return (
    `left out of the decK file: ${addresses.length === 1 ? 'a credential' : `${addresses.length} credentials`} ` +
    'developers made in the portal while it ran without a state key, so the state holds no recoverable copy of their secrets; ' +
    `a developer who rotates theirs in the portal makes it exportable: ${someOf(addresses)}`
  );
}

function someOf(names: string[]): string {
  const more = names.length > 10 ? ` and ${names.length - 10} more` : '';
  return `${names.slice(0, 10).join(', ')}${more}`;
}

function usedSecretFields(credential: StoredCredential): string[] {
  return CREDENTIAL_SPECS[credential.type].secretFields.filter((field) =>
    secretIsUsed(credential.type, credential.fields, field),
  );
}

/** key-auth's name has no field in Kong, so it travels as a tag (Kong tags forbid spaces, commas and slashes). */
function nameTag(name: string): string {
  return `portalform-name:${encodeURIComponent(name)}`;
}
