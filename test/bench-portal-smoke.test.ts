// A smoke run of the portal bench on SQLite with tiny sizes (the check scenario's state too, which is
// 100,000 developers in `npm run bench:portal`): it completes and writes every figure.
// Benchmarks are not tests: nothing here looks at a time.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');

it('runs bench:portal briefly on SQLite and writes its results', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portalform-bench-portal-smoke-'));
  try {
    const out = path.join(dir, 'results.json');
    const run = spawnSync(
      process.execPath,
      [
        path.join(ROOT, 'dist/bench/portal.js'),
        ...['--seconds', '1', '--developers', '30', '--access-developers', '300', '--no-postgres', '--out', out],
      ],
      {
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '', HOME: dir },
        timeout: 240_000,
      },
    );
    expect(run.stderr).not.toContain('bench:portal failed');
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('GET /api/v1/credentials, p99 ms');
    const results = JSON.parse(fs.readFileSync(out, 'utf8'));
    expect(results.scrypt.perSecond).toBeGreaterThan(0);
    const [sqlite] = results.results;
    expect(sqlite.backend).toBe('sqlite');
    expect(sqlite.signups.ok).toBeGreaterThan(0);
    expect(sqlite.logins.ok).toBeGreaterThan(0);
    expect(sqlite.credentials.ok).toBeGreaterThan(0);
    expect(sqlite.duringApply.serverErrors).toBe(0);
    expect(sqlite.duringApply.writes.lost).toBe(0);
    // The check scenario, at 300 developers rather than its 100,000. At this size a few keys of the
    // bench's first, smaller apply no longer exist (401); at 100,000 every key is admitted.
    expect(sqlite.checks.developers).toBeGreaterThan(300);
    expect(sqlite.checks.firstPass.ok).toBeGreaterThan(sqlite.checks.keys / 2);
    expect(sqlite.checks.checks.ok).toBeGreaterThan(0);
    for (const checks of [sqlite.checks.firstPass, sqlite.checks.checks])
      expect(Object.keys(checks.statuses).filter((status) => status !== '200' && status !== '401')).toEqual([]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 300_000);
