// Checks one document against schemas/manifest.schema.json and turns Ajv's errors into located,
// actionable diagnostics.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import type Ajv2020 from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import type { AccessCredentialType, CredentialType, Diagnostic, JwtAlgorithm, Status } from '../model.js';
import { locate, pointerSegment } from './positions.js';
import { quoteForMessage } from '../util/strings.js';
import type { ParsedDocument } from './parse.js';

/** A literal string, or where to read the value from. */
export type SecretRef = string | { fromEnv: string } | { fromFile: string };

export interface ManifestDocument {
  version: 1;
  portal?: ManifestPortal;
  apis?: ManifestApi[];
  developers?: ManifestDeveloper[];
  moved?: ManifestMoved[];
  removed?: ManifestRemoved[];
}

/** The `portal:` block (docs/portal-service.md#settings); an omitted field takes its default (portal-settings.ts). */
export interface ManifestPortal {
  credentialTypes?: CredentialType[];
  autoApprove?: boolean;
  allowShortKeys?: boolean;
  selfService?: {
    enabled?: boolean;
    credentialTypes?: CredentialType[];
    maxCredentials?: number;
    maxApplications?: number;
  };
  autoApproveRegistrations?: boolean;
  access?: { keyNames?: string[]; credentialTypes?: AccessCredentialType[] };
}

/** An API the portal publishes (docs/applications.md). */
export interface ManifestApi {
  name: string;
  title?: string;
  description?: string;
  autoApproveRegistrations?: boolean;
  aclGroups?: string[];
}

/** One of a developer's applications (docs/applications.md); its credentials are never acl. */
export interface ManifestApplication {
  name: string;
  description?: string;
  credentials?: ManifestCredential[];
  registrations?: ManifestRegistration[];
}

export interface ManifestRegistration {
  api: string;
  status: Status;
}

export interface ManifestDeveloper {
  email: string;
  /** Omitted only by an entry that adopts a self-registered developer (docs/unmanaged.md). */
  fullName?: string;
  status: Status;
  customId?: string;
  meta?: Record<string, string>;
  credentials?: ManifestCredential[];
  applications?: ManifestApplication[];
}

/** `from` and `to`: two emails, two application addresses of one developer, or two API addresses (moved.ts). */
export interface ManifestMoved {
  from: string;
  to: string;
}

/** A `removed` entry (docs/unmanaged.md): `credential` is `type:identity`; removed.ts checks the combination. */
export interface ManifestRemoved {
  developer: string;
  application?: string;
  credential?: string;
  registration?: string;
  keep?: boolean;
}

export type ManifestCredential =
  | { type: 'acl'; group: string }
  | { type: 'key-auth'; name: string; key?: SecretRef; ttl?: number }
  | { type: 'basic-auth'; username: string; password?: SecretRef }
  | {
      type: 'oauth2';
      name: string;
      clientId?: string;
      clientSecret?: SecretRef;
      redirectUris?: string[];
      clientType?: 'confidential' | 'public';
      hashSecret?: boolean;
    }
  | { type: 'hmac-auth'; username: string; secret?: SecretRef }
  | {
      type: 'jwt';
      key: string;
      algorithm?: JwtAlgorithm;
      secret?: SecretRef;
      rsaPublicKey?: string | { fromFile: string };
    };

/** Ajv's options for the manifest schema; the build compiles the same into `schema-validator.cjs`. */
export const AJV_OPTIONS = { allErrors: true, strict: true, allowUnionTypes: true, verbose: true } as const;
export const STANDALONE_VALIDATOR = 'schema-validator.cjs';

/** The schema's pattern of an API's or an application's name. */
export const NAME_PATTERN = '^[a-z0-9-]{1,63}$';

type Validator = ValidateFunction<unknown>;
let compiled: Validator | undefined;

/**
 * The validator the build compiled beside this module (so that no command pays for compiling the
 * schema at its start), else — running from the sources — one compiled now.
 */
function validateSchema(value: unknown): { valid: boolean; errors: ErrorObject[] } {
  compiled ??= loadStandalone() ?? compileSchema();
  const valid = compiled(value);
  return { valid, errors: valid ? [] : (compiled.errors ?? []) };
}

/** Ajv itself is loaded only here: a command that runs the build's validator never pays for it. */
function compileSchema(): Validator {
  const { default: Ajv } = createRequire(import.meta.url)('ajv/dist/2020.js') as typeof Ajv2020;
  return new Ajv(AJV_OPTIONS).compile(JSON.parse(readFileSync(findSchemaFile(), 'utf8')));
}

function loadStandalone(): Validator | undefined {
  const file = fileURLToPath(new URL(STANDALONE_VALIDATOR, import.meta.url));
  if (!existsSync(file)) return undefined;
  const module = createRequire(import.meta.url)(file) as { default?: Validator } | Validator;
  return typeof module === 'function' ? module : module.default;
}

export type SchemaResult =
  | { manifest: ManifestDocument; diagnostics: []; pointers: [] }
  /** `pointers`: where each error is, for salvage.ts. */
  | { manifest: null; diagnostics: Diagnostic[]; pointers: string[] };

export function checkDocumentSchema(file: string, doc: ParsedDocument): SchemaResult {
  const result = validateSchema(doc.value);
  if (result.valid) return { manifest: doc.value as ManifestDocument, diagnostics: [], pointers: [] };
  const errors = relevantErrors(result.errors);
  const pointers: string[] = [];
  const diagnostics = errors.map((e): Diagnostic => {
    const unknownKey = e.keyword === 'additionalProperties';
    const pointer = unknownKey ? e.instancePath + pointerSegment(e.params.additionalProperty) : itemPointer(e);
    pointers.push(pointer);
    return {
      severity: 'error',
      message: describeError(e),
      location: locate(file, doc, pointer, unknownKey ? 'key' : 'value'),
    };
  });
  return { manifest: null, diagnostics, pointers };
}

/** Walks up from this module (src/manifest or dist/src/manifest) to the package's schemas directory. */
export function findSchemaFile(): string {
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'schemas', 'manifest.schema.json');
    if (existsSync(candidate) && existsSync(path.join(dir, 'package.json'))) return candidate;
    if (path.dirname(dir) === dir) throw new Error(`schemas/manifest.schema.json not found above ${import.meta.url}`);
  }
}

/**
 * Drops the noise: the `if` errors that only say a credential's branch failed, and a missing
 * required key that an unknown key's "did you mean" already names.
 */
function relevantErrors(errors: ErrorObject[]): ErrorObject[] {
  const suggested = new Set(
    errors.filter((e) => e.keyword === 'additionalProperties').map((e) => `${e.instancePath}\0${suggestKey(e)}`),
  );
  return errors.filter(
    (e) =>
      e.keyword !== 'if' &&
      !(e.keyword === 'required' && suggested.has(`${e.instancePath}\0${e.params.missingProperty}`)),
  );
}

/** For a duplicate item, the later of the two. */
function itemPointer(e: ErrorObject): string {
  return e.keyword === 'uniqueItems'
    ? e.instancePath + pointerSegment(Math.max(e.params.i, e.params.j))
    : e.instancePath;
}

function describeError(e: ErrorObject): string {
  const field = fieldName(e.instancePath);
  switch (e.keyword) {
    case 'additionalProperties': {
      const key: string = e.params.additionalProperty;
      const suggestion = suggestKey(e);
      const hint = suggestion ? `did you mean \`${suggestion}\`?` : `allowed here: ${allowedKeys(e).join(', ')}`;
      return `unknown key ${quote(key)} in ${field}; ${hint}`;
    }
    case 'required':
      return `${field} is missing required key \`${e.params.missingProperty}\`${credentialContext(e)}`;
    case 'enum': {
      if (e.data === 'acl' && /^\/portal\/selfService\/credentialTypes\/\d+$/.test(e.instancePath)) {
        return `${field}: acl is never self-service: group membership is an authorization decision, made in manifests; remove it`;
      }
      if (e.data === 'acl' && /\/applications\/\d+\/credentials\/\d+\/type$/.test(e.instancePath)) {
        return `${field}: an application holds no acl credential: acl groups belong to the developer; declare it under the developer's credentials`;
      }
      const allowed = (e.params.allowedValues as unknown[]).map(String);
      const given = typeof e.data === 'object' ? jsonTypeOf(e.data) : quote(String(e.data));
      const suggestion = typeof e.data === 'string' ? closest(e.data, allowed) : undefined;
      const hint = suggestion ? `did you mean \`${suggestion}\`? ` : '';
      return `${field}: ${given} is not allowed; ${hint}allowed: ${allowed.join(', ')}`;
    }
    case 'const':
      return `${field} must be ${JSON.stringify(e.params.allowedValue)}`;
    case 'type':
      return e.instancePath === ''
        ? `a manifest document must be a mapping that starts with \`version: 1\`, not ${jsonTypeOf(e.data)}`
        : `${field} must be ${expectedType(e)}, not ${jsonTypeOf(e.data)}`;
    case 'minLength':
      return `${field} must not be empty`;
    case 'pattern':
      return e.params.pattern === NAME_PATTERN
        ? `${field} ${quote(String(e.data))} must be 1 to 63 characters of a-z, 0-9 and '-'`
        : `${field} must not be blank`;
    case 'minimum':
      return `${field} must be at least ${e.params.limit}`;
    case 'maximum':
      return `${field} must be at most ${e.params.limit}`;
    case 'uniqueItems':
      return `${field} lists the same item twice (at ${Math.min(e.params.i, e.params.j)} and ${Math.max(e.params.i, e.params.j)})`;
    case 'minProperties':
    case 'maxProperties':
      return `${field} takes exactly one of \`fromEnv\` or \`fromFile\``;
    default:
      return `${field} ${e.message ?? 'is invalid'}`;
  }
}

/** A value from the manifest for a message, escaped and cut short: a key or value may be huge, or hold an ESC. */
function quote(text: string): string {
  return quoteForMessage(text, 'code');
}

/** `/developers/0/credentials/1/key` → `key`; an array item is named after its array: `redirectUris[0]`. */
function fieldName(pointer: string): string {
  const segments = pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  const last = segments.at(-1);
  if (last === undefined) return 'the document';
  const parent = segments.at(-2);
  // A segment may be any key the manifest writes (a meta key, an unknown key's parent).
  return /^\d+$/.test(last) && parent !== undefined ? `${quoteForMessage(parent)}[${last}]` : quote(last);
}

function credentialContext(e: ErrorObject): string {
  const type = (e.data as { type?: unknown } | null)?.type;
  return /\/credentials\/\d+$/.test(e.instancePath) && typeof type === 'string' ? ` for a ${type} credential` : '';
}

function allowedKeys(e: ErrorObject): string[] {
  return Object.keys((e.parentSchema?.properties as object | undefined) ?? {});
}

function suggestKey(e: ErrorObject): string | undefined {
  return closest(e.params.additionalProperty, allowedKeys(e));
}

function expectedType(e: ErrorObject): string {
  const types: string[] = [e.params.type].flat();
  if (types.includes('string') && types.includes('object')) {
    // A secret reference or a public key: name the mapping forms.
    return ['a string', ...allowedKeys(e).map((k) => `{ ${k}: ... }`)].join(' or ');
  }
  return types.map(article).join(' or ');
}

function jsonTypeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'number' && Number.isInteger(value)) return 'an integer';
  return article(typeof value);
}

function article(type: string): string {
  const names: Record<string, string> = { object: 'a mapping', array: 'a list', integer: 'an integer' };
  return names[type] ?? `a ${type}`;
}

/** The candidate nearest to `word`, if it is near enough to be a likely typo. */
function closest(word: string, candidates: readonly string[]): string | undefined {
  const limit = Math.max(1, Math.floor(word.length / 3));
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    if (Math.abs(word.length - candidate.length) > limit) continue;
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance <= limit && (!best || distance < best.distance)) best = { candidate, distance };
  }
  return best?.candidate;
}

/** Levenshtein distance, counting a swap of two adjacent characters as one edit. */
function editDistance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) rows[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2][j - 2] + 1);
      rows[i][j] = d;
    }
  }
  return rows[a.length][b.length];
}
