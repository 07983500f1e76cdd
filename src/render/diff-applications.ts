// `plan --format diff`, the parts of docs/applications.md: a developer document's `applications` (each
// with its description, who manages it, its credentials and registrations) and each changed API's
// own document. Built from redacted views only, like the rest of the diff.
import { credentialView } from '../plan/diff.js';
import type { Action, Change } from '../plan/types.js';
import type { StoredApi, StoredApplication } from '../store/types.js';

export type Document = Record<string, unknown>;
export type ApplicationDocument = Document & {
  credentials: Record<string, Document>;
  registrations: Record<string, Document>;
};

/** Objects portalform manages show no origin; others show theirs, so adopting them shows as a change. */
export function originEntry(origin: unknown): Record<string, unknown> {
  return origin === 'manifest' || origin === undefined ? {} : { origin };
}

export function storedApplicationDocument(application: StoredApplication): ApplicationDocument {
  const credentials = application.credentials.map((c): [string, Document] => [
    `${c.type}:${c.identity}`,
    {
      ...credentialView(c.type, c.fields, Object.keys(c.secrets), c.active),
      ...originEntry(c.origin),
    },
  ]);
  const registrations = application.registrations.map((r): [string, Document] => [
    r.api,
    { status: r.status, ...originEntry(r.origin) },
  ]);
  return {
    description: application.description,
    descriptionManagedBy: application.descriptionManaged ? 'manifests' : 'developer',
    ...originEntry(application.origin),
    credentials: Object.fromEntries(credentials),
    registrations: Object.fromEntries(registrations),
  };
}

type Applications = Record<string, ApplicationDocument>;

/** The applications after one change of an application, or of one of its credentials or registrations. */
export function applyApplicationChange(applications: Applications, change: Change): Applications {
  const action = change.action;
  switch (action.do) {
    case 'application.create':
      return { ...applications, [action.application.name]: createdApplication(change, action) };
    case 'application.update':
      return withApplication(applications, action.name, (app) => ({ ...app, ...updatedFields(change, action) }));
    case 'application.delete': {
      const { [action.name]: _gone, ...rest } = applications;
      return rest;
    }
    case 'application.move': {
      const { [action.from]: moved, ...rest } = applications;
      return moved ? { ...rest, [action.to]: moved } : rest;
    }
    case 'registration.create':
    case 'registration.transition':
    case 'registration.update':
    case 'registration.delete':
      return withApplication(applications, action.application, (app) => ({
        ...app,
        registrations: registrationsAfter(app.registrations, action),
      }));
    default:
      return applications;
  }
}

function createdApplication(
  change: Change,
  action: Extract<Action, { do: 'application.create' }>,
): ApplicationDocument {
  const { name: _name, ...after } = change.after ?? {};
  return {
    description: action.application.description,
    descriptionManagedBy: action.application.descriptionManaged ? 'manifests' : 'developer',
    ...after,
    credentials: {},
    registrations: {},
  };
}

function updatedFields(change: Change, action: Extract<Action, { do: 'application.update' }>): Document {
  const { set } = action;
  return {
    ...(set.description !== undefined ? { description: set.description } : {}),
    ...(set.descriptionManaged !== undefined
      ? { descriptionManagedBy: set.descriptionManaged ? 'manifests' : 'developer' }
      : {}),
    ...(set.adopt ? { origin: undefined } : {}),
    ...(set.release ? { origin: 'released' } : {}),
    ...(typeof change.after?.descriptionManagedBy === 'string'
      ? { descriptionManagedBy: change.after.descriptionManagedBy }
      : {}),
  };
}

type RegistrationAction = Extract<
  Action,
  { do: 'registration.create' | 'registration.transition' | 'registration.update' | 'registration.delete' }
>;

function registrationsAfter(registrations: Record<string, Document>, action: RegistrationAction) {
  const current = registrations[action.api] ?? {};
  switch (action.do) {
    case 'registration.create':
      return { ...registrations, [action.api]: { status: action.status } };
    case 'registration.transition':
      return { ...registrations, [action.api]: { ...current, status: action.to } };
    case 'registration.update': {
      const { origin: _origin, ...rest } = current;
      return { ...registrations, [action.api]: action.release ? { ...rest, origin: 'released' } : rest };
    }
    case 'registration.delete': {
      const { [action.api]: _gone, ...rest } = registrations;
      return rest;
    }
  }
}

function withApplication(
  applications: Applications,
  name: string,
  change: (application: ApplicationDocument) => ApplicationDocument,
): Applications {
  const application = applications[name];
  if (!application) return applications;
  const next = change(application);
  for (const key of Object.keys(next)) if (next[key] === undefined) delete next[key];
  return { ...applications, [name]: next };
}

/** An API's document as the diff shows it. */
export function apiDocument(api: Omit<StoredApi, 'createdAt'> | StoredApi): Document {
  return {
    name: api.name,
    title: api.title,
    description: api.description,
    autoApproveRegistrations: api.autoApproveRegistrations,
    aclGroups: [...api.aclGroups],
  };
}

/** The API document after one of its changes; null once deleted. */
export function applyApiChange(document: Document | null, change: Change): Document | null {
  const action = change.action;
  switch (action.do) {
    case 'api.create':
      return apiDocument(action.api);
    case 'api.update':
      return document && { ...document, ...action.set };
    case 'api.delete':
      return null;
    case 'api.move':
      return document && { ...document, name: action.to };
    default:
      return document;
  }
}
