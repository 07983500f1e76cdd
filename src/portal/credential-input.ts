// A credential as a developer asks for it: the type's identity and non-secret fields, checked as
// the manifests' schema and rules check them. Secret fields are refused: the service generates them.
import { checkCredentialFields } from '../manifest/validate.js';
import type { ManifestCredential } from '../manifest/schema.js';
import { CREDENTIAL_SPECS, JWT_ALGORITHMS, type CredentialType } from '../model.js';
import { redirectUriProblem } from '../util/redirect-uri.js';
import { refusedCharacterProblem, type TextKind } from '../util/refused-characters.js';
import { PortalError, type FieldError } from './contract.js';

type FieldCheck = (value: unknown) => string | undefined;

const nonBlank: FieldCheck = (value) =>
  typeof value === 'string' && /\S/.test(value) ? undefined : 'must be a non-empty string';
/** A non-empty string without the characters no name or identifier may hold. */
const text =
  (kind: TextKind): FieldCheck =>
  (value) =>
    nonBlank(value) ?? refusedCharacterProblem(value as string, kind);
const identifier = text('identifier');
const oneOf =
  (choices: readonly string[]): FieldCheck =>
  (value) =>
    typeof value === 'string' && choices.includes(value) ? undefined : `must be one of ${choices.join(', ')}`;

/** Per type, the fields a developer may give (the JSON Schema's, less the secrets). */
const FIELDS: Record<Exclude<CredentialType, 'acl'>, Record<string, FieldCheck>> = {
  'key-auth': {
    name: identifier,
    ttl: (value) =>
      Number.isInteger(value) && (value as number) >= 0 ? undefined : 'must be a whole number of seconds, 0 or more',
  },
  'basic-auth': { username: identifier },
  oauth2: {
    name: identifier,
    clientId: identifier,
    redirectUris: (value) => {
      if (!Array.isArray(value) || value.some((uri) => typeof uri !== 'string' || uri.length === 0))
        return 'must be an array of URLs';
      return new Set(value).size === value.length ? undefined : 'must not repeat a URI';
    },
    clientType: oneOf(['confidential', 'public']),
    hashSecret: (value) => (typeof value === 'boolean' ? undefined : 'must be true or false'),
  },
  'hmac-auth': { username: identifier },
  jwt: { key: identifier, algorithm: oneOf(JWT_ALGORITHMS), rsaPublicKey: text('free') },
};

/** What the manifests fill in when a field is omitted (as their loader does). */
export function defaultFields(type: CredentialType): Record<string, unknown> {
  if (type === 'jwt') return { algorithm: 'HS256' };
  if (type === 'oauth2') return { clientType: 'confidential', hashSecret: false, redirectUris: [] };
  return {};
}

/**
 * Checks the fields a developer gives for a credential of `type` (`type` itself excluded) and
 * returns them merged over `base`: the defaults at create, the stored fields at an edit.
 */
export function credentialFields(
  type: CredentialType,
  input: Record<string, unknown>,
  base: Record<string, unknown>,
): Record<string, unknown> {
  const spec = CREDENTIAL_SPECS[type];
  const allowed = FIELDS[type as keyof typeof FIELDS];
  const errors: FieldError[] = [];
  for (const [field, value] of Object.entries(input)) {
    if (spec.secretFields.includes(field))
      errors.push({ field, message: `${field} is a secret: the service generates it, it cannot be given` });
    else if (!allowed || !(field in allowed))
      errors.push({
        field,
        message: `unknown field for a ${type} credential${allowed ? `; allowed: ${Object.keys(allowed).join(', ')}` : ''}`,
      });
    else {
      const problem = allowed[field]!(value);
      if (problem) errors.push({ field, message: problem });
    }
  }
  if (errors.length === 0 && Array.isArray(input.redirectUris)) errors.push(...redirectUriErrors(input.redirectUris));
  const fields = { ...base, ...input };
  if (errors.length === 0 && typeof fields[spec.identityField] !== 'string') {
    errors.push({ field: spec.identityField, message: `${spec.identityField} is required: it names the credential` });
  }
  if (errors.length === 0) {
    for (const problem of checkCredentialFields({ type, ...fields } as ManifestCredential)) {
      errors.push({ field: fieldOfPointer(problem.pointer), message: problem.message });
    }
  }
  if (errors.length > 0)
    throw new PortalError(400, 'Invalid credential', errors.map((e) => `${e.field}: ${e.message}`).join('; '), errors);
  return fields;
}

/** Each refused redirect URI, named by its index, as a manifest's would be. */
function redirectUriErrors(uris: string[]): FieldError[] {
  return uris.flatMap((uri, i) => {
    const message = redirectUriProblem(uri);
    return message ? [{ field: `redirectUris[${i}]`, message }] : [];
  });
}

/** `/redirectUris/0` → `redirectUris[0]`. */
function fieldOfPointer(pointer: string): string {
  const [field, ...indexes] = pointer.split('/').filter(Boolean);
  return `${field}${indexes.map((i) => `[${i}]`).join('')}`;
}
