// The access checks' throughput (docs/access-checks.md): `node dist/bench/access-throughput.js
// [--developers N] [--seconds S] [--no-postgres] [--out FILE]`. For each backend it applies N
// developers with a key each, serves the checks (buildAccessService on the real state, as
// `--access-listen` does) and, in the same process and run, a bare Fastify route — answering 200
// on SQLite, running one indexed query of the credentials per request on PostgreSQL — and loads
// both with autocannon in alternating rounds over the N keys. Prints requests/s, p99 and the ratio.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import Fastify, { type FastifyInstance } from 'fastify';
import pg from 'pg';
import { openAccessChecker } from '../src/access/index.js';
import { apply } from '../src/engine.js';
import { buildAccessService, parseAccessClients } from '../src/service/routes/access.js';

const PG_URL = process.env.PORTALFORM_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
const ROUNDS = 3;

function argument(name: string, fallback: string): string {
  const at = process.argv.indexOf(name);
  return at >= 0 ? (process.argv[at + 1] ?? fallback) : fallback;
}

const keyOf = (i: number) => `bench-key-${String(i).padStart(7, '0')}-0123456789abcdef`;

function manifest(developers: number): string {
  const entries = Array.from(
    { length: developers },
    (_, i) =>
      `  - email: dev${i}@example.com\n    fullName: Dev ${i}\n    status: approved\n    credentials:\n` +
      `      - { type: key-auth, name: main, key: "${keyOf(i)}" }\n      - { type: acl, group: partners }\n`,
  );
  return `version: 1\napis:\n  - { name: payments, aclGroups: [partners] }\ndevelopers:\n${entries.join('')}`;
}

async function load(url: string, developers: number, seconds: number) {
  const requests = Array.from({ length: Math.min(developers, 1000) }, (_, i) => ({
    method: 'GET' as const,
    headers: { apikey: keyOf(i), 'x-original-uri': '/v1/charges' },
  }));
  const result = await autocannon({ url, connections: 32, duration: seconds, requests });
  const ok = result['2xx'] / Math.max(1, result['2xx'] + result.non2xx);
  return { rps: Math.round(result.requests.average), p99Ms: result.latency.p99, okShare: Math.round(ok * 1000) / 1000 };
}

async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

async function bareRoute(backend: 'sqlite' | 'postgres', schema: string | null): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  if (backend === 'sqlite') {
    app.get('/api/v1/access/payments', async (_request, reply) => reply.code(200).send());
    return app;
  }
  const pool = new pg.Pool({ connectionString: PG_URL, options: `-c search_path=${schema}`, max: 10 });
  app.addHook('onClose', async () => pool.end());
  app.get('/api/v1/access/payments', async (request, reply) => {
    const rows = await pool.query('select id from pf_credentials where type = $1 and unique_value = $2', [
      'key-auth',
      String(request.headers.apikey),
    ]);
    return reply.code(rows.rowCount === null ? 500 : 200).send();
  });
  return app;
}

async function bench(backend: 'sqlite' | 'postgres', developers: number, seconds: number) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'portalform-access-bench-'));
  const schema = backend === 'postgres' ? `pf_bench_access_${randomUUID().replace(/-/g, '').slice(0, 12)}` : null;
  const state = schema ? `${PG_URL}?schema=${schema}` : path.join(dir, 'portalform.db');
  try {
    writeFileSync(path.join(dir, 'portal.yaml'), manifest(developers));
    await apply({ paths: ['portal.yaml'], state, cwd: dir, env: {} });
    const access = await openAccessChecker({ state, cwd: dir, env: {}, poolSize: 10 });
    const checks = await buildAccessService(
      { checker: access.checker, clients: parseAccessClients(undefined) },
      { logger: false },
    );
    const bare = await bareRoute(backend, schema);
    const urls = {
      checks: `${await listen(checks)}/api/v1/access/payments`,
      bare: `${await listen(bare)}/api/v1/access/payments`,
    };
    await load(urls.checks, developers, 2); // warm both
    await load(urls.bare, developers, 2);
    const rounds: Array<{ checks: Awaited<ReturnType<typeof load>>; bare: Awaited<ReturnType<typeof load>> }> = [];
    for (let round = 0; round < ROUNDS; round++)
      rounds.push({
        checks: await load(urls.checks, developers, seconds),
        bare: await load(urls.bare, developers, seconds),
      });
    await Promise.all([checks.close(), bare.close()]);
    await access.close();
    const ratios = rounds.map((r) => r.checks.rps / r.bare.rps).sort((a, b) => a - b);
    return { backend, developers, rounds, medianRatio: Math.round((ratios[1] ?? Number.NaN) * 100) / 100 };
  } finally {
    if (schema) {
      const admin = new pg.Client({ connectionString: PG_URL });
      await admin.connect();
      await admin.query(`drop schema if exists "${schema}" cascade`);
      await admin.end();
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

const developers = Number(argument('--developers', '1000'));
const seconds = Number(argument('--seconds', '5'));
const backends: Array<'sqlite' | 'postgres'> = process.argv.includes('--no-postgres')
  ? ['sqlite']
  : ['sqlite', 'postgres'];
const results = [];
for (const backend of backends) results.push(await bench(backend, developers, seconds));
const output = { at: new Date().toISOString(), loadAverage: os.loadavg()[0], cpus: os.cpus().length, results };
const out = argument('--out', '');
if (out) writeFileSync(out, `${JSON.stringify(output, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(output)}\n`);
