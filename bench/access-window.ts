// The access checks' consistency window on PostgreSQL (docs/access-checks.md#the-cache-and-its-guarantee):
// `node dist/bench/access-window.js [--rounds N] [--out FILE]`. Two check instances (each its own
// pool and LISTEN connection) serve one state; a writer flips an application's registration between
// approved and revoked, N times, and each instance polls its check until the answer follows. The
// window of a round is the time from the writer's commit returning to the start of the first check
// that answers the new status; p50, p99 and max per instance are printed as JSON (and written with --out).
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { openAccessChecker, type AccessChecker } from '../src/access/index.js';
import { apply } from '../src/engine.js';

const PG_URL = process.env.PORTALFORM_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
const KEY = 'bench-application-key-0123456789-abcdef';
const MANIFEST = `version: 1
apis:
  - { name: payments }
developers:
  - email: ada@example.com
    fullName: Ada
    status: approved
    applications:
      - name: billing
        credentials:
          - { type: key-auth, name: prod, key: { fromEnv: PORTALFORM_SECRET_KEY } }
        registrations:
          - { api: payments, status: approved }
`;

function argument(name: string, fallback: string): string {
  const at = process.argv.indexOf(name);
  return at >= 0 ? (process.argv[at + 1] ?? fallback) : fallback;
}

async function answer(checker: AccessChecker): Promise<number> {
  const result = await checker.check({
    method: 'GET',
    headers: { apikey: KEY },
    api: 'payments',
    trailingPath: '',
    peerAddress: '127.0.0.1',
  });
  return result.status;
}

/**
 * Polls until a check answers `wanted`: the ms from `since` to the START of that check (a check
 * that starts once the notification is in honours it; how long the check then takes to read the
 * state is its own latency, not staleness), or Infinity past 5 s.
 */
async function windowOf(checker: AccessChecker, wanted: number, since: number): Promise<number> {
  for (;;) {
    const started = performance.now();
    if ((await answer(checker)) === wanted) return started - since;
    if (performance.now() - since > 5000) return Number.POSITIVE_INFINITY;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** performance.now() when the listener next hears a notification. */
function nextNotification(listener: pg.Client): Promise<number> {
  return new Promise((resolve) => listener.once('notification', () => resolve(performance.now())));
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

async function main(): Promise<void> {
  const rounds = Number(argument('--rounds', '500'));
  const schema = `pf_bench_access_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const state = `${PG_URL}?schema=${schema}`;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'portalform-access-window-'));
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  try {
    writeFileSync(path.join(dir, 'portal.yaml'), MANIFEST);
    await apply({ paths: ['portal.yaml'], state, cwd: dir, env: { PORTALFORM_SECRET_KEY: KEY } });
    const instances = [await openAccessChecker({ state, env: {} }), await openAccessChecker({ state, env: {} })];
    const windows: number[][] = instances.map(() => []);
    // The floor: when a bare LISTEN connection hears the same commit, under the same load.
    const notified: number[] = [];
    const listener = new pg.Client({ connectionString: PG_URL });
    await listener.connect();
    await listener.query('listen portalform_changes');
    const writer = new pg.Client({ connectionString: PG_URL, options: `-c search_path=${schema}` });
    await writer.connect();
    for (let round = 0; round < rounds; round++) {
      const status = round % 2 ? 'approved' : 'revoked';
      for (const instance of instances) await answer(instance.checker); // warm: the next answer would come from memory
      const notice = nextNotification(listener);
      await writer.query(`update pf_registrations set status = $1`, [status]);
      const committed = performance.now();
      const seen = await Promise.all(
        instances.map((instance) => windowOf(instance.checker, status === 'approved' ? 200 : 403, committed)),
      );
      for (const [i, ms] of seen.entries()) windows[i]?.push(ms);
      notified.push((await notice) - committed);
    }
    await writer.end();
    await listener.end();
    for (const instance of instances) await instance.close();
    const figures = windows.map((list, i) => {
      const sorted = [...list].sort((a, b) => a - b);
      return {
        instance: i + 1,
        rounds: list.length,
        p50Ms: round3(percentile(sorted, 50)),
        p99Ms: round3(percentile(sorted, 99)),
        maxMs: round3(sorted[sorted.length - 1] ?? Number.NaN),
      };
    });
    const floor = [...notified].sort((a, b) => a - b);
    const result = {
      at: new Date().toISOString(),
      backend: 'postgres',
      what: 'commit returned → start of the first check honouring it',
      figures,
      bareNotification: { p50Ms: round3(percentile(floor, 50)), p99Ms: round3(percentile(floor, 99)) },
      loadAverage: os.loadavg()[0],
    };
    const out = argument('--out', '');
    if (out) writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await admin.query(`drop schema if exists "${schema}" cascade`);
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
