// Changes that more than one part of the planner builds (the diff, `removed` blocks), and the
// redacted views of developers and credentials they carry.
import {
  applicationAddress,
  CREDENTIAL_SPECS,
  credentialAddress,
  developerAddress,
  registrationAddress,
  type Status,
} from '../model.js';
import type { StoredApplication, StoredCredential, StoredDeveloper, StoredRegistration } from '../store/types.js';
import { SENSITIVE, type Change } from './types.js';

/** `{ application }` when a credential is an application's: its actions say so. */
export function ownedBy(application: string | undefined): { application?: string } {
  return application === undefined ? {} : { application };
}

/** A developer leaves with its credentials and applications, each a step of its own before it. */
export function deleteDeveloper(developer: StoredDeveloper, replace: boolean): Change[] {
  return [
    ...developer.credentials.map((c) => deleteCredential(developer.email, c, replace)),
    ...(developer.applications ?? []).flatMap((a) => deleteApplication(developer.email, a, replace)),
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

export function deleteCredential(
  email: string,
  credential: StoredCredential,
  replace: boolean,
  application?: string,
): Change {
  return {
    address: credentialAddress(email, credential.type, credential.identity, application),
    kind: 'credential',
    op: 'delete',
    before: credentialView(credential.type, credential.fields, Object.keys(credential.secrets), credential.active),
    after: null,
    ...(replace ? { replace: true as const } : {}),
    action: {
      do: 'credential.delete',
      email,
      ...ownedBy(application),
      type: credential.type,
      identity: credential.identity,
    },
  };
}

/** An application leaves with its credentials and registrations, each a step of its own before it. */
export function deleteApplication(email: string, application: StoredApplication, replace: boolean): Change[] {
  return [
    ...application.credentials.map((c) => deleteCredential(email, c, replace, application.name)),
    ...application.registrations.map((r) => deleteRegistration(email, application.name, r, replace)),
    {
      address: applicationAddress(email, application.name),
      kind: 'application',
      op: 'delete',
      before: applicationView(application),
      after: null,
      ...(replace ? { replace: true as const } : {}),
      action: { do: 'application.delete', email, name: application.name },
    },
  ];
}

export function deleteRegistration(
  email: string,
  application: string,
  registration: Pick<StoredRegistration, 'api' | 'status'>,
  replace: boolean,
): Change {
  return {
    address: registrationAddress(email, application, registration.api),
    kind: 'registration',
    op: 'delete',
    before: registrationView(registration),
    after: null,
    ...(replace ? { replace: true as const } : {}),
    action: { do: 'registration.delete', email, application, api: registration.api },
  };
}

/** An application as users see it. */
export function applicationView(application: { name: string; description: string | null }): Record<string, unknown> {
  return { name: application.name, description: application.description };
}

export function registrationView(registration: { api: string; status: Status }): Record<string, unknown> {
  return { api: registration.api, status: registration.status };
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
