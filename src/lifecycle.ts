import type { Status } from './model.js';

export type TransitionOp = 'approve' | 'reject' | 'revoke';

export interface Edge {
  from: Status;
  to: Status;
  op: TransitionOp;
}

/** The portal's status edges (docs/manifests.md#life-cycle). Every other move is a plan error. */
export const EDGES: readonly Edge[] = [
  { from: 'pending', to: 'approved', op: 'approve' },
  { from: 'pending', to: 'rejected', op: 'reject' },
  { from: 'approved', to: 'revoked', op: 'revoke' },
  { from: 'revoked', to: 'approved', op: 'approve' },
];

/** Why a target cannot be reached, and what to do instead. */
const ILLEGAL_ADVICE: Record<Status, Partial<Record<Status, string>>> = {
  pending: {},
  approved: {
    pending: 'an approved developer cannot go back to pending; revoke it instead, or --replace it to start over',
    rejected: 'an approved developer cannot be rejected; set status: revoked instead',
  },
  rejected: {
    pending:
      'a rejected developer cannot change status; the portal requires its record to be deleted first: use --replace',
    approved:
      'a rejected developer cannot change status; the portal requires its record to be deleted first: use --replace',
    revoked:
      'a rejected developer cannot change status; the portal requires its record to be deleted first: use --replace',
  },
  revoked: {
    pending: 'a revoked developer cannot go back to pending; approve it again, or --replace it to start over',
    rejected: 'a revoked developer cannot be rejected; keep it revoked, or --replace it to start over',
  },
};

/** The same table for an application's registration to an API (docs/applications.md). */
const REJECTED_REGISTRATION =
  'a rejected registration cannot change status; it comes back only by deleting it: drop it from the manifest, ' +
  'name it in a removed entry, or --replace its address';
const ILLEGAL_REGISTRATION_ADVICE: Record<Status, Partial<Record<Status, string>>> = {
  pending: {},
  approved: {
    pending: 'an approved registration cannot go back to pending; revoke it instead, or --replace it to start over',
    rejected: 'an approved registration cannot be rejected; set status: revoked instead',
  },
  rejected: { pending: REJECTED_REGISTRATION, approved: REJECTED_REGISTRATION, revoked: REJECTED_REGISTRATION },
  revoked: {
    pending: 'a revoked registration cannot go back to pending; approve it again, or --replace it to start over',
    rejected: 'a revoked registration cannot be rejected; keep it revoked, or --replace it to start over',
  },
};

export type PathResult = { ok: true; edges: Edge[] } | { ok: false; reason: string };

/** The shortest sequence of edges from one status to another (breadth-first over EDGES). */
export function transitionPath(from: Status, to: Status): PathResult {
  return shortestPath(from, to, ILLEGAL_ADVICE);
}

/** transitionPath for a registration: the same edges, its own advice when there is no path. */
export function registrationPath(from: Status, to: Status): PathResult {
  return shortestPath(from, to, ILLEGAL_REGISTRATION_ADVICE);
}

function shortestPath(from: Status, to: Status, advice: typeof ILLEGAL_ADVICE): PathResult {
  if (from === to) return { ok: true, edges: [] };
  const queue: { at: Status; path: Edge[] }[] = [{ at: from, path: [] }];
  const seen = new Set<Status>([from]);
  while (queue.length > 0) {
    const { at, path } = queue.shift()!;
    for (const edge of EDGES) {
      if (edge.from !== at || seen.has(edge.to)) continue;
      const next = [...path, edge];
      if (edge.to === to) return { ok: true, edges: next };
      seen.add(edge.to);
      queue.push({ at: edge.to, path: next });
    }
  }
  return { ok: false, reason: advice[from][to] ?? `cannot change status from ${from} to ${to}` };
}

/** Credentials may be active only while their developer is approved. */
export function credentialsActive(status: Status): boolean {
  return status === 'approved';
}
