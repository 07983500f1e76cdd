// The plan/apply pipeline: load the manifests, read what the plan needs, make the plan and, for an
// apply, hand it under the state lock to the apply transaction (apply/transaction.ts).
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { normalizeAddress } from './address.js';
import { commitApply, commitNoChanges, requireWayToDeliverGenerated, type ApplyContext } from './apply/transaction.js';
import { PortalformError } from './errors.js';
import { loadManifests } from './manifest/index.js';
import { secretIsUsed, type DesiredState, type Diagnostic } from './model.js';
import {
  cwdOf,
  envOf,
  pathsOf,
  stateKeyOf,
  storeOf,
  userName,
  type PlanOptions,
  type StateOptions,
} from './options.js';
import { queueDecisionMail, type Decisions } from './apply/decision-mail.js';
import type { ApplyOptions } from './apply/options.js';
import { diff } from './plan/diff.js';
import { orderChanges, uniqueConflicts } from './plan/order.js';
import { PlanScope } from './plan/scope.js';
import { unmanagedObjects } from './plan/unmanaged.js';
import { checkShownMatchesSteps, readPlanFile } from './plan/planfile.js';
import { targetedBy, unknownAddresses } from './plan/target.js';
import { checkSavedPlan, checkSealIfPossible, emailsOf, refuseForeignPlan, sealFor, touchesOf } from './plan/saved.js';
import { summarize, type Change, type Plan } from './plan/types.js';
import { Vault } from './secrets/vault.js';
import type { WriteSession } from './store/index.js';
import type { LockInfo, ReadScope, StateSnapshot } from './store/types.js';
import { plural } from './util/plural.js';
import { unrecoverableSecretsWarning } from './plan/secret-checks.js';
import { secretCheckedCredentials } from './store/access-rows.js';
import { APPLICATIONS_VERSION } from './store/schema.js';

export interface ApplyResult {
  plan: Plan;
  /** False when nothing changed or the user declined. */
  applied: boolean;
  lineage: string;
  serial: number;
  /** Addresses whose secrets were generated. */
  generated: string[];
  /** Decision messages queued to developers whose status or registrations the apply changed (docs/portal-service.md, "Mail"). */
  decisionMessages: number;
}

/** Loads and validates manifests; a manifest error stops everything before the state is touched. */
export async function load(options: PlanOptions): Promise<{ desired: DesiredState; warnings: Diagnostic[] }> {
  const env = envOf(options);
  const result = await loadManifests({
    paths: pathsOf(options),
    secretsDirs: options.secretsDirs ?? [],
    env,
    cwd: cwdOf(options),
  });
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  if (!result.desired || errors.length > 0) {
    throw new PortalformError(`${plural(errors.length, 'error')} in the manifests; nothing was changed`, errors);
  }
  return { desired: result.desired, warnings: result.diagnostics.filter((d) => d.severity === 'warning') };
}

/**
 * Shows what apply would do, sealed so that `apply({ plan })` or a saved plan file applies exactly
 * it. Every problem is reported one way: a thrown PortalformError whose `diagnostics` list the
 * errors (manifest errors, illegal transitions, unknown addresses), then the warnings. A plan
 * returned has no errors.
 */
export async function plan(options: PlanOptions = {}): Promise<Plan> {
  return (await planWithState(options)).plan;
}

/** The plan together with the state it was made against (for renderers that show both). Throws as `plan` does. */
export async function planWithState(options: PlanOptions = {}): Promise<{ plan: Plan; state: StateSnapshot }> {
  const { desired, warnings } = await load(options);
  const store = storeOf(options);
  try {
    const { state, vault: opened } = await readForPlan(store, desired, options);
    const existing =
      state.lineage === null ? null : (opened ?? Vault.open(state.lineage, state.meta, stateKeyOf(options)));
    const result = makePlan(desired, state, existing ?? Vault.ephemeral(), options);
    result.warnings.unshift(...warnings, ...store.warnings);
    if (state.lineage !== null) result.warnings.push(...(await secretCheckWarnings(store, result.changes)));
    if (result.errors.length > 0) {
      throw new PortalformError(`the plan has ${plural(result.errors.length, 'error')}; nothing was changed`, [
        ...result.errors,
        ...result.warnings,
      ]);
    }
    result.seal = sealFor(result, existing, stateKeyOf(options));
    return { plan: result, state };
  } finally {
    await store.close();
  }
}

/** hmac-auth and HS* jwt credentials no access check can verify (docs/access-checks.md), read across the whole state. */
async function secretCheckWarnings(store: ReturnType<typeof storeOf>, changes: Plan['changes']): Promise<Diagnostic[]> {
  const opened = await store.openExisting();
  if (!opened?.migrations.includes(APPLICATIONS_VERSION)) return [];
  return unrecoverableSecretsWarning(await secretCheckedCredentials(opened.db), changes);
}

/**
 * Reads what a plan of `desired` needs: only developers whose sync digest does not show them
 * matching the manifests (see plan/scope.ts). The vault is opened on the way, when a state exists.
 */
async function readForPlan(
  reader: { read(scope?: ReadScope): Promise<StateSnapshot> },
  desired: DesiredState,
  options: PlanOptions,
): Promise<{ state: StateSnapshot; vault?: Vault; scope: PlanScope }> {
  const addresses = [...(options.replace ?? []), ...(options.rotate ?? []), ...(options.target ?? [])].map(
    normalizeAddress,
  );
  const scope = new PlanScope(desired, addresses);
  let vault: Vault | undefined;
  const state = await reader.read((index, meta) =>
    scope.select(index, (vault = Vault.open(meta.lineage!, meta, stateKeyOf(options)))),
  );
  return { state, vault, scope };
}

/** Diffs and orders: pure, no I/O. */
export function makePlan(desired: DesiredState, state: StateSnapshot, vault: Vault, options: PlanOptions): Plan {
  const replace = new Set((options.replace ?? []).map(normalizeAddress));
  const rotate = new Set((options.rotate ?? []).map(normalizeAddress));
  const target = (options.target ?? []).map(normalizeAddress);
  const { changes, errors, warnings: diffWarnings } = diff(desired, state, vault, { replace, rotate });
  errors.push(...unknownAddresses(desired, state, [...replace, ...rotate, ...target]));
  errors.push(...uniqueConflicts(changes, state));
  let ordered = orderChanges(changes, state);
  const warnings: Diagnostic[] = [...diffWarnings];
  if (target.length > 0) {
    ordered = ordered.filter(targetedBy(target));
    warnings.push({
      severity: 'warning',
      message:
        'Resource targeting is in effect: the plan may be incomplete, and changes outside the targets are not shown. ' +
        'Use --target to recover from mistakes, not routinely.',
    });
  }
  return {
    formatVersion: '1',
    state: { lineage: state.lineage, serial: state.serial },
    changes: ordered,
    summary: summarize(ordered),
    errors,
    warnings,
    manifestDigest: desired.manifestDigest,
    paths: pathsOf(options).map((p) => resolve(cwdOf(options), p)),
    secretsDirs: (options.secretsDirs ?? []).map((p) => resolve(cwdOf(options), p)),
    generates: generatedAddresses(ordered),
    touches: touchesOf(ordered, state),
    unmanaged: unmanagedObjects(state, ordered),
  };
}

/**
 * Applies manifests (or a saved plan) in one transaction under the state lock. The state,
 * its history and the secrets file change together or not at all.
 */
export async function apply(options: ApplyOptions = {}): Promise<ApplyResult> {
  const saved = reviewedPlan(options);
  if (saved) await refuseForeignPlan(saved, storeOf(options));
  const manifests = saved ? null : await load(options);
  const desired = saved ? await desiredForSavedPlan(saved, options) : manifests!.desired;
  const store = storeOf(options);
  const holder = { user: userName(), host: hostname(), pid: process.pid, operation: 'apply' };
  const warn = options.warn ?? (() => undefined);
  try {
    const { decisions, ...result } = await store.withWriteSession(holder, options.lockTimeoutMs ?? 0, warn, (session) =>
      applyInSession(session, saved, desired, options),
    );
    // After the commit and the lock's release: mail neither undoes nor holds up the apply.
    if (decisions) result.decisionMessages = await queueDecisionMail(store, decisions, warn);
    // The manifests' warnings (a literal secret, …) belong to the plan, as they do for `plan`.
    if (manifests) result.plan.warnings.unshift(...manifests.warnings);
    return result;
  } finally {
    await store.close();
  }
}

/** Under the lock: plan against the state as it is now, confirm, then hand the plan to the apply transaction. */
async function applyInSession(
  session: WriteSession,
  saved: Plan | null,
  desired: DesiredState | null,
  options: ApplyOptions,
): Promise<ApplyResult & { decisions?: Decisions }> {
  const read: { state: StateSnapshot; vault?: Vault; scope?: PlanScope } = saved
    ? { state: await session.read(savedPlanScope(saved)) }
    : await readForPlan(session, desired!, options);
  const state = read.state;
  const lineage = state.lineage ?? randomUUID();
  const vault = read.vault ?? Vault.open(lineage, state.meta, stateKeyOf(options));
  const thePlan = saved ?? makePlan(desired!, state, vault, options);
  if (saved) await checkSavedPlan(saved, state, session, vault, stateKeyOf(options));
  if (thePlan.errors.length > 0) throw new PortalformError('the plan has errors; nothing was changed', thePlan.errors);
  // Only a complete apply of the manifests leaves every desired developer matching them.
  const inSync = read.scope && !options.target?.length ? read.scope : null;
  const context: ApplyContext = {
    plan: thePlan,
    state,
    lineage,
    vault,
    desired,
    options,
    inSync,
    saved: saved !== null,
  };
  const unchanged: ApplyResult = {
    plan: thePlan,
    applied: false,
    lineage,
    serial: state.serial,
    generated: [],
    decisionMessages: 0,
  };
  if (thePlan.changes.length === 0) {
    await commitNoChanges(context, session);
    return unchanged;
  }
  requireWayToDeliverGenerated(thePlan, vault, options);
  if (!saved && options.confirm && !(await options.confirm(thePlan))) return unchanged;
  const { generated, decided, news } = await commitApply(context, session);
  return { ...unchanged, applied: true, serial: state.serial + 1, generated, decisions: { decided, news } };
}

/**
 * A saved plan for `show`: read and checked as apply would, its seal verified when its state is
 * at hand (`verified` false when it is not: another machine, no access, no key).
 */
export async function readSavedPlan(
  path: string,
  options: StateOptions = {},
): Promise<{ plan: Plan; verified: boolean }> {
  const saved = readPlanFile(path);
  let state: StateSnapshot;
  const store = storeOf(options);
  try {
    state = await store.read();
  } catch {
    return { plan: saved, verified: false };
  } finally {
    await store.close();
  }
  return { plan: saved, verified: checkSealIfPossible(saved, state, stateKeyOf(options)) };
}

/** Clears a lock record left by a crashed run. */
export async function forceUnlock(lockId: string, options: StateOptions = {}): Promise<LockInfo> {
  const store = storeOf(options);
  try {
    return await store.forceUnlock(lockId);
  } finally {
    await store.close();
  }
}

/** A saved plan reads only the developers its steps name (the rows it takes or touches are checked by apply/touched.ts). */
function savedPlanScope(saved: Plan): ReadScope {
  const read = emailsOf(saved);
  return () => ({ read: new Set(read), inSync: new Set(), claims: { customIds: [], unique: [] } });
}

/** The reviewed plan to apply, if one was given: a Plan object, or a saved plan file. */
function reviewedPlan(options: ApplyOptions): Plan | null {
  const given = options.plan ?? options.planFile;
  if (given === undefined) return null;
  if (typeof given === 'string') return readPlanFile(given);
  checkShownMatchesSteps(given);
  return given;
}

/**
 * A saved plan's manifests, read again: they give its secret values, and each step is checked
 * against them (apply/recheck.ts). A plan without steps needs none.
 */
async function desiredForSavedPlan(saved: Plan, options: ApplyOptions): Promise<DesiredState | null> {
  if (saved.changes.length === 0) return null;
  return (await load({ ...options, paths: saved.paths, secretsDirs: saved.secretsDirs })).desired;
}

/** Credentials whose generated secrets someone must receive (an asymmetric jwt never uses its secret). */
function generatedAddresses(changes: Change[]): string[] {
  return changes
    .filter((c) => {
      const a = c.action;
      if (a.do !== 'credential.create' && a.do !== 'credential.update') return false;
      const fields = a.fields ?? {};
      return Object.entries(a.secrets ?? {}).some(
        ([field, s]) => s.mode === 'generate' && secretIsUsed(a.type, fields, field),
      );
    })
    .map((c) => c.address);
}
