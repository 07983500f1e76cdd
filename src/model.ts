// Plain data passed between the pipeline's stages:
// load manifests → validate → resolve secrets → diff against state → order → render or apply → record.

export const STATUSES = ['pending', 'approved', 'rejected', 'revoked'] as const;
export type Status = (typeof STATUSES)[number];

export const CREDENTIAL_TYPES = ['key-auth', 'basic-auth', 'oauth2', 'hmac-auth', 'jwt', 'acl'] as const;
export type CredentialType = (typeof CREDENTIAL_TYPES)[number];

export const JWT_ALGORITHMS = [
  'HS256',
  'HS384',
  'HS512',
  'RS256',
  'RS384',
  'RS512',
  'ES256',
  'ES384',
  'ES512',
  'PS256',
  'PS384',
  'PS512',
  'EdDSA',
] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];

/** Where a value came from: every error a user sees points here. */
export interface Location {
  file: string;
  line: number;
  column: number;
}

export interface Diagnostic {
  severity: 'error' | 'warning';
  message: string;
  location?: Location;
}

/** How each credential type names itself, which of its fields are secret, and which must be unique portal-wide. */
export interface CredentialSpec {
  identityField: string;
  secretFields: readonly string[];
  /** A field whose value Kong requires to be unique among credentials of this type. */
  uniqueField?: string;
  /** Non-secret fields generated at create when omitted (then kept). */
  generatedFields: readonly string[];
}

export const CREDENTIAL_SPECS: Record<CredentialType, CredentialSpec> = {
  acl: { identityField: 'group', secretFields: [], generatedFields: [] },
  'key-auth': { identityField: 'name', secretFields: ['key'], uniqueField: 'key', generatedFields: [] },
  'basic-auth': { identityField: 'username', secretFields: ['password'], uniqueField: 'username', generatedFields: [] },
  oauth2: {
    identityField: 'name',
    secretFields: ['clientSecret'],
    uniqueField: 'clientId',
    generatedFields: ['clientId'],
  },
  'hmac-auth': { identityField: 'username', secretFields: ['secret'], uniqueField: 'username', generatedFields: [] },
  jwt: { identityField: 'key', secretFields: ['secret'], uniqueField: 'key', generatedFields: [] },
};

/** Kong verifies a jwt's signature with its secret only for HMAC algorithms; the others use rsaPublicKey. */
export function secretIsUsed(type: CredentialType, fields: Record<string, unknown>, field: string): boolean {
  return !(
    type === 'jwt' &&
    field === 'secret' &&
    typeof fields.algorithm === 'string' &&
    !fields.algorithm.startsWith('HS')
  );
}

/**
 * The value Kong requires unique per type, as stored beside a credential; key-auth keys are
 * secret, so their digest stands in. Apply and the portal service store it alike.
 */
export function uniqueValueOf(
  type: CredentialType,
  fields: Record<string, unknown>,
  secrets: Record<string, { digest: string }>,
): string | null {
  const field = CREDENTIAL_SPECS[type].uniqueField;
  if (!field) return null;
  const secret = secrets[field];
  if (secret) return secret.digest;
  const value = fields[field];
  return typeof value === 'string' ? value : null;
}

/** Where a secret value comes from. Never holds the value itself. */
export type SecretSource =
  | { kind: 'env'; name: string }
  | { kind: 'file'; path: string } // absolute, after symbolic links
  | { kind: 'literal'; location: Location };

export interface ResolvedSecret {
  source: SecretSource;
  value: string;
}

export interface DesiredCredential {
  type: CredentialType;
  /** The value of the type's identity field. */
  identity: string;
  /**
   * Non-secret manifest fields, the identity field included, defaults filled in
   * (jwt algorithm HS256, oauth2 clientType confidential, hashSecret false, redirectUris []).
   * jwt rsaPublicKey holds the PEM text whether written inline or via fromFile.
   */
  fields: Record<string, unknown>;
  /** Secret fields present in the manifest, resolved. An omitted one means "generate at create, then keep". */
  secrets: Record<string, ResolvedSecret>;
  /** Where the manifest declares it (may be computed when read). */
  readonly location: Location;
}

/** What a developer's sync digest is computed from, without building its credentials (see plan/digest.ts). */
export interface SyncSource {
  /** SHA-256 of the developer's manifest entry as written. */
  content: string;
  /** Its resolved references in manifest order: secret values (digested with the state's key) and public keys. */
  references: ReadonlyArray<{ type: CredentialType; field: string; secret?: ResolvedSecret; publicKey?: string }>;
}

export interface DesiredDeveloper {
  /** Lower-case. */
  email: string;
  /** Null: the entry leaves the name to the developer (an adopting entry may, docs/unmanaged.md). */
  fullName: string | null;
  status: Status;
  customId: string | null;
  meta: Record<string, string>;
  readonly credentials: DesiredCredential[];
  /** Set by the manifest loader; a developer built otherwise is digested from its fields. */
  readonly sync?: SyncSource;
  /** Where the manifest declares it (may be computed when read). */
  readonly location: Location;
}

export interface MovedBlock {
  from: string; // lower-case
  to: string; // lower-case
  location: Location;
}

/** A `removed` entry: delete, or with `keep` release, a developer (and all it owns) or one credential. */
export interface RemovedBlock {
  /** Lower-case. */
  developer: string;
  credential?: { type: CredentialType; identity: string };
  keep: boolean;
  location: Location;
}

export interface DesiredState {
  credentialTypes: CredentialType[];
  /** The `portal:` block's settings, defaults filled (docs/portal-service.md#settings): the defaults when no document carries one. */
  portal: PortalSettings;
  developers: DesiredDeveloper[];
  moved: MovedBlock[];
  /** Absent: none. */
  removed?: RemovedBlock[];
  /** SHA-256 over the sorted (path, content) pairs of the manifest files. */
  manifestDigest: string;
  files: string[];
}

export function developerAddress(email: string): string {
  return `developer[${JSON.stringify(email)}]`;
}

export function credentialAddress(email: string, type: CredentialType, identity: string): string {
  return `${developerAddress(email)}.credential[${JSON.stringify(`${type}:${identity}`)}]`;
}

/** The portal's settings as apply stores them (docs/portal-service.md#settings); defaults when the manifests have no `portal:` block. */
export interface PortalSettings {
  credentialTypes: CredentialType[];
  autoApprove: boolean;
  allowShortKeys: boolean;
  selfService: {
    enabled: boolean;
    /** Never holds `acl`. */
    credentialTypes: CredentialType[];
    maxCredentials: number;
  };
}
