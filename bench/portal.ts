// The portal service's load bench (issue 16, point 6): `npm run bench:portal`. For each backend it
// applies a small manifest, starts `portalform serve` on loopback, and measures with autocannon:
// sign-ups/s and logins/s against the scrypt limit of this machine (measured in the same run),
// an authenticated GET /api/v1/credentials at 32 connections against a bare Fastify route (in
// alternating rounds, the median of their ratios), the
// same requests while an apply of 10,000 developers runs, and (PostgreSQL) 40 parallel sign-ups
// across two instances. Every loop is bounded in count and in time; nothing leaves 127.0.0.1.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import pg from 'pg';
import { hashPassword } from '../src/secrets/vault.js';
import { openStore } from '../src/store/index.js';
import { benchEnv, credentialCount, generatePortal, GROUPS, writePortal } from './generate.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(ROOT, 'dist/cmd/portalform.js');
const PG_URL = process.env.PORTALFORM_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
const PASSWORD = 'bench password 0123456789';
/** Approved developers the login bench cycles through. */
const LOGIN_ACCOUNTS = 40;

interface Options {
  seconds: number;
  developers: number;
  /** Developers of the access-check scenario's state (100,000 by default: about 300,000 credentials). */
  accessDevelopers: number;
  /** Only the access-check scenario (on a state of its own). */
  checksOnly: boolean;
  postgres: boolean;
  out: string;
}

/** Rounds of the bare route and of GET /api/v1/credentials, alternating, for their ratio. */
const RATIO_ROUNDS = 3;

/** The priority the apply of the "during an apply" figure runs at (see there). */
const APPLY_NICENESS = 10;

function parseArgs(argv: string[]): Options {
  const options: Options = {
    seconds: 8,
    developers: 10_000,
    accessDevelopers: 100_000,
    checksOnly: false,
    postgres: true,
    out: path.join(ROOT, 'bench/portal-results.json'),
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--seconds') options.seconds = Number(argv[++i]);
    else if (arg === '--developers') options.developers = Number(argv[++i]);
    else if (arg === '--access-developers') options.accessDevelopers = Number(argv[++i]);
    else if (arg === '--checks-only') options.checksOnly = true;
    else if (arg === '--no-postgres') options.postgres = false;
    else if (arg === '--out') options.out = path.resolve(argv[++i]!);
    else
      throw new Error(
        `unknown argument ${arg}; expected --seconds N, --developers N, --access-developers N, --checks-only, --no-postgres, --out FILE`,
      );
  }
  if (!(options.seconds > 0 && options.seconds <= 120)) throw new Error('--seconds must be between 1 and 120');
  return options;
}

// --- measurements -------------------------------------------------------------------------------

/** scrypt hashes per second, as many at once as the machine has cores, for `seconds` (at most 10,000 hashes). */
async function scryptLimit(seconds: number): Promise<{ concurrency: number; perSecond: number }> {
  const concurrency = os.availableParallelism();
  const deadline = Date.now() + seconds * 1000;
  let done = 0;
  const start = performance.now();
  const worker = async () => {
    while (Date.now() < deadline && done < 10_000) {
      await hashPassword(PASSWORD);
      done++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { concurrency, perSecond: done / ((performance.now() - start) / 1000) };
}

interface Load {
  requestsPerSecond: number;
  ok: number;
  statuses: Record<string, number>;
  p50Ms: number;
  p99Ms: number;
  errors: number;
}

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
}

/** The round with the median requests/s (its p99 with it). */
function medianLoad(rounds: Load[]): Load {
  return [...rounds].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond)[Math.floor(rounds.length / 2)]!;
}

function summarize(result: autocannon.Result, okStatus: (status: number) => boolean): Load {
  const statuses = Object.fromEntries(
    Object.entries(result.statusCodeStats ?? {}).map(([code, stat]) => [code, (stat as { count: number }).count]),
  );
  const ok = Object.entries(statuses)
    .filter(([code]) => okStatus(Number(code)))
    .reduce((sum, [, n]) => sum + n, 0);
  return {
    requestsPerSecond: ok / result.duration,
    ok,
    statuses,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts,
  };
}

function cannon(options: autocannon.Options): { result: Promise<autocannon.Result>; stop(): void } {
  let instance: autocannon.Instance | undefined;
  const result = new Promise<autocannon.Result>((resolve, reject) => {
    instance = autocannon({ timeout: 30, ...options }, (error, res) => (error ? reject(error) : resolve(res)));
  });
  return { result, stop: () => instance?.stop() };
}

/**
 * RATIO_ROUNDS rounds of the bare route and of the measured one, alternating, at 32 connections:
 * this machine's speed drifts within a run, and a ratio of two measurements taken one after the
 * other would carry the drift. The median round of each, and the median of the rounds' ratios.
 */
async function alternatingRounds(
  bare: autocannon.Options,
  measured: autocannon.Options,
  seconds: number,
): Promise<{ bare: Load; measured: Load; ratios: number[]; ratio: number }> {
  const bareRounds: Load[] = [];
  const measuredRounds: Load[] = [];
  const round = async (target: autocannon.Options) =>
    summarize(
      await cannon({ connections: 32, duration: seconds, maxOverallRequests: 2_000_000, ...target }).result,
      (s) => s === 200,
    );
  for (let i = 0; i < RATIO_ROUNDS; i++) {
    bareRounds.push(await round(bare));
    measuredRounds.push(await round(measured));
  }
  const ratios = measuredRounds.map((r, i) => r.requestsPerSecond / bareRounds[i]!.requestsPerSecond);
  return { bare: medianLoad(bareRounds), measured: medianLoad(measuredRounds), ratios, ratio: median(ratios) };
}

// --- processes ----------------------------------------------------------------------------------

interface Server {
  url: string;
  child: ChildProcess;
  exited: Promise<number | null>;
}

/** Starts a Node process and waits for the line that gives its address (`listening on` by default). */
function startProcess(
  args: string[],
  env: Record<string, string>,
  cwd: string,
  address = /listening on (http:\/\/\S+)/,
): Promise<Server> {
  const child = spawn(process.execPath, args, {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: cwd, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  return new Promise((resolve, reject) => {
    let stderr = '';
    const timer = setTimeout(() => reject(new Error(`no ${address} within 60s: ${stderr}`)), 60_000);
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      const match = address.exec(stderr);
      if (match) {
        clearTimeout(timer);
        resolve({ url: match[1]!, child, exited });
      }
    });
    void exited.then((code) => reject(new Error(`exited ${code} before listening: ${stderr}`)));
  });
}

async function stop(server: Server): Promise<void> {
  server.child.kill('SIGTERM');
  await server.exited;
}

function run(args: string[], env: Record<string, string>, cwd: string): string {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: cwd, ...env },
    encoding: 'utf8',
    maxBuffer: 512 * 1024 * 1024,
  });
  if (result.status !== 0) throw new Error(`portalform ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}

/**
 * A bare Fastify route, the ceiling of what any route of this machine's Node can answer; and the
 * access checks' counterpart under their path, with no body: a bare 200, or (given a PostgreSQL
 * state in BENCH_BARE_PG) one indexed query of the credentials per request, by the request's key.
 */
async function bareServer(): Promise<void> {
  const { default: Fastify } = await import('fastify');
  const app = Fastify();
  app.get('/bare', async () => ({ credentials: [] }));
  const stateUrl = process.env.BENCH_BARE_PG;
  if (stateUrl) {
    const url = new URL(stateUrl);
    const schema = url.searchParams.get('schema') ?? 'public';
    url.searchParams.delete('schema');
    const pool = new pg.Pool({ connectionString: url.toString(), options: `-c search_path=${schema}`, max: 10 });
    app.get('/api/v1/access/*', async (request, reply) => {
      const key = String(request.headers.apikey ?? '');
      await pool.query('select id from pf_credentials where type = $1 and unique_value = $2', ['key-auth', key]);
      return reply.code(200).header('content-length', '0').send();
    });
  } else app.get('/api/v1/access/*', async (_request, reply) => reply.code(200).header('content-length', '0').send());
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address() as { port: number };
  process.stderr.write(`listening on http://127.0.0.1:${address.port}\n`);
  process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
}

// --- the bench, per backend ---------------------------------------------------------------------

interface Measured {
  signups: Load & { ofScryptLimit: number };
  logins: Load & { ofScryptLimit: number };
  credentials: Load & { ofBare: number };
  bare: Load;
  duringApply: {
    applySeconds: number;
    developers: number;
    idle: Load;
    reads: Load & { p99OfIdle: number };
    writes: Load & { stored: number; lost: number };
    serverErrors: number;
  };
  twoInstances?: { signups: number; stored: number; historyVerified: boolean };
}

type BackendResult = { backend: 'sqlite' | 'postgres'; checks: ChecksResult } & (
  | Measured
  | { [K in keyof Measured]?: never }
);

class Portal {
  readonly dir = mkdtempSync(path.join(os.tmpdir(), 'portalform-bench-portal-'));
  readonly manifests = path.join(this.dir, 'manifests');
  readonly env: Record<string, string>;

  constructor(readonly state: string) {
    this.env = { ...benchEnv(), PORTALFORM_STATE: state };
    mkdirSync(this.manifests, { recursive: true });
  }

  /** The developers the manifests declare besides the generated ones: Ada, and the approved sign-ups. */
  writeBase(approved: string[]): void {
    const entries = [
      '  - { email: ada@example.com, fullName: Ada Lovelace, status: approved }',
      ...approved.map((email) => `  - { email: ${email}, fullName: Bench, status: approved }`),
    ];
    writeFileSync(path.join(this.manifests, 'base.yaml'), `version: 1\ndevelopers:\n${entries.join('\n')}\n`);
  }

  apply(secretsOut = 'generated.json'): void {
    run(
      ['apply', this.manifests, '--auto-approve', '--secrets-out', path.join(this.dir, secretsOut)],
      this.env,
      this.dir,
    );
  }

  serve(extra: string[] = [], address?: RegExp): Promise<Server> {
    return startProcess(
      [
        BIN,
        'serve',
        '--listen',
        '127.0.0.1:0',
        '--rate-limit',
        '100000000',
        '--login-attempts',
        '100000000',
        '--log-level',
        'warn',
        ...extra,
      ],
      this.env,
      this.dir,
      address,
    );
  }
}

async function post(
  url: string,
  body: object,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: any }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : undefined };
}

function registerRequests(prefix: string, counter: { n: number }) {
  return [
    {
      method: 'POST' as const,
      path: '/api/v1/register',
      headers: { 'content-type': 'application/json' },
      setupRequest: (request: any) => ({
        ...request,
        body: JSON.stringify({
          email: `${prefix}${counter.n++}@bench.example.com`,
          fullName: 'Bench',
          password: PASSWORD,
        }),
      }),
    },
  ];
}

async function benchBackend(
  backend: 'sqlite' | 'postgres',
  state: string,
  options: Options,
  limit: number,
): Promise<BackendResult> {
  const portal = new Portal(state);
  const connections = Math.max(2, os.availableParallelism() * 2);
  const log = (message: string) => process.stderr.write(`[${backend}] ${message}\n`);
  const accounts = Array.from({ length: LOGIN_ACCOUNTS }, (_, i) => `login${i}@bench.example.com`);
  portal.writeBase([]);
  portal.apply();
  const bare = await startProcess(
    [fileURLToPath(import.meta.url), '--bare-server'],
    backend === 'postgres' ? { BENCH_BARE_PG: state } : {},
    portal.dir,
  );
  if (options.checksOnly) {
    try {
      return { backend, checks: await benchChecks(portal, bare, options, log, []) };
    } finally {
      await stop(bare);
      rmSync(portal.dir, { recursive: true, force: true });
    }
  }
  const server = await portal.serve();
  try {
    for (const email of accounts)
      await post(`${server.url}/api/v1/register`, { email, fullName: 'Bench', password: PASSWORD });
    await markVerified(portal.state, portal.dir, accounts);

    log('sign-ups');
    const counter = { n: 0 };
    const signups = summarize(
      await cannon({
        url: server.url,
        connections,
        duration: options.seconds,
        maxOverallRequests: 20_000,
        requests: registerRequests('signup', counter),
      }).result,
      (s) => s === 201,
    );

    portal.writeBase(accounts);
    portal.apply();
    log('logins');
    let next = 0;
    const loginRequests = [
      {
        method: 'POST' as const,
        path: '/api/v1/session',
        headers: { 'content-type': 'application/json' },
        setupRequest: (request: any) => ({
          ...request,
          body: JSON.stringify({ email: accounts[next++ % accounts.length], password: PASSWORD }),
        }),
      },
    ];
    const logins = summarize(
      await cannon({
        url: server.url,
        connections,
        duration: options.seconds,
        maxOverallRequests: 20_000,
        requests: loginRequests,
      }).result,
      (s) => s === 201,
    );

    const { json: session } = await post(`${server.url}/api/v1/session`, { email: accounts[0], password: PASSWORD });
    const auth = { authorization: `Bearer ${session.token}` };
    for (const name of ['ci', 'prod', 'staging'])
      await post(`${server.url}/api/v1/credentials`, { type: 'key-auth', name }, auth);
    const credentialsUrl = `${server.url}/api/v1/credentials`;
    log('GET /api/v1/credentials and the bare route, 32 connections');
    const credentialRatio = await alternatingRounds(
      { url: `${bare.url}/bare` },
      { url: credentialsUrl, headers: auth },
      options.seconds,
    );
    const bareLoad = credentialRatio.bare;
    const credentials = credentialRatio.measured;

    // The idle figure carries the same sign-ups as the run during the apply: both compare reads
    // under one load, with and without the apply.
    log('idle figure, then the same load during an apply');
    const readLoad = () =>
      cannon({ url: credentialsUrl, connections: 4, duration: 120, headers: auth, maxOverallRequests: 1_000_000 });
    const writeLoad = (prefix: string, counter: { n: number }) =>
      cannon({
        url: server.url,
        connections: 2,
        duration: 120,
        maxOverallRequests: 100_000,
        requests: registerRequests(prefix, counter),
      });
    const idleRun = readLoad();
    const idleWrites = writeLoad('idle', { n: 0 });
    setTimeout(() => {
      idleRun.stop();
      idleWrites.stop();
    }, options.seconds * 1000);
    const idle = summarize(await idleRun.result, (s) => s === 200);
    await idleWrites.result;

    const generated = generatePortal({ developers: options.developers, basicAuthShare: 0 });
    // writePortal clears the directory; the base file is written again after it.
    writePortal(portal.manifests, generated.developers, generated, 1);
    portal.writeBase(accounts);

    const writeCounter = { n: 0 };
    const reads = readLoad();
    const writes = writeLoad('during', writeCounter);
    const applyStart = performance.now();
    const applyChild = spawn(
      process.execPath,
      [BIN, 'apply', portal.manifests, '--auto-approve', '--secrets-out', path.join(portal.dir, 'generated-10k.json')],
      {
        cwd: portal.dir,
        env: { PATH: process.env.PATH ?? '', HOME: portal.dir, ...portal.env },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    // On two cores the apply would otherwise take the service's CPU: the figure is about waiting
    // for the apply's locks and transaction, which a lower priority leaves as it is.
    os.setPriority(applyChild.pid!, APPLY_NICENESS);
    let applyErr = '';
    applyChild.stderr!.setEncoding('utf8').on('data', (c: string) => (applyErr += c));
    const applyCode = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => applyChild.kill('SIGKILL'), 600_000);
      applyChild.on('close', (code) => {
        clearTimeout(timer);
        resolve(code);
      });
    });
    const applySeconds = (performance.now() - applyStart) / 1000;
    reads.stop();
    writes.stop();
    if (applyCode !== 0) throw new Error(`the ${options.developers}-developer apply failed: ${applyErr}`);
    const readResult = summarize(await reads.result, (s) => s === 200);
    const writeResult = summarize(await writes.result, (s) => s === 201);
    const listing = JSON.parse(run(['state', 'list', '--json'], portal.env, portal.dir)) as {
      developers: Array<{ email: string }>;
    };
    const stored = listing.developers.filter((d) => d.email.startsWith('during')).length;
    const serverErrors = Object.entries({ ...readResult.statuses, ...writeResult.statuses })
      .filter(([code]) => Number(code) >= 500 && Number(code) !== 503)
      .reduce((sum, [, n]) => sum + n, 0);

    let twoInstances: BackendResult['twoInstances'];
    if (backend === 'postgres') {
      log('40 parallel sign-ups across two instances');
      const second = await portal.serve();
      try {
        const answers = await Promise.all(
          Array.from({ length: 40 }, (_, i) =>
            post(`${i % 2 ? second.url : server.url}/api/v1/register`, {
              email: `pair${i}@bench.example.com`,
              fullName: 'Pair',
              password: PASSWORD,
            }),
          ),
        );
        const after = JSON.parse(run(['state', 'list', '--json'], portal.env, portal.dir)) as {
          developers: Array<{ email: string }>;
        };
        const verified =
          spawnSync(process.execPath, [BIN, 'history', 'verify'], {
            cwd: portal.dir,
            env: { PATH: process.env.PATH ?? '', HOME: portal.dir, ...portal.env },
          }).status === 0;
        twoInstances = {
          signups: answers.filter((a) => a.status === 201).length,
          stored: after.developers.filter((d) => d.email.startsWith('pair')).length,
          historyVerified: verified,
        };
      } finally {
        await stop(second);
      }
    }

    await stop(server);
    const checks = await benchChecks(portal, bare, options, log, accounts);
    return {
      backend,
      checks,
      signups: { ...signups, ofScryptLimit: signups.requestsPerSecond / limit },
      logins: { ...logins, ofScryptLimit: logins.requestsPerSecond / limit },
      credentials: {
        ...credentials,
        ofBare: credentialRatio.ratio,
      },
      bare: bareLoad,
      duringApply: {
        applySeconds,
        developers: options.developers,
        idle,
        reads: { ...readResult, p99OfIdle: readResult.p99Ms / Math.max(idle.p99Ms, 1) },
        writes: { ...writeResult, stored, lost: Math.max(0, writeResult.ok - stored) },
        serverErrors,
      },
      ...(twoInstances ? { twoInstances } : {}),
    };
  } finally {
    await stop(server);
    await stop(bare);
    rmSync(portal.dir, { recursive: true, force: true });
  }
}

// --- the access checks --------------------------------------------------------------------------

/** Keys in the rotation of the check scenario's load: spread over the whole state. */
const CHECK_KEYS = 10_000;
/** The original request every check carries (nginx's X-Original-URI lands after the API's name). */
const CHECK_PATH = '/api/v1/access/payments/v1/charges';

interface ChecksResult {
  developers: number;
  credentials: number;
  applySeconds: number;
  keys: number;
  /** One pass over the keys, each read from the state: index probes, nothing cached yet. */
  firstPass: Load;
  bare: Load;
  checks: Load & { ofBare: number; ratios: number[] };
}

/** Own key-auth keys of approved developers, from the --secrets-out files of the applies. */
function approvedOwnKeys(files: string[], approved: Set<string>): string[] {
  const keys: string[] = [];
  for (const file of files) {
    if (!existsSync(file)) continue;
    const generated = JSON.parse(readFileSync(file, 'utf8')) as Record<string, { key?: string }>;
    for (const [address, values] of Object.entries(generated)) {
      const own = /^developer\["([^"]+)"\]\.credential\["key-auth:/.exec(address);
      if (own && values.key && approved.has(own[1]!)) keys.push(values.key);
    }
  }
  return keys;
}

/**
 * The access-check scenario: the state grows to `accessDevelopers` developers (every API callable
 * by their acl groups), `serve --access-listen` answers key-auth checks, and autocannon loads it and
 * the bare route with the same requests, alternating rounds, the median of their ratios.
 */
async function benchChecks(
  portal: Portal,
  bare: Server,
  options: Options,
  log: (message: string) => void,
  accounts: string[],
): Promise<ChecksResult> {
  const generated = generatePortal({ developers: options.accessDevelopers, basicAuthShare: 0 });
  writePortal(portal.manifests, generated.developers, generated, Math.ceil(options.accessDevelopers / 10_000), GROUPS);
  portal.writeBase(accounts);
  log(`apply of ${options.accessDevelopers} developers for the checks`);
  const applyStart = performance.now();
  portal.apply('generated-access.json');
  const applySeconds = (performance.now() - applyStart) / 1000;
  const approved = new Set(generated.developers.filter((d) => d.status === 'approved').map((d) => d.email));
  const allKeys = approvedOwnKeys(
    ['generated.json', 'generated-10k.json', 'generated-access.json'].map((f) => path.join(portal.dir, f)),
    approved,
  );
  const stride = Math.max(1, allKeys.length / CHECK_KEYS);
  const keys = Array.from({ length: Math.min(CHECK_KEYS, allKeys.length) }, (_, i) => allKeys[Math.floor(i * stride)]!);
  const requests = keys.map((key) => ({ method: 'GET' as const, path: CHECK_PATH, headers: { apikey: key } }));
  const checker = await portal.serve(['--access-listen', '127.0.0.1:0'], /access checks on (http:\/\/\S+)/);
  try {
    log(`first pass over ${keys.length} keys`);
    let next = 0;
    const firstPass = summarize(
      await cannon({
        url: checker.url,
        connections: 32,
        amount: keys.length,
        requests: [
          { ...requests[0]!, setupRequest: (request: any) => ({ ...request, ...requests[next++ % keys.length] }) },
        ],
      }).result,
      (s) => s === 200,
    );
    log('key-auth checks and the bare route, 32 connections');
    // A round of each that is not counted: both servers reach their steady state (compiled code,
    // kept credentials) before the rounds that are, as a proxy's long-lived backend would be.
    for (const url of [bare.url, checker.url])
      await cannon({ url, connections: 32, duration: Math.min(4, options.seconds), requests }).result;
    const rounds = await alternatingRounds(
      { url: bare.url, requests },
      { url: checker.url, requests },
      options.seconds,
    );
    return {
      developers: generated.developers.length + accounts.length + 1,
      credentials: generated.developers.reduce((n, d) => n + credentialCount(d), 0),
      applySeconds,
      keys: keys.length,
      firstPass,
      bare: rounds.bare,
      checks: { ...rounds.measured, ofBare: rounds.ratio, ratios: rounds.ratios },
    };
  } finally {
    await stop(checker);
  }
}

async function postgresState(): Promise<{ url: string; drop(): Promise<void> } | undefined> {
  const schema = `pf_bench_portal_${process.pid}`;
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query(`drop schema if exists "${schema}" cascade`);
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => undefined);
  }
  return {
    url: `${PG_URL}?schema=${schema}`,
    drop: async () => {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`drop schema if exists "${schema}" cascade`);
      await c.end();
    },
  };
}

function table(scrypt: { concurrency: number; perSecond: number } | null, results: BackendResult[]): string {
  const f = (n: number, digits = 0) => n.toFixed(digits);
  const rows: string[][] = [['measure', ...results.map((r) => r.backend), 'target']];
  const row = (name: string, target: string, cell: (r: BackendResult) => string) =>
    rows.push([name, ...results.map(cell), target]);
  const measured = (cell: (r: Measured) => string) => (r: BackendResult) => (r.signups ? cell(r as Measured) : '—');
  if (scrypt) {
    row(`scrypt limit (${scrypt.concurrency} at once), hashes/s`, '', () => f(scrypt.perSecond, 1));
    row(
      'sign-ups/s (share of the limit)',
      '≥ 80%',
      measured((r) => `${f(r.signups.requestsPerSecond, 1)} (${f(r.signups.ofScryptLimit * 100)}%)`),
    );
    row(
      'logins/s (share of the limit)',
      '≥ 80%',
      measured((r) => `${f(r.logins.requestsPerSecond, 1)} (${f(r.logins.ofScryptLimit * 100)}%)`),
    );
    row(
      'bare Fastify route, req/s at 32 conns',
      '',
      measured((r) => f(r.bare.requestsPerSecond)),
    );
    row(
      'GET /api/v1/credentials, req/s (× bare)',
      '≥ 0.3×',
      measured((r) => `${f(r.credentials.requestsPerSecond)} (${f(r.credentials.ofBare, 2)}×)`),
    );
    row(
      'GET /api/v1/credentials, p99 ms',
      '≤ 50',
      measured((r) => f(r.credentials.p99Ms)),
    );
    row(
      'apply of N developers, s',
      '',
      measured((r) => `${f(r.duringApply.applySeconds, 1)} (N=${r.duringApply.developers})`),
    );
    row(
      'reads idle / during apply, p99 ms',
      'PG ≤ 2×',
      measured(
        (r) =>
          `${f(r.duringApply.idle.p99Ms)} / ${f(r.duringApply.reads.p99Ms)} (${f(r.duringApply.reads.p99OfIdle, 2)}×)`,
      ),
    );
    row(
      'sign-ups during apply: 201 / 503 / stored',
      'none lost',
      measured(
        (r) =>
          `${r.duringApply.writes.ok} / ${r.duringApply.writes.statuses['503'] ?? 0} / ${r.duringApply.writes.stored}`,
      ),
    );
    row(
      '5xx other than 503 during apply',
      '0',
      measured((r) => String(r.duringApply.serverErrors)),
    );
    row(
      'two instances: 40 sign-ups 201 / stored / history',
      'all, verified',
      measured((r) =>
        r.twoInstances
          ? `${r.twoInstances.signups} / ${r.twoInstances.stored} / ${r.twoInstances.historyVerified ? 'verified' : 'FAILED'}`
          : '—',
      ),
    );
  }
  row(
    'checks: state (developers / credentials)',
    '100k / 300k',
    (r) => `${r.checks.developers} / ${r.checks.credentials}`,
  );
  row(
    'checks: first pass over the keys, checks/s (p99 ms)',
    '',
    (r) => `${f(r.checks.firstPass.requestsPerSecond)} (${f(r.checks.firstPass.p99Ms)})`,
  );
  row('checks: bare route (PG: one indexed query), req/s', '', (r) => f(r.checks.bare.requestsPerSecond));
  row(
    'key-auth checks, req/s (× bare, median of rounds)',
    '≥ 0.5×',
    (r) => `${f(r.checks.checks.requestsPerSecond)} (${f(r.checks.checks.ofBare, 2)}×)`,
  );
  row('key-auth checks, p99 ms', '≤ 10', (r) => f(r.checks.checks.p99Ms));
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => `| ${r.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(rows[0]!), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line)].join('\n');
}

async function main(): Promise<void> {
  if (process.argv[2] === '--bare-server') return bareServer();
  const options = parseArgs(process.argv.slice(2));
  if (!options.checksOnly) process.stderr.write(`measuring the scrypt limit (${options.seconds}s)\n`);
  const scrypt = options.checksOnly ? null : await scryptLimit(options.seconds);
  const results: BackendResult[] = [];
  const sqliteDir = mkdtempSync(path.join(os.tmpdir(), 'portalform-bench-state-'));
  try {
    results.push(await benchBackend('sqlite', path.join(sqliteDir, 'portalform.db'), options, scrypt?.perSecond ?? 0));
  } finally {
    rmSync(sqliteDir, { recursive: true, force: true });
  }
  const pgState = options.postgres ? await postgresState() : undefined;
  if (options.postgres && !pgState) process.stderr.write(`PostgreSQL is not reachable at ${PG_URL}: skipped\n`);
  if (pgState) {
    try {
      results.push(await benchBackend('postgres', pgState.url, options, scrypt?.perSecond ?? 0));
    } finally {
      await pgState.drop();
    }
  }
  const machine = { cpus: os.availableParallelism(), node: process.version, loadAverage: os.loadavg() };
  writeFileSync(
    options.out,
    `${JSON.stringify({ at: new Date().toISOString(), machine, options, scrypt, results }, null, 2)}\n`,
  );
  process.stdout.write(`${table(scrypt, results)}\n\nResults written to ${options.out}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:portal failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});

/** The login accounts prove their address, as their mailed links would: the apply then adopts them. */
async function markVerified(state: string, dir: string, emails: string[]): Promise<void> {
  const store = openStore(state, dir);
  try {
    const opened = await store.openExisting();
    if (!opened) throw new Error(`no state at ${state}`);
    await opened.db.updateTable('pf_developers').set({ email_verified: 1 }).where('email', 'in', emails).execute();
  } finally {
    await store.close();
  }
}
