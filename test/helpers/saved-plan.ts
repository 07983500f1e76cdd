// Saved plans as an attacker handles them: made by the library, edited as JSON with every digest
// recomputed, or re-sealed with a state's own key (an insider's view, to test the step checks).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { apply, plan } from '../../src/engine.js';
import { readState } from '../../src/inspect.js';
import { planDigest, sealPlan } from '../../src/plan/planfile.js';
import type { Plan } from '../../src/plan/types.js';
import { Vault } from '../../src/secrets/vault.js';
import { writePlanFile } from '../../src/plan/planfile.js';
import { tempDir } from './temp.js';

export interface PlanCase {
  dir: string;
  state: string;
  write(path: string, content: string): string;
  /** Applies m.yaml (or the given manifest first). */
  applyManifest(manifest?: string): Promise<void>;
  /** Plans m.yaml (or the given manifest first) and saves it as `name`. */
  savePlan(name: string, manifest?: string): Promise<string>;
  applyPlan(file: string): Promise<unknown>;
  listing(): Promise<string>;
}

export function planCase(state?: string, env: Record<string, string> = {}): PlanCase {
  const dir = tempDir('portalform-saved-');
  const location = state ?? join(dir, 'portalform.db');
  const options = { paths: ['m.yaml'], state: location, cwd: dir, env };
  const write = (path: string, content: string) => {
    writeFileSync(join(dir, path), content);
    return join(dir, path);
  };
  return {
    dir,
    state: location,
    write,
    async applyManifest(manifest) {
      if (manifest !== undefined) write('m.yaml', manifest);
      await apply(options);
    },
    async savePlan(name, manifest) {
      if (manifest !== undefined) write('m.yaml', manifest);
      const file = join(dir, name);
      writePlanFile(file, await plan(options));
      return file;
    },
    applyPlan: (file) => apply({ ...options, plan: file }),
    async listing() {
      const snapshot = await readState({ state: location, cwd: dir, env });
      return JSON.stringify({
        serial: snapshot.serial,
        developers: snapshot.developers.map(({ id: _id, version: _v, credentials, ...d }) => ({
          ...d,
          credentials: credentials.map(({ id: _cid, developerId: _d, version: _cv, ...c }) => c),
        })),
      });
    },
  };
}

interface PlanFileJson {
  portalform_plan: 1;
  plan: Plan;
  digest: string;
  seal: { key: string; mac: string };
}

/** Edits a saved plan as a hostile contributor would: everything the file can recompute is recomputed. */
export function forge(file: string, edit: (plan: Plan, json: PlanFileJson) => void, target = file): string {
  const json = JSON.parse(readFileSync(file, 'utf8')) as PlanFileJson;
  edit(json.plan, json);
  json.digest = planDigest(json.plan);
  json.seal = { ...json.seal, mac: json.seal.key === 'none' ? json.digest : json.seal.mac };
  writeFileSync(target, JSON.stringify(json));
  return target;
}

/** Re-seals an edited plan with the real state's own key: what only someone holding the state could do. */
export async function resealWithStateKey(
  file: string,
  state: string,
  cwd: string,
  stateKey: string | null = null,
): Promise<void> {
  const snapshot = await readState({ state, cwd, env: {} });
  const vault = Vault.open(snapshot.lineage!, snapshot.meta, stateKey);
  const json = JSON.parse(readFileSync(file, 'utf8')) as PlanFileJson;
  json.digest = planDigest(json.plan);
  json.seal = sealPlan(json.plan, 'state', vault.savedPlanKey());
  writeFileSync(file, JSON.stringify(json));
}

/** The message a promise rejects with. */
export async function refusedWith(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected a refusal');
}
