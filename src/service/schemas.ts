// The JSON Schemas of the service's request bodies. Fastify validates every body with them on
// Ajv (no coercion, no removal: an unknown field or a wrong type is a 400 naming it), and
// @fastify/swagger publishes them in openapi.json. A credential's body is derived from the
// manifest schema's definition of its type, minus the secret fields: the service generates
// secrets, a developer never chooses one.
import { readFileSync } from 'node:fs';
import { CREDENTIAL_SPECS, CREDENTIAL_TYPES, type CredentialType } from '../model.js';
import { findSchemaFile } from '../manifest/schema.js';

type Schema = Record<string, unknown>;

/** Longest accepted string in a body, where no other limit applies. */
const MAX_TEXT = 1024;
/** A PEM public key is a few kilobytes at most. */
const MAX_PEM = 16384;
/** scrypt hashes any length, but an endless password only costs the server. */
export const MAX_PASSWORD = 1024;
const MAX_EMAIL = 254;

const text = (description: string, maxLength = MAX_TEXT): Schema => ({
  type: 'string',
  minLength: 1,
  maxLength,
  description,
});
const email: Schema = {
  type: 'string',
  minLength: 1,
  maxLength: MAX_EMAIL,
  description: "The developer's email; compared case-insensitively.",
};
const password = (description: string): Schema => ({
  type: 'string',
  minLength: 1,
  maxLength: MAX_PASSWORD,
  description,
});
const fullName: Schema = {
  type: 'string',
  minLength: 1,
  maxLength: 200,
  pattern: '\\S',
  description: "The developer's full name.",
};

function body(properties: Record<string, Schema>, required: string[] = Object.keys(properties)): Schema {
  return { type: 'object', additionalProperties: false, required, properties };
}

export const registerBody = body({ email, fullName, password: password('The portal password to log in with.') });
export const loginBody = body({ email, password: password('The portal password.') });
export const inviteBody = body({
  token: text('The token of an invite link (`portalform invite`) or of a password reset link.'),
  password: password('The new portal password: at least 12 characters, not easy to guess.'),
});
export const passwordResetBody = body({ email });
export const verifyBody = body({
  token: text('The token of the link mailed to the address.'),
  password: password("The account's portal password."),
});
export const resendBody = body({ email });
export const updateMeBody = body({ fullName });
export const changeEmailBody = body({ email, password: password('The current portal password, to confirm.') });
export const changePasswordBody = body({
  currentPassword: password('The current portal password.'),
  newPassword: password('The new portal password.'),
});
export const deleteMeBody = body({ password: password('The current portal password, to confirm.') });
export const credentialParams = body({ id: text('The credential id, as listed.', 128) });

const manifestDefinitions = (): Record<string, Schema> =>
  (JSON.parse(readFileSync(findSchemaFile(), 'utf8')) as { $defs: Record<string, Schema> }).$defs;

/** Each credential type's fields without its secrets: `{ key-auth: { name, ttl }, … }`, from the manifest schema. */
function credentialFieldSchemas(): Record<CredentialType, { properties: Record<string, Schema>; required: string[] }> {
  const defs = manifestDefinitions();
  const byType = new Map<string, Schema>();
  for (const def of Object.values(defs)) {
    const type = (def.properties as Record<string, { const?: string }> | undefined)?.type?.const;
    if (type) byType.set(type, def);
  }
  return Object.fromEntries(
    CREDENTIAL_TYPES.map((type) => {
      const def = byType.get(type);
      if (!def) throw new Error(`the manifest schema has no definition for credential type ${type}`);
      const secret = new Set(CREDENTIAL_SPECS[type].secretFields);
      const properties = Object.fromEntries(
        Object.entries(def.properties as Record<string, Schema>)
          .filter(([field]) => !secret.has(field))
          .map(([field, schema]) => [field, serviceField(field, schema, defs)]),
      );
      const required = ((def.required as string[] | undefined) ?? []).filter((field) => !secret.has(field));
      return [type, { properties, required }];
    }),
  ) as Record<CredentialType, { properties: Record<string, Schema>; required: string[] }>;
}

/** A manifest field as a body takes it: references resolved, plain values only, lengths bounded. */
function serviceField(field: string, schema: Schema, defs: Record<string, Schema>): Schema {
  const { $ref, default: _default, ...rest } = schema;
  const resolved: Schema = typeof $ref === 'string' ? { ...defs[$ref.replace('#/$defs/', '')], ...rest } : rest;
  // rsaPublicKey's `{ fromFile }` form reads the manifest's files; over HTTP it is the PEM text.
  if (field === 'rsaPublicKey')
    return {
      type: 'string',
      minLength: 1,
      maxLength: MAX_PEM,
      description: 'The PEM public key that verifies RS*, PS*, ES* and EdDSA tokens.',
    };
  if (resolved.type === 'string' && resolved.enum === undefined && resolved.maxLength === undefined)
    return { ...resolved, maxLength: MAX_TEXT };
  if (resolved.type === 'array')
    return { ...resolved, maxItems: 32, items: { ...(resolved.items as Schema), maxLength: MAX_TEXT } };
  return resolved;
}

export const CREDENTIAL_FIELDS = credentialFieldSchemas();

/** The fields a credential may show: its type's identity and non-secret fields, and the service's own. */
const PUBLIC_FIELDS = new Map<CredentialType, ReadonlySet<string>>();

export function publicFieldsOf(type: CredentialType): ReadonlySet<string> {
  let fields = PUBLIC_FIELDS.get(type);
  if (!fields)
    PUBLIC_FIELDS.set(
      type,
      (fields = new Set([
        ...Object.keys(CREDENTIAL_FIELDS[type].properties),
        'id',
        'active',
        'origin',
        'createdAt',
        'managed',
      ])),
    );
  return fields;
}

/** `POST /api/v1/credentials`: `type` chooses which other fields are allowed. */
export const createCredentialBody: Schema = {
  type: 'object',
  required: ['type'],
  properties: {
    type: { enum: [...CREDENTIAL_TYPES], description: 'The credential type: the Kong auth plugin it belongs to.' },
  },
  allOf: CREDENTIAL_TYPES.map((type) => ({
    if: { properties: { type: { const: type } }, required: ['type'] },
    then: {
      type: 'object',
      additionalProperties: false,
      required: CREDENTIAL_FIELDS[type].required,
      properties: CREDENTIAL_FIELDS[type].properties,
    },
  })),
};

/** `PATCH /api/v1/credentials/{id}` for one type: its non-secret fields but the type, all optional. */
export function updateCredentialBodyOf(type: CredentialType): Schema {
  const { type: _type, ...properties } = CREDENTIAL_FIELDS[type].properties;
  return { type: 'object', additionalProperties: false, minProperties: 1, properties };
}

/** `PATCH /api/v1/credentials/{id}` as published: any type's non-secret fields (the route then checks them against the credential's type). */
export const updateCredentialBody: Schema = {
  type: 'object',
  minProperties: 1,
  additionalProperties: false,
  properties: Object.fromEntries(
    CREDENTIAL_TYPES.flatMap((type) =>
      Object.entries(updateCredentialBodyOf(type).properties as Record<string, Schema>),
    ),
  ),
};

/** Whether `field` holds a secret of any type named in `types`: the 400 then says why it is refused. */
export function isSecretField(field: string, type: unknown): boolean {
  const types = typeof type === 'string' && type in CREDENTIAL_SPECS ? [type as CredentialType] : CREDENTIAL_TYPES;
  return types.some((t) => CREDENTIAL_SPECS[t].secretFields.includes(field));
}

const problem: Schema = {
  type: 'object',
  description: 'application/problem+json',
  properties: {
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    errors: {
      type: 'array',
      items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } } },
    },
  },
};

const account: Schema = {
  type: 'object',
  properties: {
    email: { type: 'string' },
    fullName: { type: 'string' },
    status: { enum: ['pending', 'approved', 'rejected', 'revoked'] },
    origin: { enum: ['manifest', 'self-service', 'released'] },
    createdAt: { type: 'string' },
    emailVerified: { type: 'boolean', description: 'Whether the address is proven.' },
    pendingEmail: { type: ['string', 'null'], description: 'The address a requested change waits to move to.' },
    managed: { type: 'object', properties: { fullName: { type: 'boolean' }, email: { type: 'boolean' } } },
  },
};

const credential: Schema = {
  type: 'object',
  description: 'A credential: its id, type, identity and non-secret fields, never a secret.',
  additionalProperties: true,
  properties: {
    id: { type: 'string' },
    type: { enum: [...CREDENTIAL_TYPES] },
    active: { type: 'boolean' },
    origin: { enum: ['manifest', 'self-service', 'released'] },
    createdAt: { type: 'string' },
    managed: { type: 'boolean' },
  },
};

const secrets: Schema = {
  type: 'object',
  description: 'The generated secret values by field name, shown this once.',
  additionalProperties: { type: 'string' },
};

/** Response shapes, for openapi.json; the routes build the bodies themselves. */
export const responses = {
  problem,
  account,
  credential,
  session: {
    type: 'object',
    properties: { token: { type: 'string' }, expiresAt: { type: 'string' }, csrfToken: { type: 'string' } },
  },
  credentialWithSecrets: { type: 'object', properties: { credential, secrets } },
  credentials: { type: 'object', properties: { credentials: { type: 'array', items: credential } } },
  credentialTypes: { type: 'object', properties: { types: { type: 'array', items: { enum: [...CREDENTIAL_TYPES] } } } },
  empty: { type: 'null', description: 'No content.' },
} satisfies Record<string, Schema>;
