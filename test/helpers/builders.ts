// Hand-built desired and stored states for unit tests of the planner (no files, no database).
import { randomUUID } from 'node:crypto';
import {
  CREDENTIAL_SPECS,
  type CredentialType,
  type DesiredCredential,
  type DesiredDeveloper,
  type DesiredState,
  type MovedBlock,
  type Status,
} from '../../src/model.js';
import { defaultPortalSettings } from '../../src/portal-settings.js';
import { Vault } from '../../src/secrets/vault.js';
import type { StateSnapshot, StoredCredential, StoredDeveloper } from '../../src/store/types.js';

export const LOCATION = { file: 'test.yaml', line: 1, column: 1 };
export const vault = Vault.open('test-lineage', {}, null);

export function credential(
  type: CredentialType,
  identity: string,
  extra: Record<string, unknown> = {},
  secrets: Record<string, string> = {},
): DesiredCredential {
  return {
    type,
    identity,
    fields: { [CREDENTIAL_SPECS[type].identityField]: identity, ...extra },
    secrets: Object.fromEntries(
      Object.entries(secrets).map(([field, value]) => [
        field,
        { source: { kind: 'env' as const, name: `PORTALFORM_SECRET_${field.toUpperCase()}` }, value },
      ]),
    ),
    location: LOCATION,
  };
}

export function developer(
  email: string,
  status: Status,
  options: Partial<Omit<DesiredDeveloper, 'email' | 'status'>> = {},
): DesiredDeveloper {
  return {
    email,
    status,
    fullName: options.fullName ?? 'Test Developer',
    customId: options.customId ?? null,
    meta: options.meta ?? {},
    credentials: options.credentials ?? [],
    location: LOCATION,
  };
}

export function desired(developers: DesiredDeveloper[], moved: Omit<MovedBlock, 'location'>[] = []): DesiredState {
  return {
    credentialTypes: ['key-auth', 'basic-auth', 'oauth2', 'hmac-auth', 'jwt', 'acl'],
    portal: defaultPortalSettings(),
    developers,
    moved: moved.map((m) => ({ ...m, location: LOCATION })),
    manifestDigest: 'test',
    files: ['test.yaml'],
  };
}

/** The stored twin of a desired developer, as an apply would have written it. */
export function stored(d: DesiredDeveloper, origin: 'manifest' | 'self-service' = 'manifest'): StoredDeveloper {
  const id = randomUUID();
  const credentials: StoredCredential[] = d.credentials.map((c) => {
    const secrets = Object.fromEntries(
      CREDENTIAL_SPECS[c.type].secretFields.map((field) => {
        const value = c.secrets[field]?.value;
        return [field, { digest: vault.digest(c.type, field, value ?? randomUUID()), generated: value === undefined }];
      }),
    );
    const uniqueField = CREDENTIAL_SPECS[c.type].uniqueField;
    const uniqueValue = uniqueField
      ? (secrets[uniqueField]?.digest ?? (c.fields[uniqueField] as string | undefined) ?? null)
      : null;
    return {
      id: randomUUID(),
      developerId: id,
      type: c.type,
      identity: c.identity,
      uniqueValue,
      fields: c.fields,
      secrets,
      active: d.status === 'approved',
      origin,
    };
  });
  return {
    id,
    email: d.email,
    fullName: d.fullName ?? d.email,
    status: d.status,
    customId: d.customId,
    meta: d.meta,
    origin,
    credentials,
  };
}

export function state(developers: StoredDeveloper[]): StateSnapshot {
  return { lineage: 'test-lineage', serial: 1, developers, meta: {} };
}
