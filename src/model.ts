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

/** An API the portal publishes (docs/applications.md); only manifests declare them. */
export interface DesiredApi {
  /** Identity: a-z, 0-9 and '-', 1–63 characters. */
  name: string;
  title: string | null;
  description: string | null;
  /** Null: the portal's `autoApproveRegistrations` decides. */
  autoApproveRegistrations: boolean | null;
  /** Holders of these acl groups may call it with their own credentials; [] when omitted. */
  aclGroups: string[];
  readonly location: Location;
}

/** An application's registration to an API (docs/applications.md). */
export interface DesiredRegistration {
  api: string;
  status: Status;
  readonly location: Location;
}

/** One of a developer's applications (docs/applications.md). */
export interface DesiredApplication {
  /** Identity, unique per developer: a-z, 0-9 and '-', 1–63 characters. */
  name: string;
  /** Null: the entry leaves the description to the developer. */
  description: string | null;
  /** Never `acl`. */
  readonly credentials: DesiredCredential[];
  readonly registrations: DesiredRegistration[];
  readonly location: Location;
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
  /** Its applications; absent: none. */
  readonly applications?: DesiredApplication[];
  /** Set by the manifest loader; a developer built otherwise is digested from its fields. */
  readonly sync?: SyncSource;
  /** Where the manifest declares it (may be computed when read). */
  readonly location: Location;
}

/**
 * A `moved` entry. Without `kind` (or `developer`): emails, lower-case. `application`: `email` is the
 * developer's and from/to are application names. `api`: from/to are API names.
 */
export interface MovedBlock {
  kind?: 'developer' | 'application' | 'api';
  /** The owning developer of a moved application. */
  email?: string;
  from: string; // lower-case
  to: string; // lower-case
  location: Location;
}

/** A `removed` entry: delete, or with `keep` release, a developer (and all it owns) or one credential. */
export interface RemovedBlock {
  /** Lower-case. */
  developer: string;
  /** Names one of the developer's applications; `credential` and `registration` are then the application's. */
  application?: string;
  credential?: { type: CredentialType; identity: string };
  /** An API name: one registration of `application`. */
  registration?: string;
  keep: boolean;
  location: Location;
}

export interface DesiredState {
  credentialTypes: CredentialType[];
  /** The `portal:` block's settings, defaults filled (docs/portal-service.md#settings): the defaults when no document carries one. */
  portal: PortalSettings;
  /** The APIs the manifests declare; absent: none. */
  apis?: DesiredApi[];
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

/** A credential's address; with `application`, one of that application's credentials. */
export function credentialAddress(email: string, type: CredentialType, identity: string, application?: string): string {
  const owner = application === undefined ? developerAddress(email) : applicationAddress(email, application);
  return `${owner}.credential[${JSON.stringify(`${type}:${identity}`)}]`;
}

export function apiAddress(name: string): string {
  return `api[${JSON.stringify(name)}]`;
}

export function applicationAddress(email: string, application: string): string {
  return `${developerAddress(email)}.application[${JSON.stringify(application)}]`;
}

export function registrationAddress(email: string, application: string, api: string): string {
  return `${applicationAddress(email, application)}.registration[${JSON.stringify(api)}]`;
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
    /** Self-made applications a developer may hold (docs/applications.md). */
    maxApplications: number;
  };
  /** Whether a requested registration starts approved (an API's own setting overrides it). */
  autoApproveRegistrations: boolean;
  /** How access checks read credentials (docs/access-checks.md); absent: ACCESS_DEFAULTS. */
  access?: AccessSettings;
}

/** The credential types an access check may read (docs/access-checks.md): oauth2 and acl never. */
export const ACCESS_CREDENTIAL_TYPES = ['key-auth', 'basic-auth', 'hmac-auth', 'jwt'] as const;
export type AccessCredentialType = (typeof ACCESS_CREDENTIAL_TYPES)[number];

export interface AccessSettings {
  /** Header names (any case) and query parameters (exactly) that carry a key-auth key. */
  keyNames: string[];
  /** What a check reads, in this order: the first present in the request decides. */
  credentialTypes: AccessCredentialType[];
}

export const ACCESS_DEFAULTS: AccessSettings = { keyNames: ['apikey'], credentialTypes: [...ACCESS_CREDENTIAL_TYPES] };
