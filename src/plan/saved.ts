// The checks a saved plan (see planfile.ts) passes before it is applied. Their refusals use the
// words SPEC §3 fixes.
import { StalePlanError } from '../errors.js';
import type { Store, WriteSession } from '../store/index.js';
import type { StateSnapshot } from '../store/types.js';
import { planDigest } from './planfile.js';
import type { Plan } from './types.js';

/** A plan made for another state is refused before the lock is taken, so refusing it writes nothing. */
export async function refuseForeignPlan(saved: Plan, store: Store): Promise<void> {
  try {
    checkPlanLineage(saved, await store.read());
  } finally {
    await store.close();
  }
}

export function checkPlanLineage(saved: Plan, state: StateSnapshot): void {
  if (saved.state.lineage === null || saved.state.lineage !== state.lineage) {
    throw new StalePlanError(
      saved.state.lineage === null
        ? 'Saved plan does not match this state: it was made before the state existed; apply the manifests directly, or plan again'
        : `Saved plan does not match this state: it was made for lineage ${saved.state.lineage}, this state is ${state.lineage ?? '(none)'}`,
    );
  }
}

/** Under the lock: the state must still be the one the plan was made against. */
export async function checkSavedPlan(saved: Plan, state: StateSnapshot, session: WriteSession): Promise<void> {
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

/** A saved plan holds only secret sources: the given ones must be re-read from its manifests. */
export function needsGivenSecrets(saved: Plan): boolean {
  return saved.changes.some((c) => {
    const secrets = c.action.do === 'credential.create' || c.action.do === 'credential.update' ? c.action.secrets : undefined;
    return Object.values(secrets ?? {}).some((s) => s.mode === 'given');
  });
}
