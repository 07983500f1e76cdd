// What a history entry changed, read alike for an apply and a self-service event, and the count of
// developers per status replayed from those changes: the console's chart.
import { STATUSES, type Status } from '../model.js';
import { SENSITIVE_CHANGED } from '../plan/types.js';

export interface StatusPoint {
  at: string;
  counts: Record<Status, number>;
}

/** One recorded entry of either chain, as the replay reads it. */
export interface RecordedChanges {
  at: string;
  seq: number;
  changes: unknown[];
}

/** What each self-service action (src/portal/self-service-engine.ts) does, in the plan's words. */
const ACTION_OPS: Record<string, 'create' | 'update' | 'delete'> = {
  register: 'create',
  'delete-account': 'delete',
  'create-credential': 'create',
  'delete-credential': 'delete',
  'create-application': 'create',
  'delete-application': 'delete',
  'request-registration': 'create',
  'withdraw-registration': 'delete',
};

/** The kind of object an address names, its last part deciding: a registration's status is no developer's. */
function kindOf(address: string): 'developer' | 'credential' | 'application' | 'registration' {
  if (address.includes('.credential[')) return 'credential';
  if (address.includes('.registration[')) return 'registration';
  if (address.includes('.application[')) return 'application';
  return 'developer';
}

/**
 * The redacted changes an entry records, as plan changes: an apply's own, or the one change of a
 * self-service event (`{action, address, before?, after?}`), so both render and replay alike.
 */
export function changesOf(entry: Record<string, unknown>): unknown[] {
  if (Array.isArray(entry.changes)) return entry.changes;
  if (typeof entry.action !== 'string' || typeof entry.address !== 'string') return [];
  const op = ACTION_OPS[entry.action] ?? 'update';
  const kind = kindOf(entry.address);
  const secretChange = entry.action.endsWith('-password')
    ? { password: SENSITIVE_CHANGED }
    : Array.isArray(entry.rotated)
      ? Object.fromEntries(entry.rotated.map((f) => [String(f), SENSITIVE_CHANGED]))
      : null;
  const before =
    op === 'create' ? null : ((entry.before as Record<string, unknown> | undefined) ?? (secretChange ? {} : null));
  const after = op === 'delete' ? null : ((entry.after as Record<string, unknown> | undefined) ?? secretChange ?? {});
  return [{ address: entry.address, kind, op, before, after }];
}

/** Developers per status after each entry that moved one, replaying the entries in time order. */
export function statusPoints(recorded: RecordedChanges[]): StatusPoint[] {
  const events = [...recorded].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.seq - b.seq));
  const counts = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<Status, number>;
  const points: StatusPoint[] = [];
  for (const event of events) {
    let moved = false;
    for (const change of event.changes) moved = applyStatusChange(counts, change) || moved;
    if (moved) points.push({ at: event.at, counts: { ...counts } });
  }
  return points;
}

const isStatus = (value: unknown): value is Status =>
  typeof value === 'string' && (STATUSES as readonly string[]).includes(value);

function applyStatusChange(counts: Record<Status, number>, change: unknown): boolean {
  if (!change || typeof change !== 'object') return false;
  const { kind, op, before, after } = change as {
    kind?: string;
    op?: string;
    before?: { status?: unknown } | null;
    after?: { status?: unknown } | null;
  };
  if (kind !== undefined && kind !== 'developer') return false;
  if (op === 'move') return false;
  const from = op === 'create' ? undefined : before?.status;
  const to = op === 'delete' ? undefined : after?.status;
  if (from === to || (op === 'update' && !isStatus(from))) return false;
  if (isStatus(from)) counts[from] = Math.max(0, counts[from] - 1);
  if (isStatus(to)) counts[to]++;
  return isStatus(from) || isStatus(to);
}
