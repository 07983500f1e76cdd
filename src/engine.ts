import { randomUUID } from 'node:crypto';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { resolve } from 'node:path';
import { normalizeAddress } from './address.js';
import { Executor, type GeneratedSecrets, type SecretValueSource } from './apply/execute.js';
import { PortalformError, StalePlanError } from './errors.js';
import { GENESIS_HASH, sealEntry } from './history.js';
import { loadManifests } from './manifest/index.js';
import { credentialAddress, secretIsUsed, type DesiredState, type Diagnostic } from './model.js';
import { TOOL_VERSION } from './package-info.js';
import { diff } from './plan/diff.js';
import { publicChanges } from './plan/json.js';
import { orderChanges, uniqueConflicts } from './plan/order.js';
import { PlanScope } from './plan/scope.js';
import { planDigest, readPlanFile } from './plan/planfile.js';
import { summarize, type Change, type Plan } from './plan/types.js';
import { Vault } from './secrets/vault.js';
import { openStore, type StateWriter, type Store, type WriteSession } from './store/index.js';
import type { LockInfo, ReadScope, StateSnapshot } from './store/types.js';

export interface StateOptions {
  /** A file path or postgres:// URL; default $PORTALFORM_STATE or ./portalform.db. */
  state?: string;
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** Default $PORTALFORM_STATE_KEY. */
  stateKey?: string | null;
}

export interface PlanOptions extends StateOptions {
  paths?: string[];
  secretsDirs?: string[];
  replace?: string[];
  target?: string[];
  rotate?: string[];
}

export interface ApplyOptions extends PlanOptions {
  /** Apply this saved plan instead of planning from manifests. */
  planFile?: string;
  actor?: string;
  lockTimeoutMs?: number;
  /** Where generated secret values go (created 0600). */
  secretsOut?: string;
  /** Asked before changing anything; returning false cancels. */
  confirm?: (plan: Plan) => Promise<boolean>;
  warn?: (message: string) => void;
  onProgress?: (done: number, total: number) => void;
}

export interface ApplyResult {
  plan: Plan;
  /** False when nothing changed or the user declined. */
  applied: boolean;
  lineage: string;
  serial: number;
  /** Addresses whose secrets were generated. */
  generated: string[];
}

/** Loads and validates manifests; a manifest error stops everything before the state is touched. */
export async function load(options: PlanOptions): Promise<{ desired: DesiredState; warnings: Diagnostic[] }> {
  const env = envOf(options);
  const result = await loadManifests({
    paths: options.paths?.length ? options.paths : ['.'],
    secretsDirs: options.secretsDirs ?? [],
    env,
    cwd: cwdOf(options),
  });
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  if (!result.desired || errors.length > 0) {
    throw new PortalformError(`${errors.length} error${errors.length === 1 ? '' : 's'} in the manifests; nothing was changed`, errors);
  }
  return { desired: result.desired, warnings: result.diagnostics.filter((d) => d.severity === 'warning') };
}

/** Shows what apply would do. Illegal transitions and unknown addresses come back in `plan.errors`. */
export async function plan(options: PlanOptions = {}): Promise<Plan> {
  return (await planWithState(options)).plan;
}

/** The plan together with the state it was made against (for renderers that show both). */
export async function planWithState(options: PlanOptions = {}): Promise<{ plan: Plan; state: StateSnapshot }> {
  const { desired, warnings } = await load(options);
  const store = storeOf(options);
  try {
    const { state, vault: opened } = await readForPlan(store, desired, options);
    const vault = opened ?? (state.lineage === null ? Vault.ephemeral() : Vault.open(state.lineage, state.meta, stateKeyOf(options)));
    const result = makePlan(desired, state, vault, options);
    result.warnings.unshift(...warnings);
    return { plan: result, state };
  } finally {
    await store.close();
  }
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
  const addresses = [...(options.replace ?? []), ...(options.rotate ?? []), ...(options.target ?? [])].map(normalizeAddress);
  const scope = new PlanScope(desired, addresses);
  let vault: Vault | undefined;
  const state = await reader.read((index, meta) => scope.select(index, (vault = Vault.open(meta.lineage!, meta, stateKeyOf(options)))));
  return { state, vault, scope };
}

/** Diffs and orders: pure, no I/O. */
export function makePlan(desired: DesiredState, state: StateSnapshot, vault: Vault, options: PlanOptions): Plan {
  const replace = new Set((options.replace ?? []).map(normalizeAddress));
  const rotate = new Set((options.rotate ?? []).map(normalizeAddress));
  const target = (options.target ?? []).map(normalizeAddress);
  const { changes, errors } = diff(desired, state, vault, { replace, rotate });
  errors.push(...unknownAddresses(desired, state, [...replace, ...rotate, ...target]));
  errors.push(...uniqueConflicts(changes, state));
  let ordered = orderChanges(changes, state);
  const warnings: Diagnostic[] = [];
  if (target.length > 0) {
    ordered = ordered.filter((change) => isTargeted(change, target));
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
    paths: (options.paths?.length ? options.paths : ['.']).map((p) => resolve(cwdOf(options), p)),
    secretsDirs: (options.secretsDirs ?? []).map((p) => resolve(cwdOf(options), p)),
    generates: generatedAddresses(ordered),
  };
}

/**
 * Applies manifests (or a saved plan) in one transaction under the state lock. The state,
 * its history and the secrets file change together or not at all.
 */
export async function apply(options: ApplyOptions = {}): Promise<ApplyResult> {
  const saved = options.planFile ? readPlanFile(options.planFile) : null;
  if (saved) await refuseForeignPlan(saved, options);
  const manifests = saved ? null : await load(options);
  const desired = saved ? await desiredForSavedPlan(saved, options) : manifests!.desired;
  const store = storeOf(options);
  const holder = { user: userName(), host: hostname(), pid: process.pid, operation: 'apply' };
  const warn = options.warn ?? (() => undefined);
  try {
    const result = await store.withWriteSession(holder, options.lockTimeoutMs ?? 0, warn, (session) =>
      applyInSession(session, saved, desired, options),
    );
    // The manifests' warnings (a literal secret, …) belong to the plan, as they do for `plan`.
    if (manifests) result.plan.warnings.unshift(...manifests.warnings);
    return result;
  } finally {
    await store.close();
  }
}

/** Under the lock: plan against the state as it is now, confirm, then write it all in one transaction. */
async function applyInSession(session: WriteSession, saved: Plan | null, desired: DesiredState | null, options: ApplyOptions): Promise<ApplyResult> {
  const read: { state: StateSnapshot; vault?: Vault; scope?: PlanScope } = saved ? { state: await session.read() } : await readForPlan(session, desired!, options);
  const state = read.state;
  const lineage = state.lineage ?? randomUUID();
  const vault = read.vault ?? Vault.open(lineage, state.meta, stateKeyOf(options));
  const thePlan = saved ?? makePlan(desired!, state, vault, options);
  if (saved) await checkSavedPlan(saved, state, session);
  if (thePlan.errors.length > 0) throw new PortalformError('the plan has errors; nothing was changed', thePlan.errors);
  // Only a complete apply of the manifests leaves every desired developer matching them.
  const inSync = read.scope && !options.target?.length ? read.scope : null;
  const unchanged: ApplyResult = { plan: thePlan, applied: false, lineage, serial: state.serial, generated: [] };
  if (thePlan.changes.length === 0) {
    const digests = inSync?.digestsToStore(new Set(), vault) ?? [];
    if (state.lineage === null || digests.length > 0) {
      await session.transaction(async (w) => {
        if (state.lineage === null) await w.setMeta({ lineage, serial: '0', ...vault.metaToWrite });
        await w.storeSyncDigests(digests);
      });
    }
    return unchanged;
  }
  requireWayToDeliverGenerated(thePlan, vault, options);
  if (!saved && options.confirm && !(await options.confirm(thePlan))) return unchanged;

  const context = { plan: thePlan, state, lineage, vault, secrets: desired ? secretIndex(desired, thePlan.changes) : new Map(), options, inSync };
  const generated = await session.transaction((writer) => writeChanges(writer, context)).catch((error) => {
    if (options.secretsOut) rmSync(pendingSecretsPath(options.secretsOut), { force: true });
    throw error;
  });
  if (options.secretsOut && Object.keys(generated).length > 0) renameSync(pendingSecretsPath(options.secretsOut), options.secretsOut);
  return { ...unchanged, applied: true, serial: state.serial + 1, generated: Object.keys(generated) };
}

function requireWayToDeliverGenerated(thePlan: Plan, vault: Vault, options: ApplyOptions): void {
  if (thePlan.generates.length === 0 || vault.canEncrypt || options.secretsOut) return;
  const named = thePlan.generates.slice(0, 3).join(', ') + (thePlan.generates.length > 3 ? ', …' : '');
  throw new PortalformError(
    `this apply generates secrets (${named}) but the state has no key to keep them recoverable: ` +
      'pass --secrets-out FILE to receive them, or set PORTALFORM_STATE_KEY',
  );
}

interface WriteContext {
  plan: Plan;
  state: StateSnapshot;
  lineage: string;
  vault: Vault;
  /** Secret values by credential address and field, from the manifests. */
  secrets: Map<string, Record<string, string>>;
  options: ApplyOptions;
  /** Set when this apply brings every desired developer in line with the manifests. */
  inSync: PlanScope | null;
}

/** Inside the transaction: the changes, the new serial, the history entry and the secrets file. */
async function writeChanges(writer: StateWriter, context: WriteContext): Promise<GeneratedSecrets> {
  const { plan: thePlan, state, lineage, vault, options } = context;
  const current = await writer.conn.selectFrom('pf_meta').select('value').where('key', '=', 'serial').executeTakeFirst();
  if (Number(current?.value ?? 0) !== state.serial) throw new StalePlanError('Saved plan is stale: the state changed while planning');
  const at = new Date().toISOString();
  if (state.lineage === null) await writer.setMeta({ lineage, created_at: at });
  await writer.setMeta(vault.metaToWrite);
  const serial = state.serial + 1;
  await writer.setMeta({ serial: String(serial) });
  // The entry records the plan, not what executing it produced, so it is written first: the
  // transaction makes the order invisible, and a large apply's entry (about 94 MB for 400,000
  // changes, copied again by the database) is then never held beside the executor's work.
  const prevHash = (await writer.lastHistoryHash()) ?? GENESIS_HASH;
  await writer.appendHistory(sealEntry(applyEntry(thePlan, { serial, serialBefore: state.serial, lineage, at, actor: actorOf(options) }), prevHash));
  const executor = new Executor({ writer, state, vault, now: at, onStep: options.onProgress, secretValue: manifestSecret(context) });
  await executor.run(thePlan.changes);
  if (context.inSync) await writer.storeSyncDigests(context.inSync.digestsToStore(touchedDevelopers(thePlan.changes), vault));
  // Written before commit: if it cannot be written, nothing is applied and no generated value is lost.
  if (options.secretsOut && Object.keys(executor.generated).length > 0) writeSecretsOut(options.secretsOut, executor.generated);
  return executor.generated;
}

/** A secret the manifests give, checked against the digest the plan was made with. */
function manifestSecret({ secrets, vault }: WriteContext): SecretValueSource {
  return async (address, type, field, secret) => {
    const value = secrets.get(address)?.[field];
    if (value === undefined || vault.digest(type, field, value) !== secret.digest) {
      throw new PortalformError(`the ${field} of ${address} changed since the plan was made; make a new plan`);
    }
    return value;
  };
}

function applyEntry(thePlan: Plan, facts: { serial: number; serialBefore: number; lineage: string; at: string; actor: string }) {
  return {
    kind: 'apply',
    ...facts,
    toolVersion: TOOL_VERSION,
    manifestDigest: thePlan.manifestDigest,
    planDigest: planDigest(thePlan),
    summary: thePlan.summary,
    changes: publicChanges(thePlan.changes),
  };
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

/** A plan made for another state is refused before the lock is taken, so refusing it writes nothing. */
async function refuseForeignPlan(saved: Plan, options: StateOptions): Promise<void> {
  const store = storeOf(options);
  try {
    checkPlanLineage(saved, await store.read());
  } finally {
    await store.close();
  }
}

function checkPlanLineage(saved: Plan, state: StateSnapshot): void {
  if (saved.state.lineage === null || saved.state.lineage !== state.lineage) {
    throw new StalePlanError(
      saved.state.lineage === null
        ? 'Saved plan does not match this state: it was made before the state existed; apply the manifests directly, or plan again'
        : `Saved plan does not match this state: it was made for lineage ${saved.state.lineage}, this state is ${state.lineage ?? '(none)'}`,
    );
  }
}

async function checkSavedPlan(saved: Plan, state: StateSnapshot, session: WriteSession): Promise<void> {
  checkPlanLineage(saved, state);
  if (saved.state.serial === state.serial) return;
  const digest = planDigest(saved);
  const history = await session.readHistory();
  if (history.some((row) => row.kind === 'apply' && JSON.parse(row.entry).planDigest === digest)) {
    throw new StalePlanError('Saved plan was already applied');
  }
  throw new StalePlanError(
    `Saved plan is stale: it was made at serial ${saved.state.serial}, the state is now at serial ${state.serial}; make a new plan`,
  );
}

/** A saved plan holds only secret sources: re-read the manifests it came from to resolve them. */
async function desiredForSavedPlan(saved: Plan, options: ApplyOptions): Promise<DesiredState | null> {
  const needsSecrets = saved.changes.some((c) => {
    const secrets = c.action.do === 'credential.create' || c.action.do === 'credential.update' ? c.action.secrets : undefined;
    return Object.values(secrets ?? {}).some((s) => s.mode === 'given');
  });
  if (!needsSecrets) return null;
  return (await load({ ...options, paths: saved.paths, secretsDirs: saved.secretsDirs })).desired;
}

/** The manifests' secret values of the credentials the changes create or update, by address. */
function secretIndex(desired: DesiredState, changes: Change[]): Map<string, Record<string, string>> {
  const index = new Map<string, Record<string, string>>();
  const changed = new Set<string>();
  for (const { action } of changes) if (action.do === 'credential.create' || action.do === 'credential.update') changed.add(action.email);
  // Only their developers: building the credentials of every developer would cost a large portal dearly.
  for (const developer of desired.developers) {
    if (!changed.has(developer.email)) continue;
    for (const credential of developer.credentials) {
      const values = Object.fromEntries(Object.entries(credential.secrets).map(([field, s]) => [field, s.value]));
      index.set(credentialAddress(developer.email, credential.type, credential.identity), values);
    }
  }
  return index;
}

/** Emails of the developers whose rows or credentials the changes write, under their final names. */
function touchedDevelopers(changes: Change[]): Set<string> {
  const emails = new Set<string>();
  for (const { action } of changes) {
    if (action.do === 'portal.update') continue;
    if (action.do === 'developer.create') emails.add(action.developer.email);
    else if (action.do === 'developer.move') emails.add(action.to);
    else emails.add(action.email);
  }
  return emails;
}

/** Credentials whose generated secrets someone must receive (an asymmetric jwt never uses its secret). */
function generatedAddresses(changes: Change[]): string[] {
  return changes
    .filter((c) => {
      const a = c.action;
      if (a.do !== 'credential.create' && a.do !== 'credential.update') return false;
      const fields = a.fields ?? {};
      return Object.entries(a.secrets ?? {}).some(([field, s]) => s.mode === 'generate' && secretIsUsed(a.type, fields, field));
    })
    .map((c) => c.address);
}

/**
 * Written to a temporary name and renamed only once the transaction commits (see apply), so a
 * failed apply never leaves values that were not stored, nor touches a file already there.
 */
function writeSecretsOut(path: string, generated: GeneratedSecrets): void {
  writeFileSync(pendingSecretsPath(path), JSON.stringify(generated, null, 2) + '\n', { mode: 0o600, flag: 'w' });
}

function pendingSecretsPath(path: string): string {
  return `${path}.pending`;
}

/** Every address named on the command line must exist in the manifests or the state. */
function unknownAddresses(desired: DesiredState, state: StateSnapshot, addresses: string[]): Diagnostic[] {
  if (addresses.length === 0) return []; // the usual case: no need to list every address
  const known = new Set<string>();
  for (const developers of [desired.developers, state.developers]) {
    for (const developer of developers) {
      known.add(`developer[${JSON.stringify(developer.email)}]`);
      for (const c of developer.credentials) known.add(credentialAddress(developer.email, c.type, c.identity));
    }
  }
  return addresses
    .filter((address) => !known.has(address))
    .map((address) => ({ severity: 'error' as const, message: `${address} is neither in the manifests nor in the state` }));
}

function isTargeted(change: Change, targets: string[]): boolean {
  return targets.some((target) => {
    if (change.address === target || change.address.startsWith(`${target}.`)) return true;
    // A targeted credential needs its developer to exist, under its name, in a status that allows it.
    return target.startsWith(`${change.address}.`) && change.kind === 'developer' && change.op !== 'update' && change.op !== 'delete';
  });
}

export function storeOf(options: StateOptions): Store {
  return openStore(options.state ?? envOf(options).PORTALFORM_STATE ?? undefined, cwdOf(options));
}

export function stateKeyOf(options: StateOptions): string | null {
  return options.stateKey || envOf(options).PORTALFORM_STATE_KEY || null;
}

function envOf(options: StateOptions): Record<string, string | undefined> {
  return options.env ?? process.env;
}

function cwdOf(options: StateOptions): string {
  return options.cwd ?? process.cwd();
}

/** Who applied: --actor, then the CI system's user, then the local user. */
export function actorOf(options: StateOptions & { actor?: string }): string {
  const env = envOf(options);
  return (
    options.actor ??
    env.PORTALFORM_ACTOR ??
    env.GITHUB_ACTOR ??
    env.GITLAB_USER_LOGIN ??
    env.BUILDKITE_BUILD_CREATOR ??
    env.CIRCLE_USERNAME ??
    `${userName()}@${hostname()}`
  );
}

export function userName(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

