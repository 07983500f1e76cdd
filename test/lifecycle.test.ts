import { describe, expect, it } from 'vitest';
import { credentialsActive, transitionPath } from '../src/lifecycle.js';
import { STATUSES, type Status } from '../src/model.js';

// docs/manifests.md#life-cycle, cell by cell: the ops along the path, or the advice a refused move must give.
const TABLE: Record<Status, Record<Status, string[] | RegExp>> = {
  pending: { pending: [], approved: ['approve'], rejected: ['reject'], revoked: ['approve', 'revoke'] },
  approved: {
    pending: /revoke it instead.*--replace/,
    approved: [],
    rejected: /set status: revoked instead/,
    revoked: ['revoke'],
  },
  rejected: { pending: /--replace/, approved: /--replace/, rejected: [], revoked: /--replace/ },
  revoked: { pending: /approve it again.*--replace/, approved: ['approve'], rejected: /--replace/, revoked: [] },
};

describe('status transitions', () => {
  for (const from of STATUSES) {
    for (const to of STATUSES) {
      const expected = TABLE[from][to];
      it(`${from} → ${to}`, () => {
        const result = transitionPath(from, to);
        if (Array.isArray(expected)) {
          expect(result.ok).toBe(true);
          if (result.ok) {
            expect(result.edges.map((e) => e.op)).toEqual(expected);
            // a path is connected: each edge starts where the last ended
            let at = from;
            for (const edge of result.edges) {
              expect(edge.from).toBe(at);
              at = edge.to;
            }
            expect(at).toBe(to);
          }
        } else {
          expect(result.ok).toBe(false);
          if (!result.ok) expect(result.reason).toMatch(expected);
        }
      });
    }
  }

  it('only approved developers may hold active credentials', () => {
    expect(STATUSES.filter(credentialsActive)).toEqual(['approved']);
  });
});
