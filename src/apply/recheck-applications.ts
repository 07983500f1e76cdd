// A saved plan's steps of APIs, applications and registrations (docs/applications.md), checked again
// under the lock against the state as it is now and the manifests the plan was made from, as
// recheck.ts checks the developers' and credentials' steps.
import { canonicalJson } from '../history.js';
import { transitionPath } from '../lifecycle.js';
import type { DesiredApplication, DesiredState, Status } from '../model.js';
import type { Action } from '../plan/types.js';
import type { StateSnapshot } from '../store/types.js';
import type { ApplicationStep } from './application-steps.js';

export interface ApplicationView {
  /** Credentials by `type:identity`. */
  credentials: Set<string>;
  /** Registration statuses by API name. */
  registrations: Map<string, Status>;
}

/** The state's APIs and each developer's applications (by email, then name), as the steps change them. */
export interface ApplicationsView {
  apis: Set<string>;
  applications: Map<string, Map<string, ApplicationView>>;
}

export function applicationsView(state: StateSnapshot): ApplicationsView {
  const applications = new Map<string, Map<string, ApplicationView>>();
  for (const developer of state.developers) {
    const own = new Map<string, ApplicationView>();
    for (const a of developer.applications ?? []) {
      own.set(a.name, {
        credentials: new Set(a.credentials.map((c) => `${c.type}:${c.identity}`)),
        registrations: new Map(a.registrations.map((r) => [r.api, r.status])),
      });
    }
    applications.set(developer.email, own);
  }
  return { apis: new Set((state.apis ?? []).map((api) => api.name)), applications };
}

/**
 * Makes the plan's application and API moves first, as the executor names things by their new
 * names from the start; returns each move's problem (null when it fits) by the move's target.
 */
export function applyMoves(actions: Action[], view: ApplicationsView): Map<string, string | null> {
  const problems = new Map<string, string | null>();
  for (const action of actions) {
    if (action.do === 'api.move') {
      const problem = !view.apis.has(action.from)
        ? `the API ${action.from} does not exist`
        : view.apis.has(action.to)
          ? `the API ${action.to} already exists`
          : null;
      problems.set(`api\0${action.to}`, problem);
      if (problem) continue;
      view.apis.delete(action.from);
      view.apis.add(action.to);
      for (const own of view.applications.values())
        for (const a of own.values()) renameKey(a.registrations, action.from, action.to);
    }
    if (action.do === 'application.move') {
      const own = view.applications.get(action.email);
      const problem = !own?.has(action.from)
        ? `the application ${action.from} does not exist`
        : own.has(action.to)
          ? `the application ${action.to} already exists`
          : null;
      problems.set(`application\0${action.email}\0${action.to}`, problem);
      if (!problem) renameKey(own!, action.from, action.to);
    }
  }
  return problems;
}

function renameKey<V>(map: Map<string, V>, from: string, to: string): void {
  const value = map.get(from);
  if (value === undefined) return;
  map.delete(from);
  map.set(to, value);
}

export interface ApplicationCheck {
  view: ApplicationsView;
  moves: Map<string, string | null>;
  desired: DesiredState | null;
  /** Addresses a later step creates again: a replacement's delete is then expected. */
  createdLater: Set<string>;
  /** Why a step may not adopt what this developer holds (an unverified sign-up), else null. */
  adoptionRefused: (email: string) => string | null;
}

const same = (a: unknown, b: unknown) => canonicalJson(a ?? null) === canonicalJson(b ?? null);
const NOT_IN_MANIFESTS = 'the manifests do not declare it';

export function applicationStepProblem(action: ApplicationStep, check: ApplicationCheck): string | null {
  if (action.do.startsWith('api.')) return apiStepProblem(action, check);
  if (action.do.startsWith('application.')) return applicationProblem(action, check);
  return registrationStepProblem(action, check);
}

function apiStepProblem(action: ApplicationStep, { view, moves, desired, createdLater }: ApplicationCheck) {
  const declared = (name: string) => desired?.apis?.find((api) => api.name === name);
  switch (action.do) {
    case 'api.create': {
      if (view.apis.has(action.api.name)) return 'the API already exists';
      const d = declared(action.api.name);
      if (desired && !d) return NOT_IN_MANIFESTS;
      if (d && !same({ ...d, location: undefined }, action.api)) return 'the manifests declare it otherwise';
      view.apis.add(action.api.name);
      return null;
    }
    case 'api.update': {
      if (!view.apis.has(action.name)) return 'the API does not exist';
      const d = declared(action.name);
      if (desired && !d) return NOT_IN_MANIFESTS;
      for (const [field, value] of Object.entries(action.set))
        if (d && !same(value, d[field as keyof typeof action.set])) return `the manifests declare another ${field}`;
      return null;
    }
    case 'api.delete':
      if (!view.apis.has(action.name)) return 'the API does not exist';
      if (declared(action.name) && !createdLater.has(`api\0${action.name}`)) return 'the manifests still declare it';
      view.apis.delete(action.name);
      for (const own of view.applications.values()) for (const a of own.values()) a.registrations.delete(action.name);
      return null;
    case 'api.move': {
      const problem = moves.get(`api\0${action.to}`);
      if (problem) return problem;
      const entry = desired?.moved.find((m) => m.kind === 'api' && m.from === action.from && m.to === action.to);
      return desired && !entry ? 'the manifests have no such moved entry' : null;
    }
    default:
      return `unknown step ${action.do}`;
  }
}

function declaredApplication(
  desired: DesiredState | null,
  email: string,
  name: string,
): DesiredApplication | undefined {
  return desired?.developers.find((d) => d.email === email)?.applications?.find((a) => a.name === name);
}

/** Whether a `removed … keep: true` entry releases this application, or this registration of it. */
function releasedBy(desired: DesiredState, email: string, application: string, api?: string): boolean {
  return (desired.removed ?? []).some(
    (r) =>
      r.keep &&
      r.developer === email &&
      r.credential === undefined &&
      // An entry releasing the developer releases its applications and registrations too.
      (r.application === undefined
        ? r.registration === undefined
        : r.application === application && (r.registration === undefined || r.registration === api)),
  );
}

const NO_REMOVED_ENTRY = 'the manifests have no removed entry with keep: true for it';

function applicationProblem(action: ApplicationStep, check: ApplicationCheck) {
  const { view, moves, desired, createdLater } = check;
  if (!('email' in action)) return `unknown step ${action.do}`;
  const own = view.applications.get(action.email);
  if (!own) return 'its developer does not exist';
  switch (action.do) {
    case 'application.create': {
      const { name } = action.application;
      if (own.has(name)) return 'the application already exists';
      const d = declaredApplication(desired, action.email, name);
      if (desired && !d) return NOT_IN_MANIFESTS;
      if (d && action.application.descriptionManaged !== (d.description !== null))
        return 'the manifests manage its description otherwise';
      if (d && d.description !== null && action.application.description !== d.description)
        return 'the manifests declare another description';
      own.set(name, { credentials: new Set(), registrations: new Map() });
      return null;
    }
    case 'application.update': {
      if (!own.has(action.name)) return 'the application does not exist';
      if (action.set.release)
        return desired && !releasedBy(desired, action.email, action.name) ? NO_REMOVED_ENTRY : null;
      if (action.set.adopt && check.adoptionRefused(action.email)) return check.adoptionRefused(action.email);
      const d = declaredApplication(desired, action.email, action.name);
      if (desired && !d) return NOT_IN_MANIFESTS;
      if (d && 'description' in action.set && !same(action.set.description, d.description))
        return 'the manifests declare another description';
      return null;
    }
    case 'application.delete': {
      if (!own.has(action.name)) return 'the application does not exist';
      const stillDeclared = declaredApplication(desired, action.email, action.name) !== undefined;
      if (stillDeclared && !createdLater.has(`application\0${action.email}\0${action.name}`))
        return 'the manifests still declare it';
      own.delete(action.name);
      return null;
    }
    case 'application.move': {
      const problem = moves.get(`application\0${action.email}\0${action.to}`);
      if (problem) return problem;
      const entry = desired?.moved.find(
        (m) => m.kind === 'application' && m.email === action.email && m.from === action.from && m.to === action.to,
      );
      return desired && !entry ? 'the manifests have no such moved entry' : null;
    }
    default:
      return `unknown step ${action.do}`;
  }
}

function registrationStepProblem(action: ApplicationStep, check: ApplicationCheck): string | null {
  if (!('application' in action) || typeof action.application !== 'string' || !('api' in action))
    return `unknown step ${action.do}`;
  const { view, desired, createdLater } = check;
  const application = view.applications.get(action.email)?.get(action.application);
  if (!application) return 'its application does not exist';
  const api = action.api as string;
  const current = application.registrations.get(api);
  const declared = declaredApplication(desired, action.email, action.application)?.registrations.find(
    (r) => r.api === api,
  );
  if (action.do === 'registration.create') {
    if (current !== undefined) return 'the registration already exists';
    if (!view.apis.has(api)) return `the API ${api} does not exist`;
    if (desired && !declared) return NOT_IN_MANIFESTS;
    if (declared && declared.status !== action.status) return `the manifests declare it ${declared.status}`;
    application.registrations.set(api, action.status);
    return null;
  }
  if (current === undefined) return 'the registration does not exist';
  switch (action.do) {
    case 'registration.transition': {
      if (current !== action.from) return `the registration is ${current}, not ${action.from}`;
      if (desired && !declared) return NOT_IN_MANIFESTS;
      const path = transitionPath(action.from, declared ? declared.status : action.to);
      if (!path.ok) return path.reason;
      if (path.edges[0]?.to !== action.to)
        return `the life cycle does not go from ${action.from} to ${action.to} on the way to ${declared?.status ?? action.to}`;
      application.registrations.set(api, action.to);
      return null;
    }
    case 'registration.update':
      if (action.release)
        return desired && !releasedBy(desired, action.email, action.application, api) ? NO_REMOVED_ENTRY : null;
      if (action.adopt && check.adoptionRefused(action.email)) return check.adoptionRefused(action.email);
      return desired && !declared ? NOT_IN_MANIFESTS : null;
    case 'registration.delete': {
      const key = `registration\0${action.email}\0${action.application}\0${api}`;
      if (declared && !createdLater.has(key)) return 'the manifests still declare it';
      application.registrations.delete(api);
      return null;
    }
    default:
      return `unknown step ${(action as { do?: unknown }).do}`;
  }
}

/** The keys `createdLater` holds for the application steps that create an object. */
export function createdKey(action: Action): string | null {
  switch (action.do) {
    case 'api.create':
      return `api\0${action.api.name}`;
    case 'application.create':
      return `application\0${action.email}\0${action.application.name}`;
    case 'registration.create':
      return `registration\0${action.email}\0${action.application}\0${action.api}`;
    default:
      return null;
  }
}
