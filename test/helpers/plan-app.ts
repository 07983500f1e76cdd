// Hand-built applications, registrations and APIs for unit tests of their planning (no files, no
// database), beside helpers/builders.ts's developers and credentials.
import { randomUUID } from 'node:crypto';
import type {
  DesiredApi,
  DesiredApplication,
  DesiredCredential,
  DesiredDeveloper,
  DesiredRegistration,
  DesiredState,
  MovedBlock,
  RemovedBlock,
  Status,
} from '../../src/model.js';
import { diff } from '../../src/plan/diff.js';
import { orderChanges, uniqueConflicts } from '../../src/plan/order.js';
import type { Change } from '../../src/plan/types.js';
import type { Origin, StateSnapshot, StoredApi, StoredApplication, StoredDeveloper } from '../../src/store/types.js';
import { desired, developer, LOCATION, state, stored, vault } from './builders.js';

export function registration(api: string, status: Status, line = 1): DesiredRegistration {
  return { api, status, location: { ...LOCATION, line } };
}

export function application(
  name: string,
  options: {
    description?: string | null;
    credentials?: DesiredCredential[];
    registrations?: DesiredRegistration[];
  } = {},
): DesiredApplication {
  return {
    name,
    description: options.description === undefined ? `The ${name} app` : options.description,
    credentials: options.credentials ?? [],
    registrations: options.registrations ?? [],
    location: { ...LOCATION, line: 7 },
  };
}

export function api(name: string, options: Partial<Omit<DesiredApi, 'name' | 'location'>> = {}): DesiredApi {
  return {
    name,
    title: options.title ?? null,
    description: options.description ?? null,
    autoApproveRegistrations: options.autoApproveRegistrations ?? null,
    aclGroups: options.aclGroups ?? [],
    location: LOCATION,
  };
}

export function storedApi(a: DesiredApi): StoredApi {
  const { name, title, description, autoApproveRegistrations, aclGroups } = a;
  return { name, title, description, autoApproveRegistrations, aclGroups, createdAt: '2026-01-01T00:00:00Z' };
}

/** A developer with applications, desired. */
export function owner(
  email: string,
  status: Status,
  applications: DesiredApplication[],
  options: Partial<Omit<DesiredDeveloper, 'email' | 'status' | 'applications'>> = {},
): DesiredDeveloper {
  return { ...developer(email, status, options), applications };
}

/** The stored twin of a desired developer and its applications, as an apply would have written them. */
export function storedOwner(
  d: DesiredDeveloper,
  origin: Origin = 'manifest',
  applicationOrigin: Origin = origin,
): StoredDeveloper {
  const row = stored(d, origin === 'released' ? 'manifest' : origin);
  const applications = (d.applications ?? []).map((a) => storedApplication(row, d.status, a, applicationOrigin));
  return { ...row, origin, version: 3, applications };
}

export function storedApplication(
  developerRow: StoredDeveloper,
  status: Status,
  a: DesiredApplication,
  origin: Origin = 'manifest',
): StoredApplication {
  const id = randomUUID();
  const twin = stored(developer(developerRow.email, status, { credentials: a.credentials }), 'manifest');
  return {
    id,
    developerId: developerRow.id,
    name: a.name,
    description: a.description,
    descriptionManaged: origin === 'manifest' && a.description !== null,
    origin,
    createdAt: '2026-01-02T00:00:00Z',
    version: 5,
    credentials: twin.credentials.map((c) => ({
      ...c,
      developerId: developerRow.id,
      applicationId: id,
      origin,
      version: 2,
    })),
    registrations: a.registrations.map((r) => ({
      id: randomUUID(),
      applicationId: id,
      api: r.api,
      status: r.status,
      origin,
      createdAt: '2026-01-03T00:00:00Z',
      version: 4,
    })),
  };
}

export function wanted(
  developers: DesiredDeveloper[],
  options: {
    apis?: DesiredApi[];
    moved?: Omit<MovedBlock, 'location'>[];
    removed?: Omit<RemovedBlock, 'location'>[];
  } = {},
): DesiredState {
  return {
    ...desired(developers, options.moved ?? []),
    apis: options.apis ?? [],
    removed: (options.removed ?? []).map((r) => ({ ...r, location: { ...LOCATION, line: 40 } })),
  };
}

export function storedState(developers: StoredDeveloper[], apis: DesiredApi[] = []): StateSnapshot {
  return { ...state(developers), apis: apis.map(storedApi) };
}

/** What makePlan does with the diff, without the engine's address checks: the steps in execution order. */
export function planOf(d: DesiredState, s: StateSnapshot, options: { replace?: string[]; rotate?: string[] } = {}) {
  const result = diff(d, s, vault, { replace: new Set(options.replace ?? []), rotate: new Set(options.rotate ?? []) });
  return {
    changes: orderChanges(result.changes, s),
    errors: [...result.errors, ...uniqueConflicts(result.changes, s)],
    warnings: result.warnings,
  };
}

export const steps = (changes: Change[]) => changes.map((c) => `${c.op} ${c.address}`);
