// A recorded apply, told as what happened: the plan's renderer in the past tense, its fields put
// back in the plan's order (an entry is stored as canonical JSON, keys sorted, for its hash).
import { CREDENTIAL_SPECS, type CredentialType } from '../model.js';
import type { Change, Summary } from '../plan/types.js';
import { paint } from './color.js';
import { renderChange } from './text.js';
import { plural } from '../util/plural.js';
import { escapeForMessage } from '../util/strings.js';

const PAST: [future: string, past: string][] = [
  ['will be updated in-place', 'was updated in-place'],
  ['will be created', 'was created'],
  ['will be deleted', 'was deleted'],
  ['will be approved', 'was approved'],
  ['will be rejected', 'was rejected'],
  ['will be revoked', 'was revoked'],
  ['must be replaced (--replace)', 'was replaced (--replace)'],
  ['will be generated when apply runs', 'were generated'],
];

const DEVELOPER_ORDER = ['email', 'fullName', 'status', 'customId', 'meta'];
/** The other kinds' attributes in the order the manifests write them (docs/applications.md). */
const ORDERS: Record<string, string[]> = {
  developer: DEVELOPER_ORDER,
  api: ['name', 'title', 'description', 'autoApproveRegistrations', 'aclGroups'],
  application: ['name', 'description', 'descriptionManagedBy', 'origin'],
  registration: ['api', 'status', 'origin'],
};

export interface RecordedApply {
  serial: number;
  at: string;
  actor: string;
  hash: string;
  toolVersion?: unknown;
  summary?: Summary;
  changes?: unknown;
}

export function* renderRecordedApply(entry: RecordedApply, color: boolean): Generator<string> {
  yield `# apply ${entry.serial} by ${escapeForMessage(entry.actor)} at ${entry.at} (tool ${String(entry.toolVersion)}, hash ${entry.hash.slice(0, 12)})`;
  yield '';
  const changes = (entry.changes as Change[] | undefined) ?? [];
  if (changes.length === 0) {
    yield 'This apply changed nothing.';
    return;
  }
  yield 'This apply performed the following actions, in this order:';
  yield '';
  for (const change of changes) {
    // The plan's own renderer; a recorded change has no executor action, only what users saw.
    const lines = renderChange({ ...inPlanOrder(change), action: { do: 'recorded' } } as unknown as Change, color);
    for (const line of lines) yield line.includes('  # ') ? pastTense(line) : line;
  }
  if (entry.summary) yield paint(pastSummary(entry.summary), 'bold', color);
}

function pastTense(line: string): string {
  for (const [future, past] of PAST) if (line.includes(future)) return line.replace(future, past);
  return line;
}

export function pastSummary(s: Summary): string {
  return `Applied: ${s.create} created, ${s.update} updated, ${s.delete} deleted, ${plural(s.transition, 'status transition')}, ${s.move} moved.`;
}

/** The attributes in the order a plan shows them (plan/diff.ts developerView and credentialView). */
export function inPlanOrder<T extends { address: string; kind: string; before: unknown; after: unknown }>(
  change: T,
): T {
  const order = change.kind === 'credential' ? credentialOrder(change) : (ORDERS[change.kind] ?? []);
  const reorder = (fields: unknown) =>
    fields && typeof fields === 'object' ? ordered(fields as Record<string, unknown>, order) : fields;
  return { ...change, before: reorder(change.before), after: reorder(change.after) };
}

function credentialOrder(change: { address: string; before: unknown; after: unknown }): string[] {
  const fields = (change.after ?? change.before ?? {}) as Record<string, unknown>;
  const type = (typeof fields.type === 'string' ? fields.type : /\.credential\["([^":]+):/.exec(change.address)?.[1]) as
    | CredentialType
    | undefined;
  const spec = type ? CREDENTIAL_SPECS[type] : undefined;
  if (!spec) return ['type'];
  const keys = Object.keys({ ...(change.before as object), ...(change.after as object) });
  const plain = keys
    .filter(
      (key) => key !== 'type' && key !== spec.identityField && key !== 'active' && !spec.secretFields.includes(key),
    )
    .sort();
  return ['type', spec.identityField, ...plain, ...spec.secretFields, 'active'];
}

function ordered(fields: Record<string, unknown>, order: string[]): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const key of order) if (key in fields) result[key] = fields[key];
  for (const key of Object.keys(fields)) if (!(key in result)) result[key] = fields[key];
  return result;
}
