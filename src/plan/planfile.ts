import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { PortalformError } from '../errors.js';
import { canonicalJson } from '../history.js';
import { timed } from '../timing.js';
import type { Plan } from './types.js';

const MARKER = 'portalform_plan';

interface PlanFile {
  [MARKER]: 1;
  plan: Plan;
  digest: string;
}

const DIGEST_FORMAT = 'portalform plan digest v2\n';

/**
 * The digest that names a plan: the history records it, so a plan applied twice is recognised,
 * and a saved plan carries it, so an edited one is refused. The plan's few top-level fields are
 * canonical JSON; its changes, which are nearly all of it, are JSON.stringify'd one at a time
 * (much cheaper than canonicalising them): the planner builds them with their keys always in the same order, and
 * a saved plan's JSON keeps that order.
 */
export function planDigest(plan: Plan): string {
  return timed('plan digest', () => {
    const { changes, ...rest } = plan;
    const hash = createHash('sha256').update(DIGEST_FORMAT).update(canonicalJson(rest));
    for (const change of changes) hash.update('\n').update(JSON.stringify(change));
    return hash.digest('hex');
  });
}

/** A saved plan holds secret sources and digests, never values; created 0600 all the same. */
export function writePlanFile(path: string, plan: Plan): void {
  const file: PlanFile = { [MARKER]: 1, plan, digest: planDigest(plan) };
  writeFileSync(path, JSON.stringify(file), { mode: 0o600 });
}

/** A saved plan is recognised by its content, not its name. */
export function isPlanFileContent(text: string): boolean {
  return /^\s*\{\s*"portalform_plan"\s*:/.test(text.slice(0, 64));
}

export function readPlanFile(path: string): Plan {
  let file: PlanFile;
  try {
    file = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new PortalformError(`${path} is not a readable saved plan: ${(error as Error).message}`);
  }
  if (file?.[MARKER] !== 1 || typeof file.plan !== 'object' || file.plan === null) {
    throw new PortalformError(`${path} is not a portalform saved plan`);
  }
  if (planDigest(file.plan) !== file.digest) {
    throw new PortalformError(`${path} was modified after it was made (its digest does not match); make a new plan`);
  }
  return file.plan;
}
