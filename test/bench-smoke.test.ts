// A smoke run of the benchmark at 200 developers: it completes and reports. Benchmarks are not
// tests: nothing here looks at a time. The size is the smallest that keeps both layouts (100 files
// hold two developers each); `npm run bench` runs the sizes the targets were set at.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');
const DEVELOPERS = 200;

it(`runs the benchmark at ${DEVELOPERS} developers and writes its results`, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portalform-bench-smoke-'));
  try {
    const out = path.join(dir, 'results.json');
    const run = spawnSync(
      process.execPath,
      [
        path.join(ROOT, 'dist/bench/run.js'),
        '--developers',
        String(DEVELOPERS),
        '--runs',
        '1',
        '--no-postgres',
        '--no-growth',
        '--out',
        out,
      ],
      { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', HOME: dir } },
    );
    expect(run.stderr + run.stdout).not.toContain('bench failed');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('floor: yaml parse + bare read');
    expect(run.stdout).toContain('Targets (ratios from this run)');
    const results = JSON.parse(fs.readFileSync(out, 'utf8'));
    const scale = results.scales[0];
    expect(scale.developers).toBe(DEVELOPERS);
    expect(Object.keys(scale.layouts)).toEqual(['100-files', '1-file']);
    for (const layout of Object.values(scale.layouts) as Array<{
      steps: Record<string, { medianMs: number; peakRssMiB: number }>;
    }>) {
      for (const step of [
        'validate',
        'firstPlan',
        'firstApply',
        'noopPlan',
        'changePlan',
        'changeApply',
        'floor',
        'bulkInsert',
      ]) {
        expect(layout.steps[step]?.medianMs, step).toBeGreaterThan(0);
        expect(layout.steps[step]?.peakRssMiB, step).toBeGreaterThan(0);
      }
    }
    expect(scale.layouts['100-files'].steps.oneChangePlan.medianMs).toBeGreaterThan(0);
    expect(scale.layouts['100-files'].steps.oneChangePlanUnmanaged.medianMs).toBeGreaterThan(0);
    expect(scale.layouts['100-files'].steps.noopPlanUnmanaged.medianMs).toBeGreaterThan(0);
    expect(Object.keys(results.ratios).length).toBeGreaterThan(0);
    // Applications: one per approved developer with one registration, a quarter of the credentials.
    const apps = scale.applications;
    expect(apps.applications).toBeGreaterThan(DEVELOPERS * 0.7);
    expect(apps.registrations).toBe(apps.applications);
    expect(apps.credentials).toBe(Math.floor(scale.credentials / 4));
    // The state the first apply wrote holds them: the floor reads every row of the five tables.
    const rows = scale.developers + scale.credentials + apps.apis + apps.applications + apps.registrations;
    expect(scale.layouts['100-files'].steps.floor.inner.rows).toBe(rows);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 600_000);
