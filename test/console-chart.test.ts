import { describe, expect, it } from 'vitest';
import { chartPoints, statusChart } from '../src/console/chart.js';
import { changesOf, type StatusPoint } from '../src/console/read-model.js';

const counts = (pending: number, approved: number) => ({ pending, approved, rejected: 0, revoked: 0 });

describe('the console chart', () => {
  it('keeps the last point of each day, or of each minute while the history spans one day', () => {
    const oneDay: StatusPoint[] = [
      { at: '2026-01-01T10:00:01Z', counts: counts(1, 0) },
      { at: '2026-01-01T10:00:59Z', counts: counts(2, 0) },
      { at: '2026-01-01T10:05:00Z', counts: counts(1, 1) },
    ];
    expect(chartPoints(oneDay)).toEqual([
      { at: '2026-01-01 10:00', counts: counts(2, 0) },
      { at: '2026-01-01 10:05', counts: counts(1, 1) },
    ]);
    expect(chartPoints([...oneDay, { at: '2026-01-03T00:00:00Z', counts: counts(0, 2) }]).map((p) => p.at)).toEqual([
      '2026-01-01',
      '2026-01-03',
    ]);
  });

  it('draws one line per status, scaled to the largest count, with a text description', () => {
    const svg = statusChart([
      { at: '2026-01-01', counts: counts(1, 0) },
      { at: '2026-01-02', counts: counts(0, 4) },
    ]).text;
    expect(svg.match(/<polyline /g)).toHaveLength(4);
    expect(svg).toContain(
      '<desc id="chart-desc">From 2026-01-01 to 2026-01-02; at most 4 developers in one status.</desc>',
    );
    expect(statusChart([]).text).toContain('No developer has been recorded yet.');
  });

  it('reads a self-service event as the plan change it amounts to, secrets as changed, never their values', () => {
    expect(
      changesOf({
        kind: 'self-service',
        action: 'register',
        address: 'developer["a@x.com"]',
        after: { fullName: 'A', status: 'pending' },
      }),
    ).toEqual([
      {
        address: 'developer["a@x.com"]',
        kind: 'developer',
        op: 'create',
        before: null,
        after: { fullName: 'A', status: 'pending' },
      },
    ]);
    expect(
      changesOf({
        kind: 'self-service',
        action: 'rotate-credential',
        address: 'developer["a@x.com"].credential["key-auth:ci"]',
        rotated: ['key'],
      }),
    ).toEqual([
      {
        address: 'developer["a@x.com"].credential["key-auth:ci"]',
        kind: 'credential',
        op: 'update',
        before: {},
        after: { key: '(sensitive value changed)' },
      },
    ]);
    expect(changesOf({ kind: 'apply', changes: [{ op: 'approve' }] })).toEqual([{ op: 'approve' }]);
    expect(changesOf({ kind: 'invite', address: 'developer["a@x.com"]' })).toEqual([]);
  });
});
