// Before a saved plan runs, under the lock, every step is checked again against the state as it
// is now, the life cycle (docs/manifests.md#life-cycle) and the manifests the plan was made from (docs/state.md): its seal
// says who made the plan, this says that each step is still one that plan would make. A step that
// fails is refused before anything is written.
import { PortalformError } from '../errors.js';
import { canonicalJson } from '../history.js';
import { credentialsActive, transitionPath } from '../lifecycle.js';
import {
  CREDENTIAL_SPECS,
  credentialAddress,
  type DesiredDeveloper,
  type DesiredState,
  type Status,
} from '../model.js';
import { isUnverifiedSignUp, NOT_VERIFIED } from '../plan/adoption.js';
import type { Action, Plan } from '../plan/types.js';
import type { StateSnapshot } from '../store/types.js';
import { isApplicationStep } from './application-steps.js';
import {
  applicationStepProblem,
  applicationsView,
  applyMoves,
  createdKey,
  type ApplicationCheck,
  type ApplicationsView,
} from './recheck-applications.js';

interface DeveloperView {
  status: Status;
  credentials: Set<string>;
  /** An unverified sign-up: no step may adopt it, nor change its status (docs/unmanaged.md). */
  unverified: boolean;
}

export function recheckSteps(plan: Plan, state: StateSnapshot, desired: DesiredState | null): void {
  const developers = new Map<string, DeveloperView>();
  for (const d of state.developers)
    developers.set(d.email, {
      status: d.status,
      credentials: new Set(d.credentials.map((c) => `${c.type}:${c.identity}`)),
      unverified: isUnverifiedSignUp(d),
    });
  const wanted = desired ? new Map(desired.developers.map((d) => [d.email, d])) : null;
  // The addresses a later step creates again: a replacement's delete is then expected.
  const createdLater = new Set<string>();
  for (const { action } of plan.changes) {
    if (action.do === 'developer.create') createdLater.add(action.developer.email);
    if (action.do === 'credential.create')
      createdLater.add(credentialAddress(action.email, action.type, action.identity, action.application));
    const created = createdKey(action);
    if (created !== null) createdLater.add(created);
  }
  const view = applicationsView(state);
  // Steps ordered before a move (credential deletions) already name the developer by its new
  // email, as the executor does: the renames are made first, and each move step checks its own.
  const moves = new Map<string, string | null>();
  for (const { action } of plan.changes) {
    if (action.do !== 'developer.move') continue;
    const current = developers.get(action.from);
    const problem = !current
      ? `${action.from} does not exist`
      : developers.has(action.to)
        ? `${action.to} already exists`
        : null;
    moves.set(action.to, problem);
    if (problem) continue;
    developers.delete(action.from);
    developers.set(action.to, current!);
    const applications = view.applications.get(action.from);
    view.applications.delete(action.from);
    if (applications) view.applications.set(action.to, applications);
  }
  const applications: ApplicationCheck = {
    view,
    moves: applyMoves(
      plan.changes.map((c) => c.action),
      view,
    ),
    desired,
    createdLater,
    adoptionRefused: (email) => (developers.get(email)?.unverified ? UNVERIFIED : null),
  };
  plan.changes.forEach((change, i) => {
    const action = change.action;
    const problem =
      action.do === 'developer.move'
        ? moveProblem(action, moves, desired)
        : isApplicationStep(action)
          ? applicationStepProblem(action, applications)
          : stepProblem(action, { developers, wanted, desired, createdLater, applications: view });
    if (problem)
      throw new PortalformError(
        `the saved plan's step ${i + 1} (${change.op} ${change.address}) is refused: ${problem}; nothing was changed`,
      );
  });
}

function moveProblem(
  action: Extract<Action, { do: 'developer.move' }>,
  moves: Map<string, string | null>,
  desired: DesiredState | null,
): string | null {
  const problem = moves.get(action.to);
  if (problem) return problem;
  if (desired && !desired.moved.some((m) => m.from === action.from && m.to === action.to))
    return 'the manifests have no such moved entry';
  return null;
}

const NO_REMOVED_ENTRY = 'the manifests have no removed entry with keep: true for it';

/**
 * Whether a `removed … keep: true` entry releases the developer, or this credential of theirs (an
 * entry releasing the developer, or the credential's application, releases it too).
 */
function releasedBy(desired: DesiredState, email: string, credential?: CredentialStep): boolean {
  return (desired.removed ?? []).some((r) => {
    if (!r.keep || r.developer !== email) return false;
    const wholeDeveloper = !r.credential && r.application === undefined && r.registration === undefined;
    if (wholeDeveloper || credential === undefined) return wholeDeveloper;
    if (r.application !== credential.application || r.registration !== undefined) return false;
    return !r.credential
      ? r.application !== undefined
      : r.credential.type === credential.type && r.credential.identity === credential.identity;
  });
}

const UNVERIFIED = `the developer ${NOT_VERIFIED} since the plan was made, so it may not adopt them; make a new plan`;

interface StepContext {
  developers: Map<string, DeveloperView>;
  wanted: Map<string, DesiredDeveloper> | null;
  desired: DesiredState | null;
  createdLater: Set<string>;
  applications: ApplicationsView;
}

function stepProblem(action: Action, context: StepContext): string | null {
  return action.do.startsWith('credential.')
    ? credentialStepProblem(action, context)
    : developerStepProblem(action, context);
}

const same = (a: unknown, b: unknown) => canonicalJson(a ?? null) === canonicalJson(b ?? null);
const NOT_IN_MANIFESTS = 'the manifests do not declare it';
const declaredIn = (wanted: Map<string, DesiredDeveloper> | null) => (email: string) =>
  wanted ? wanted.get(email) : undefined;

/** The portal's and developers' steps. */
function developerStepProblem(
  action: Action,
  { developers, wanted, desired, createdLater, applications }: StepContext,
): string | null {
  const declared = declaredIn(wanted);
  const notInManifests = NOT_IN_MANIFESTS;
  switch (action.do) {
    case 'portal.update':
      return desired && !same(action.settings, desired.portal) ? 'the manifests declare other portal settings' : null;
    case 'developer.create': {
      const { email } = action.developer;
      if (developers.has(email)) return 'the developer already exists';
      const d = declared(email);
      if (wanted && !d) return notInManifests;
      if (
        d &&
        !same(
          [d.fullName, d.status, d.customId, d.meta],
          [action.developer.fullName, action.developer.status, action.developer.customId, action.developer.meta],
        )
      ) {
        return 'the manifests declare it otherwise';
      }
      developers.set(email, { status: action.developer.status, credentials: new Set(), unverified: false });
      applications.applications.set(email, new Map());
      return null;
    }
    case 'developer.update': {
      if (!developers.has(action.email)) return 'the developer does not exist';
      if (action.set.adopt && developers.get(action.email)!.unverified) return UNVERIFIED;
      if (action.set.release) return desired && !releasedBy(desired, action.email) ? NO_REMOVED_ENTRY : null;
      const d = declared(action.email);
      if (wanted && !d) return notInManifests;
      if (d) {
        const { adopt: _adopt, ...set } = action.set;
        // An entry without fullName leaves the name to the developer.
        const declaredValues: Record<string, unknown> = {
          fullName: d.fullName,
          customId: d.customId,
          meta: d.meta,
          nameManaged: d.fullName !== null,
        };
        // A cleared customId frees the value for another developer; the plan sets it again later.
        for (const [field, value] of Object.entries(set)) {
          if (
            !(field in declaredValues) ||
            (!same(value, declaredValues[field]) && !(field === 'customId' && value === null))
          ) {
            return `the manifests declare another ${field}`;
          }
        }
      }
      return null;
    }
    case 'developer.delete': {
      const current = developers.get(action.email);
      if (!current) return 'the developer does not exist';
      if (declared(action.email) && !createdLater.has(action.email)) return 'the manifests still declare it';
      developers.delete(action.email);
      applications.applications.delete(action.email);
      return null;
    }
    case 'developer.transition': {
      const current = developers.get(action.email);
      if (!current) return 'the developer does not exist';
      if (current.status !== action.from) return `the developer is ${current.status}, not ${action.from}`;
      if (current.unverified) return UNVERIFIED;
      const d = declared(action.email);
      if (wanted && !d) return notInManifests;
      const path = transitionPath(action.from, d ? d.status : action.to);
      if (!path.ok) return path.reason;
      const first = path.edges[0];
      if (!first || first.to !== action.to)
        return `the life cycle does not go from ${action.from} to ${action.to} on the way to ${d?.status ?? action.to}`;
      current.status = action.to;
      return null;
    }
    default:
      return `unknown step ${(action as { do?: unknown }).do}`;
  }
}

type CredentialStep = { email: string; type: string; identity: string; application?: string };

/** The credentials of a step's owner, by `type:identity`: the developer's own, or one of its applications'. */
function ownerCredentials(action: CredentialStep, context: StepContext): Set<string> | undefined {
  if (action.application === undefined) return context.developers.get(action.email)?.credentials;
  return context.applications.applications.get(action.email)?.get(action.application)?.credentials;
}

/** The credential the manifests declare for this step's owner. */
function declaredCredential(action: CredentialStep, context: StepContext) {
  const d = context.wanted?.get(action.email);
  const credentials =
    action.application === undefined
      ? d?.credentials
      : d?.applications?.find((a) => a.name === action.application)?.credentials;
  return credentials?.find((c) => c.type === action.type && c.identity === action.identity);
}

/** The credentials' steps, the developer's own and its applications' alike. */
function credentialStepProblem(action: Action, context: StepContext): string | null {
  if (!action.do.startsWith('credential.') || !('type' in action)) return `unknown step ${action.do}`;
  const owned = ownerCredentials(action, context);
  const key = `${action.type}:${action.identity}`;
  const { wanted, desired } = context;
  switch (action.do) {
    case 'credential.create': {
      if (!owned)
        return action.application === undefined ? 'its developer does not exist' : 'its application does not exist';
      if (owned.has(key)) return 'the credential already exists';
      if (wanted) {
        const c = declaredCredential(action, context);
        if (!c) return NOT_IN_MANIFESTS;
        if (!same(c.fields, action.fields)) return 'the manifests declare other fields for it';
        if (!same(Object.keys(action.secrets).sort(), [...CREDENTIAL_SPECS[action.type].secretFields].sort()))
          return 'its secrets are not the ones its type has';
      }
      owned.add(key);
      return null;
    }
    case 'credential.update': {
      if (!owned?.has(key)) return 'the credential does not exist';
      if (action.release) return desired && !releasedBy(desired, action.email, action) ? NO_REMOVED_ENTRY : null;
      if (!wanted || action.clearUnique) return null;
      const c = declaredCredential(action, context);
      if (!c) return NOT_IN_MANIFESTS;
      if (action.fields) {
        const generated = new Set(CREDENTIAL_SPECS[action.type].generatedFields);
        for (const field of new Set([...Object.keys(c.fields), ...Object.keys(action.fields)])) {
          if (generated.has(field) && c.fields[field] === undefined) continue; // kept from the stored credential
          if (!same(c.fields[field], action.fields[field])) return `the manifests declare another ${field}`;
        }
      }
      for (const field of Object.keys(action.secrets ?? {})) {
        if (!CREDENTIAL_SPECS[action.type].secretFields.includes(field))
          return `${field} is not a secret of a ${action.type} credential`;
      }
      return null;
    }
    case 'credential.delete': {
      if (!owned?.has(key)) return 'the credential does not exist';
      const address = credentialAddress(action.email, action.type, action.identity, action.application);
      if (declaredCredential(action, context) && !context.createdLater.has(address))
        return 'the manifests still declare it';
      owned.delete(key);
      return null;
    }
    case 'credential.activation': {
      const status = context.developers.get(action.email)?.status;
      if (!owned?.has(key) || status === undefined) return 'the credential does not exist';
      return action.active === credentialsActive(status)
        ? null
        : `its developer is ${status}, so it cannot be ${action.active ? 'active' : 'inactive'}`;
    }
    default:
      return `unknown step ${(action as { do?: unknown }).do}`;
  }
}
