import { describe, expect, it } from 'vitest';
import { changesOf, type StatusPoint } from '../src/console/read-model.js';
import { chartPoints, statusChart } from '../src/pages/console-chart.js';
import { countTicks, timeTicks } from '../src/pages/console-time-axis.js';

const counts = (pending: number, approved: number) => ({ pending, approved, rejected: 0, revoked: 0 });

describe('the console chart', () => {
  it('keeps the last point of each day, or of each minute while the history spans one day', () => {
    const oneDay: StatusPoint[] = [
      { at: '2026-01-01T10:00:01Z', counts: counts(1, 0) },
      { at: '2026-01-01T10:00:59Z', counts: counts(2, 0) },
      { at: '2026-01-01T10:05:00Z', counts: counts(1, 1) },
    ];
    expect(chartPoints(oneDay)).toEqual([
      { at: '2026-01-01 10:00', time: Date.parse('2026-01-01T10:00:59Z'), counts: counts(2, 0) },
      { at: '2026-01-01 10:05', time: Date.parse('2026-01-01T10:05:00Z'), counts: counts(1, 1) },
    ]);
    expect(chartPoints([...oneDay, { at: '2026-01-03T00:00:00Z', counts: counts(0, 2) }]).map((p) => p.at)).toEqual([
      '2026-01-01',
      '2026-01-03',
    ]);
  });

  it('draws one line per status in each of its two drawings, scaled to the largest count, with a text description', () => {
    const svg = statusChart(
      chartPoints([
        { at: '2026-01-01T12:00:00Z', counts: counts(1, 0) },
        { at: '2026-01-02T12:00:00Z', counts: counts(0, 4) },
      ]),
    ).text;
    expect(svg.match(/<polyline /g)).toHaveLength(8);
    expect(svg).toContain(
      '<desc id="chart-desc-wide">From 2026-01-01 to 2026-01-02; at most 4 developers in one status.</desc>',
    );
    expect(statusChart([]).text).toContain('No developer has been recorded yet.');
  });

  it('counts on even integer ticks and times on calendar ticks', () => {
    expect(countTicks(5, 5)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(countTicks(7, 5)).toEqual([0, 2, 4, 6, 8]);
    expect(countTicks(0, 5)).toEqual([0, 1]);
    expect(countTicks(130, 4)).toEqual([0, 50, 100, 150]);
    const days = timeTicks(Date.parse('2026-01-01T10:00:00Z'), Date.parse('2026-01-10T00:00:00Z'), 7);
    expect(days.map((t) => t.label)).toEqual(['2026-01-03', '2026-01-05', '2026-01-07', '2026-01-09']);
    const months = timeTicks(Date.parse('2025-11-15T00:00:00Z'), Date.parse('2026-03-01T00:00:00Z'), 7);
    expect(months.map((t) => t.label)).toEqual(['2025-12', '2026-01', '2026-02', '2026-03']);
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
