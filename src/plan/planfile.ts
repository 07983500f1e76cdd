import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { PortalformError } from '../errors.js';
import { canonicalJson } from '../history.js';
import { timed } from '../timing.js';
import { describeAction } from './steps.js';
import { summarize, type Plan, type PlanSeal } from './types.js';

const MARKER = 'portalform_plan';

interface PlanFile {
  [MARKER]: 1;
  plan: Plan;
  digest: string;
  seal: PlanSeal;
}

const DIGEST_FORMAT = 'portalform plan digest v2\n';

export const NOT_AUTHENTIC = 'Saved plan is not authentic';

/**
 * The digest that names a plan: the history records it, so a plan applied twice is recognised,
 * and a saved plan's MAC is computed over it. The plan's few top-level fields are canonical JSON;
 * its changes, which are nearly all of it, are JSON.stringify'd one at a time (much cheaper than
 * canonicalising them): the planner builds them with their keys always in the same order, and a
 * saved plan's JSON keeps that order. The seal is not part of it.
 */
export function planDigest(plan: Plan): string {
  return timed('plan digest', () => {
    const { changes, seal: _seal, ...rest } = plan;
    const hash = createHash('sha256').update(DIGEST_FORMAT).update(canonicalJson(rest));
    for (const change of changes) hash.update('\n').update(JSON.stringify(change));
    return hash.digest('hex');
  });
}

/** Seals a plan: a MAC over its digest under `key`, or (no key: a plan made on no state, docs/state.md) the digest alone. */
export function sealPlan(plan: Plan, mode: PlanSeal['key'], key: Buffer | null): PlanSeal {
  const digest = planDigest(plan);
  return { key: mode, mac: key ? macOf(key, digest) : digest };
}

/** Whether the plan's seal is its own, under `key` (null: integrity only). */
export function sealVerifies(plan: Plan, key: Buffer | null): boolean {
  const seal = plan.seal;
  if (!seal || typeof seal.mac !== 'string') return false;
  if ((key === null) !== (seal.key === 'none')) return false;
  const expected = Buffer.from(sealPlan(plan, seal.key, key).mac);
  const actual = Buffer.from(seal.mac);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

function macOf(key: Buffer, digest: string): string {
  return createHmac('sha256', key).update(`portalform saved plan v1\n${digest}`).digest('base64url');
}

/** A saved plan holds secret sources and digests, never values, nor the key of its seal; created 0600 all the same. */
export function writePlanFile(path: string, plan: Plan): void {
  if (!plan.seal)
    throw new PortalformError('this plan is not sealed (made by makePlan?): save a plan that plan() returned');
  const { seal, ...unsealed } = plan;
  const file: PlanFile = { [MARKER]: 1, plan: unsealed, digest: planDigest(unsealed), seal };
  writeFileSync(path, JSON.stringify(file), { mode: 0o600 });
}

/** A saved plan is recognised by its content, not its name. */
export function isPlanFileContent(text: string): boolean {
  return /^\s*\{\s*"portalform_plan"\s*:/.test(text.slice(0, 64));
}

/**
 * Reads a saved plan and checks what can be checked without the state: its digest, and that what
 * it shows (each change's address, kind and op, the summary) is what its steps do. Its seal is
 * checked against the state by apply (see saved.ts).
 */
export function readPlanFile(path: string): Plan {
  let file: PlanFile;
  try {
    file = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new PortalformError(`${path} is not a readable saved plan: ${(error as Error).message}`);
  }
  if (
    file?.[MARKER] !== 1 ||
    typeof file.plan !== 'object' ||
    file.plan === null ||
    !Array.isArray(file.plan.changes)
  ) {
    throw new PortalformError(`${path} is not a portalform saved plan`);
  }
  if (planDigest(file.plan) !== file.digest) {
    throw new PortalformError(
      `${NOT_AUTHENTIC}: ${path} was modified after it was made (its digest does not match); make a new plan`,
    );
  }
  const plan: Plan = { ...file.plan, seal: file.seal };
  checkShownMatchesSteps(plan);
  return plan;
}

/**
 * What `show`, apply's output and the history report comes from the steps that run: each change's
 * address, kind and op must be what its action does, and the summary is counted again from them.
 */
export function checkShownMatchesSteps(plan: Plan): void {
  plan.changes.forEach((change, i) => {
    const does =
      change && typeof change.action === 'object' && change.action !== null ? describeAction(change.action) : null;
    if (!does || does.address !== change.address || does.kind !== change.kind || does.op !== change.op) {
      throw new PortalformError(
        `${NOT_AUTHENTIC}: step ${i + 1} shows ${change?.op} ${String(change?.address)} but its action does something else; make a new plan`,
      );
    }
  });
  const counted = summarize(plan.changes);
  if (canonicalJson(counted) !== canonicalJson(plan.summary)) {
    throw new PortalformError(`${NOT_AUTHENTIC}: its summary does not count its steps; make a new plan`);
  }
}
