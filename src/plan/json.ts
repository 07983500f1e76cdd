import type { Change, Plan } from './types.js';

/** A change as scripts and auditors see it: no execution payload. */
export interface PublicChange {
  address: string;
  kind: Change['kind'];
  op: Change['op'];
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  replace?: true;
  /** docs/manifests.md#plan-order: both halves of a replacement carry the pair. */
  actions?: ['delete', 'create'];
}

export function publicChanges(changes: Change[]): PublicChange[] {
  return changes.map(({ address, kind, op, before, after, replace }) => ({
    address,
    kind,
    op,
    before,
    after,
    ...(replace ? { replace, actions: ['delete', 'create'] as ['delete', 'create'] } : {}),
  }));
}

/** The JSON of docs/manifests.md#plan-order (`plan --json`, `show --json PLANFILE`). */
export function planJson(plan: Plan): Record<string, unknown> {
  return {
    format_version: plan.formatVersion,
    state: plan.state,
    changes: publicChanges(plan.changes),
    summary: plan.summary,
    errors: plan.errors.map(({ message, location }) => ({ message, ...(location ? { location } : {}) })),
    warnings: plan.warnings.map(({ message, location }) => ({ message, ...(location ? { location } : {}) })),
    unmanaged: plan.unmanaged ?? [],
  };
}
