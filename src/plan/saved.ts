// The checks a saved plan (see planfile.ts) passes before it is applied. Their refusals use the
// words docs/cli.md fixes.
import { PortalformError, StalePlanError } from '../errors.js';
import { applicationAddress, credentialAddress, developerAddress, registrationAddress } from '../model.js';
import { noStatePlanKey, Vault } from '../secrets/vault.js';
import type { Store, WriteSession } from '../store/index.js';
import type { HistoryRow, StateSnapshot, StoredApplication } from '../store/types.js';
import { NOT_AUTHENTIC, planDigest, sealPlan, sealVerifies } from './planfile.js';
import type { Change, Plan, PlanSeal } from './types.js';

/** A plan made for another state is refused before the lock is taken, so refusing it writes nothing. */
export async function refuseForeignPlan(saved: Plan, store: Store): Promise<void> {
  try {
    const state = await store.read();
    checkPlanLineage(saved, state);
    if (saved.state.lineage === null && state.lineage !== null)
      await refuseNoStatePlan(saved, await store.readHistory());
  } finally {
    await store.close();
  }
}

/** A plan made on no state, now that a state exists: either it created it, or someone else did. */
async function refuseNoStatePlan(saved: Plan, history: HistoryRow[]): Promise<never> {
  const digest = planDigest(saved);
  if (history.some((row) => row.kind === 'apply' && JSON.parse(row.entry).planDigest === digest))
    throw new StalePlanError('Saved plan was already applied');
  throw new StalePlanError(
    'Saved plan does not match this state: it was made when no state existed, and this state was created since; plan again',
  );
}

/**
 * The plan must be for this lineage. A plan made on no state passes here whatever the state: once
 * a state exists, whether it was this plan that created it is told under the lock (checkSavedPlan).
 */
export function checkPlanLineage(saved: Plan, state: StateSnapshot): void {
  if (saved.state.lineage === null || saved.state.lineage === state.lineage) return;
  throw new StalePlanError(
    state.lineage === null
      ? `Saved plan does not match this state: it was made for lineage ${saved.state.lineage}, and this state does not exist; check --state`
      : `Saved plan does not match this state: it was made for lineage ${saved.state.lineage}, this state is ${state.lineage}`,
  );
}

/** Seals a new plan with the key of the state it was made on (docs/state.md). */
export function sealFor(plan: Plan, vault: Vault | null, stateKey: string | null): PlanSeal {
  if (vault) return sealPlan(plan, 'state', vault.savedPlanKey());
  return stateKey === null ? sealPlan(plan, 'none', null) : sealPlan(plan, 'state-key', noStatePlanKey(stateKey));
}

/**
 * Under the lock: the plan must be sealed by this state (or, made on no state, by the state key or
 * for integrity), and the state must still be the one it was made against.
 */
export async function checkSavedPlan(
  saved: Plan,
  state: StateSnapshot,
  session: WriteSession,
  vault: Vault,
  stateKey: string | null,
): Promise<void> {
  checkPlanLineage(saved, state);
  if (saved.state.lineage === null && state.lineage !== null)
    await refuseNoStatePlan(saved, await session.readHistory());
  checkSeal(saved, state.lineage === null ? null : vault, stateKey);
  if (saved.state.serial === state.serial) return;
  if (await wasApplied(saved, session)) throw new StalePlanError('Saved plan was already applied');
  throw new StalePlanError(
    `Saved plan is stale: it was made at serial ${saved.state.serial}, the state is now at serial ${state.serial}; make a new plan`,
  );
}

/**
 * For `show`: checks the seal when the state the plan was made for is at hand. Returns whether it
 * could be checked; throws when it does not verify.
 */
export function checkSealIfPossible(saved: Plan, state: StateSnapshot, stateKey: string | null): boolean {
  if (saved.state.lineage === null) {
    if (saved.seal?.key === 'state-key' && stateKey === null) return false;
    checkSeal(saved, null, saved.seal?.key === 'none' ? null : stateKey);
    return true;
  }
  if (saved.state.lineage !== state.lineage) return false;
  let vault: Vault;
  try {
    vault = Vault.open(state.lineage, state.meta, stateKey);
  } catch {
    return false; // the state needs a key that is not set: apply will check
  }
  checkSeal(saved, vault, stateKey);
  return true;
}

function checkSeal(saved: Plan, vault: Vault | null, stateKey: string | null): void {
  if (vault) {
    if (sealVerifies(saved, vault.savedPlanKey())) return;
    throw new PortalformError(
      `${NOT_AUTHENTIC}: it was not sealed by this state (edited, or made for another state); make a new plan`,
    );
  }
  if (saved.state.serial !== 0)
    throw new PortalformError(`${NOT_AUTHENTIC}: a plan made on no state has serial 0; make a new plan`);
  if (stateKey === null) {
    if (saved.seal?.key === 'state-key') {
      throw new PortalformError(
        `${NOT_AUTHENTIC}: it was sealed with a state key; set PORTALFORM_STATE_KEY (or --state-key-file) to the key it was made with`,
      );
    }
    if (sealVerifies(saved, null)) return;
  } else if (sealVerifies(saved, noStatePlanKey(stateKey))) return;
  throw new PortalformError(
    stateKey !== null && saved.seal?.key === 'none'
      ? `${NOT_AUTHENTIC}: PORTALFORM_STATE_KEY is set, but the plan was made without it; make the plan with the key set`
      : `${NOT_AUTHENTIC}: its seal does not verify (edited, or made with another state key); make a new plan`,
  );
}

async function wasApplied(saved: Plan, session: WriteSession): Promise<boolean> {
  const digest = planDigest(saved);
  const history = await session.readHistory();
  return history.some((row) => row.kind === 'apply' && JSON.parse(row.entry).planDigest === digest);
}

/** Every email a plan's steps name: what applying it reads of the state, however large the state. */
export function emailsOf(plan: Plan): Set<string> {
  const emails = new Set<string>();
  for (const { action } of plan.changes) {
    if (action.do === 'portal.update') continue;
    if (action.do === 'developer.create') emails.add(action.developer.email);
    else if (action.do === 'developer.move') emails.add(action.from).add(action.to);
    else if ('email' in action) emails.add(action.email);
  }
  return emails;
}

/** A saved plan holds only secret sources: the given ones must be re-read from its manifests. */
export function needsGivenSecrets(saved: Plan): boolean {
  return saved.changes.some((c) => {
    const secrets =
      c.action.do === 'credential.create' || c.action.do === 'credential.update' ? c.action.secrets : undefined;
    return Object.values(secrets ?? {}).some((s) => s.mode === 'given');
  });
}

/**
 * The version of every stored developer the changes touch (docs/unmanaged.md), one whose row,
 * credentials, applications or registrations they write, and of each of its credentials (its
 * applications' included), applications and registrations.
 */
export function touchesOf(changes: Change[], state: StateSnapshot): NonNullable<Plan['touches']> {
  const touches: NonNullable<Plan['touches']> = {
    developers: {},
    credentials: {},
    applications: {},
    registrations: {},
  };
  if (state.lineage === null || changes.length === 0) return touches;
  // The steps of a moved developer name it by its new email; its stored row has the old one.
  const movedFrom = new Map<string, string>();
  for (const { action } of changes) if (action.do === 'developer.move') movedFrom.set(action.to, action.from);
  const stored = (email: string) => movedFrom.get(email) ?? email;
  const emails = new Set<string>();
  for (const { action } of changes) {
    if (action.do === 'portal.update' || action.do === 'developer.create') continue;
    if (action.do === 'developer.move') emails.add(action.from);
    else if ('email' in action) emails.add(stored(action.email));
  }
  // Every credential of a touched developer, not only those the steps name: one made since (a
  // developer deleted or revoked would take it along unseen) or changed since makes the plan stale.
  for (const developer of state.developers) {
    if (!emails.has(developer.email)) continue;
    if (developer.version !== undefined) touches.developers[developerAddress(developer.email)] = developer.version;
    for (const credential of developer.credentials) {
      if (credential.version !== undefined)
        touches.credentials[credentialAddress(developer.email, credential.type, credential.identity)] =
          credential.version;
    }
    for (const application of developer.applications ?? []) touchApplication(touches, developer.email, application);
  }
  return touches;
}

/**
 * An application of a touched developer, with its credentials and registrations: one deleted or
 * changed since (the developer deletes the application a registration of which the plan approves)
 * makes the plan stale, as one made since does.
 */
function touchApplication(touches: NonNullable<Plan['touches']>, email: string, application: StoredApplication): void {
  const { name } = application;
  const applications = (touches.applications ??= {});
  const registrations = (touches.registrations ??= {});
  if (application.version !== undefined) applications[applicationAddress(email, name)] = application.version;
  for (const credential of application.credentials) {
    if (credential.version !== undefined)
      touches.credentials[credentialAddress(email, credential.type, credential.identity, name)] = credential.version;
  }
  for (const registration of application.registrations) {
    if (registration.version !== undefined)
      registrations[registrationAddress(email, name, registration.api)] = registration.version;
  }
}
