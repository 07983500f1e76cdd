// What the engine answers about applications, registrations and APIs (docs/applications.md): their
// views, the checks of the input, and the refusals, each a PortalError the routes map to HTTP.
import type { PortalSettings, Status } from '../model.js';
import type { ApiTable, ApplicationTable, CredentialTable, RegistrationTable } from '../store/schema.js';
import type { Origin } from '../store/types.js';
import { refusedCharacterProblem } from '../util/refused-characters.js';
import { invalid, publicCredential } from './answers.js';
import {
  PortalError,
  type FieldError,
  type PublicApi,
  type PublicApplication,
  type PublicRegistration,
} from './contract.js';

/** An application's name, as an API's: a-z, 0-9 and '-', 1–63 characters. */
export const APPLICATION_NAME_PATTERN = '^[a-z0-9-]{1,63}$';
export const MAX_DESCRIPTION_LENGTH = 1024;

export function publicApi(row: ApiTable, settings: PortalSettings): PublicApi {
  const own = row.auto_approve_registrations;
  return {
    name: row.name,
    title: row.title ?? null,
    description: row.description ?? null,
    autoApprove: own === null || own === undefined ? settings.autoApproveRegistrations : Number(own) === 1,
  };
}

export function publicRegistration(row: RegistrationTable): PublicRegistration {
  return {
    api: row.api,
    status: row.status as Status,
    origin: row.origin as Origin,
    createdAt: row.created_at,
    managed: row.origin === 'manifest',
  };
}

export function publicApplication(
  row: ApplicationTable,
  credentials: CredentialTable[],
  registrations: RegistrationTable[],
): PublicApplication {
  return {
    id: row.id,
    name: row.name,
    description: row.description ?? null,
    origin: row.origin as Origin,
    createdAt: row.created_at,
    credentials: credentials
      .filter((credential) => credential.application_id === row.id)
      .sort(byCreation)
      .map(publicCredential),
    registrations: registrations.filter((r) => r.application_id === row.id).map(publicRegistration),
    managed: {
      application: row.origin === 'manifest',
      description: row.origin === 'manifest' && Number(row.description_managed) === 1,
    },
  };
}

function byCreation(a: CredentialTable, b: CredentialTable): number {
  return a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : a.id < b.id ? -1 : 1;
}

/** `{name, description?}` of a new application, checked as a manifest's entry is. */
export function applicationInput(input: Record<string, unknown>): { name: string; description: string | null } {
  const errors: FieldError[] = unknownFields(input, ['name', 'description']);
  const { name } = input;
  if (typeof name !== 'string' || name === '') errors.push({ field: 'name', message: 'is required' });
  else if (!new RegExp(APPLICATION_NAME_PATTERN).test(name))
    errors.push({ field: 'name', message: "must be 1 to 63 characters among a-z, 0-9 and '-'" });
  errors.push(...descriptionErrors(input.description));
  if (errors.length > 0) throw invalid(errors);
  return { name: name as string, description: (input.description as string | null | undefined) ?? null };
}

/** `{description}` of a change: a text, or null to clear it. */
export function descriptionInput(input: Record<string, unknown>): string | null {
  const errors = unknownFields(input, ['description']);
  if (!('description' in input)) errors.push({ field: 'description', message: 'is required' });
  else errors.push(...descriptionErrors(input.description));
  if (errors.length > 0) throw invalid(errors);
  return (input.description as string | null) ?? null;
}

function descriptionErrors(description: unknown): FieldError[] {
  if (description === undefined || description === null) return [];
  if (typeof description !== 'string') return [{ field: 'description', message: 'must be a string or null' }];
  if (description.length > MAX_DESCRIPTION_LENGTH)
    return [{ field: 'description', message: `is longer than ${MAX_DESCRIPTION_LENGTH} characters` }];
  const refused = refusedCharacterProblem(description, 'free');
  return refused ? [{ field: 'description', message: refused }] : [];
}

function unknownFields(input: Record<string, unknown>, known: string[]): FieldError[] {
  return Object.keys(input)
    .filter((field) => !known.includes(field))
    .map((field) => ({ field, message: 'is not a known field' }));
}

export function applicationsOff(): PortalError {
  return new PortalError(
    403,
    'Self-service is off',
    'This portal does not accept application changes or registration requests at the moment.',
  );
}

export function applicationLimit(max: number): PortalError {
  return new PortalError(
    403,
    'Limit reached',
    `You hold the most self-made applications this portal allows (${max}); delete one first.`,
  );
}

export function applicationNameTaken(name: string): PortalError {
  return new PortalError(409, 'Application exists', `You already have an application named ${name}.`, [
    { field: 'name', message: 'already used by another of your applications' },
  ]);
}

export function managedApplication(): PortalError {
  return new PortalError(
    403,
    'Managed by the manifests',
    'This application is managed by the portal administrators; it cannot be deleted here.',
  );
}

export function managedDescription(): PortalError {
  return new PortalError(
    403,
    'Managed by the manifests',
    "This application's description is managed by the portal administrators; it cannot be changed here.",
    [{ field: 'description', message: 'is managed by the portal administrators' }],
  );
}

/** Only an admin deletes a rejected or revoked registration, or an application holding one. */
export function heldRegistration(api: string, status: string, what: 'application' | 'registration'): PortalError {
  const subject = what === 'application' ? `This application's registration to ${api}` : `This registration to ${api}`;
  return new PortalError(
    403,
    `Registration ${status}`,
    `${subject} was ${status}; only the portal administrators can remove it.`,
    [{ field: 'api', message: `${api} is ${status}` }],
  );
}

export function managedRegistration(api: string): PortalError {
  return new PortalError(
    403,
    'Managed by the manifests',
    `The registration to ${api} is managed by the portal administrators; it cannot be withdrawn here.`,
    [{ field: 'api', message: `${api} is managed by the portal administrators` }],
  );
}

export function unknownApi(api: string): PortalError {
  return new PortalError(404, 'Unknown API', `This portal publishes no API named ${api}.`, [
    { field: 'api', message: 'is not an API of this portal' },
  ]);
}

export function noRegistration(api: string): PortalError {
  return new PortalError(404, 'Not found', `This application has no registration to ${api}.`);
}

export function alreadyRegistered(api: string, status: string): PortalError {
  return new PortalError(
    409,
    'Already registered',
    `This application already has a registration to ${api} (${status}).`,
    [{ field: 'api', message: `already registered (${status})` }],
  );
}
