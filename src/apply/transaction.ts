// The apply transaction: what an apply writes, and in which order. Inside one transaction, under
// the state lock: the new serial, then the history entry (first, see writeChanges), then the
// executor's changes, then the sync digests, then the --secrets-out file under a temporary name,
// all before commit; the file is renamed to its name only after the commit. A failure anywhere
// before the commit leaves the state, its history and the secrets file as they were.
import { renameSync, rmSync } from 'node:fs';
import { PortalformError, StalePlanError } from '../errors.js';
import { appendEntry } from '../history.js';
import { readSerial } from '../store/meta.js';
import { credentialAddress, type DesiredState, type Status } from '../model.js';
import { actorOf } from '../options.js';
import type { ApplyOptions } from './options.js';
import { TOOL_VERSION } from '../package-info.js';
import { publicChanges } from '../plan/json.js';
import { planDigest } from '../plan/planfile.js';
import type { PlanScope } from '../plan/scope.js';
import { summarize, type Change, type Plan } from '../plan/types.js';
import type { Vault } from '../secrets/vault.js';
import type { StateWriter, WriteSession } from '../store/index.js';
import type { StateSnapshot } from '../store/types.js';
import type { DecisionChange } from '../mail/messages.js';
import { Executor, type GeneratedSecrets, type SecretValueSource } from './execute.js';
import { recheckSteps } from './recheck.js';
import { checkTouchedRows } from './touched.js';
import { removeLeftoverSecrets, writePendingSecrets } from './secrets-out.js';

export interface ApplyContext {
  plan: Plan;
  state: StateSnapshot;
  lineage: string;
  vault: Vault;
  /** The manifests the plan was made from; null for a saved plan that gives no secret. */
  desired: DesiredState | null;
  options: ApplyOptions;
  /** Set when this apply brings every desired developer in line with the manifests. */
  inSync: PlanScope | null;
  /** A saved plan: the rows it touches are checked again inside the transaction (touched.ts). */
  saved: boolean;
}

interface WriteContext extends ApplyContext {
  /** Secret values by credential address and field, from the manifests. */
  secrets: Map<string, Record<string, string>>;
  /** Set once the --secrets-out file's temporary copy is written. */
  pendingSecrets?: string;
}

/** A plan with no changes still creates a new state's lineage and stores the sync digests it learned. */
export async function commitNoChanges(
  { state, lineage, vault, inSync }: ApplyContext,
  session: WriteSession,
): Promise<void> {
  const digests = inSync?.digestsToStore(new Set(), vault) ?? [];
  if (state.lineage !== null && digests.length === 0) return;
  await session.transaction(async (w) => {
    if (state.lineage === null) await w.setMeta({ lineage, serial: '0', ...vault.metaToWrite });
    await w.storeSyncDigests(digests);
  });
}

export function requireWayToDeliverGenerated(thePlan: Plan, vault: Vault, options: ApplyOptions): void {
  if (thePlan.generates.length === 0 || vault.canEncrypt || options.secretsOut) return;
  const named = thePlan.generates.slice(0, 3).join(', ') + (thePlan.generates.length > 3 ? ', …' : '');
  throw new PortalformError(
    `this apply generates secrets (${named}) but the state has no key to keep them recoverable: ` +
      'pass --secrets-out FILE to receive them, or set PORTALFORM_STATE_KEY',
  );
}

/** What a committed apply produced beyond the state: the secrets it generated and the decisions to mail. */
export interface Committed {
  /** Addresses whose secrets were generated. */
  generated: string[];
  /** The final status of each stored developer whose status changed, by id (decision-mail.ts). */
  decided: Map<string, Status>;
  /** The news of their applications and registrations each kept developer is to be told, by id. */
  news: Map<string, DecisionChange[]>;
}

/** Writes the plan's changes in one transaction. */
export async function commitApply(context: ApplyContext, session: WriteSession): Promise<Committed> {
  const { options } = context;
  if (options.secretsOut) removeLeftoverSecrets(options.secretsOut, options.warn ?? (() => undefined));
  const write: WriteContext = {
    ...context,
    secrets: context.desired ? secretIndex(context.desired, context.plan.changes) : new Map(),
  };
  const { generated, decided, news } = await session
    .transaction((writer) => writeChanges(writer, write))
    .catch((error) => {
      if (write.pendingSecrets) rmSync(write.pendingSecrets, { force: true });
      throw error;
    });
  if (options.secretsOut && write.pendingSecrets) renameSync(write.pendingSecrets, options.secretsOut);
  return { generated: Object.keys(generated), decided, news };
}

/** Inside the transaction: the changes, the new serial, the history entry and the secrets file. */
async function writeChanges(
  writer: StateWriter,
  context: WriteContext,
): Promise<Omit<Committed, 'generated'> & { generated: GeneratedSecrets }> {
  const { plan: thePlan, state, lineage, vault, options } = context;
  if ((await readSerial(writer.conn)) !== state.serial)
    throw new StalePlanError('Saved plan is stale: the state changed while planning');
  if (context.saved) {
    // Staleness first: a step that no longer fits the state is most often one a self-service change overtook.
    await checkTouchedRows(thePlan, writer.conn);
    recheckSteps(thePlan, state, context.desired);
  }
  const at = new Date().toISOString();
  if (state.lineage === null) await writer.setMeta({ lineage, created_at: at });
  await writer.setMeta(vault.metaToWrite);
  const serial = state.serial + 1;
  await writer.setMeta({ serial: String(serial) });
  // The entry records the plan, not what executing it produced, so it is written first: the
  // transaction makes the order invisible, and a large apply's entry (about 94 MB for 400,000
  // changes, copied again by the database) is then never held beside the executor's work.
  await appendEntry(
    writer,
    'apply',
    applyEntry(thePlan, { serial, serialBefore: state.serial, lineage, at, actor: actorOf(options) }),
  );
  const executor = new Executor({
    writer,
    state,
    vault,
    now: at,
    onStep: options.onProgress,
    secretValue: manifestSecret(context),
  });
  await executor.run(thePlan.changes);
  if (context.inSync)
    await writer.storeSyncDigests(context.inSync.digestsToStore(touchedDevelopers(thePlan.changes), vault));
  // Written before commit: if it cannot be written, nothing is applied and no generated value is lost.
  if (options.secretsOut && Object.keys(executor.generated).length > 0) {
    context.pendingSecrets = writePendingSecrets(
      options.secretsOut,
      `${JSON.stringify(executor.generated, null, 2)}\n`,
    );
  }
  return { generated: executor.generated, decided: executor.decided, news: executor.news() };
}

/** A secret the manifests give, checked against the digest the plan was made with. */
function manifestSecret({ secrets, vault, saved, plan }: WriteContext): SecretValueSource {
  // A plan made on no state had no digest key yet: its digests compare with nothing (the step
  // itself was checked against the manifests, apply/recheck.ts).
  const digestsComparable = !(saved && plan.state.lineage === null);
  return async (address, type, field, secret) => {
    const value = secrets.get(address)?.[field];
    if (value === undefined || (digestsComparable && vault.digest(type, field, value) !== secret.digest)) {
      throw new PortalformError(`the ${field} of ${address} changed since the plan was made; make a new plan`);
    }
    return value;
  };
}

function applyEntry(
  thePlan: Plan,
  facts: { serial: number; serialBefore: number; lineage: string; at: string; actor: string },
) {
  return {
    kind: 'apply',
    ...facts,
    toolVersion: TOOL_VERSION,
    manifestDigest: thePlan.manifestDigest,
    planDigest: planDigest(thePlan),
    summary: summarize(thePlan.changes),
    changes: publicChanges(thePlan.changes),
  };
}

/** The manifests' secret values of the credentials the changes create or update, by address. */
function secretIndex(desired: DesiredState, changes: Change[]): Map<string, Record<string, string>> {
  const index = new Map<string, Record<string, string>>();
  const changed = new Set<string>();
  for (const { action } of changes)
    if (action.do === 'credential.create' || action.do === 'credential.update') changed.add(action.email);
  // Only their developers: building the credentials of every developer would cost a large portal dearly.
  for (const developer of desired.developers) {
    if (!changed.has(developer.email)) continue;
    const owners = [
      { credentials: developer.credentials, application: undefined as string | undefined },
      ...(developer.applications ?? []).map((a) => ({ credentials: a.credentials, application: a.name })),
    ];
    for (const { credentials, application } of owners) {
      for (const credential of credentials) {
        const values = Object.fromEntries(Object.entries(credential.secrets).map(([field, s]) => [field, s.value]));
        index.set(credentialAddress(developer.email, credential.type, credential.identity, application), values);
      }
    }
  }
  return index;
}

/** Emails of the developers whose rows or credentials the changes write, under their final names. */
function touchedDevelopers(changes: Change[]): Set<string> {
  const emails = new Set<string>();
  for (const { action } of changes) {
    if (action.do === 'portal.update' || action.do.startsWith('api.')) continue;
    if (action.do === 'developer.create') emails.add(action.developer.email);
    else if (action.do === 'developer.move') emails.add(action.to);
    else if ('email' in action) emails.add(action.email);
  }
  return emails;
}
