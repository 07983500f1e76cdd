// Changes that more than one part of the planner builds (the diff, `removed` blocks), and the
// redacted views of developers and credentials they carry.
import { CREDENTIAL_SPECS, credentialAddress, developerAddress, type Status } from '../model.js';
import type { StoredCredential, StoredDeveloper } from '../store/types.js';
import { SENSITIVE, type Change } from './types.js';

/** A developer leaves with its credentials, which go first. */
export function deleteDeveloper(developer: StoredDeveloper, replace: boolean): Change[] {
  return [
    ...developer.credentials.map((c) => deleteCredential(developer.email, c, replace)),
    {
      address: developerAddress(developer.email),
      kind: 'developer',
      op: 'delete',
      before: developerView(developer),
      after: null,
      ...(replace ? { replace: true as const } : {}),
      action: { do: 'developer.delete', email: developer.email },
    },
  ];
}

export function deleteCredential(email: string, credential: StoredCredential, replace: boolean): Change {
  return {
    address: credentialAddress(email, credential.type, credential.identity),
    kind: 'credential',
    op: 'delete',
    before: credentialView(credential.type, credential.fields, Object.keys(credential.secrets), credential.active),
    after: null,
    ...(replace ? { replace: true as const } : {}),
    action: { do: 'credential.delete', email, type: credential.type, identity: credential.identity },
  };
}

/** A developer's attributes as users see them; `status` stands in for the developer's own. */
export function developerView(
  developer: {
    email: string;
    fullName: string | null;
    status: Status;
    customId: string | null;
    meta: Record<string, string>;
  },
  status = developer.status,
): Record<string, unknown> {
  return {
    email: developer.email,
    fullName: developer.fullName,
    status,
    customId: developer.customId,
    meta: sortedObject(developer.meta),
  };
}

/** A credential as users see it: manifest field names, secrets as "(sensitive)". */
export function credentialView(
  type: string,
  fields: Record<string, unknown>,
  secretFields: readonly string[],
  active: boolean,
): Record<string, unknown> {
  const identityField = CREDENTIAL_SPECS[type as keyof typeof CREDENTIAL_SPECS]?.identityField;
  const view: Record<string, unknown> = { type };
  if (identityField && identityField in fields) view[identityField] = fields[identityField];
  for (const key of Object.keys(fields).sort()) view[key] = fields[key];
  for (const field of secretFields) view[field] = SENSITIVE;
  view.active = active;
  return view;
}

export function sortedObject<T>(object: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(object).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
