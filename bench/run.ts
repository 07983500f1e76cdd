// The benchmark: `npm run bench -- [--developers 100000] [--runs 3] [--postgres URL | --no-postgres]`.
//
// Generates a synthetic portal in a temp directory, as 100 manifest files and as one, and times
// each step as a whole `portalform` process (node startup included): validate, first plan, first
// apply, no-op plan, plan and apply after 1% of the developers change, plan after one developer
// changes. In the same run it times the floor: parsing the same files with `yaml` and reading the
// stored rows with a bare query, and inserting the same rows with a bare prepared statement.
// Medians of --runs runs; peak RSS of every process. Last, the start-up of small commands against
// bare Node (bench/startup.ts; alone with --startup-only). Prints a table, writes bench/results.json.
import { spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { addUnmanagedPostgres, addUnmanagedSqlite, unmanagedFor } from './unmanaged.js';
import {
  allCredentials,
  benchEnv,
  credentialCount,
  generatePortal,
  withChanges,
  writeManifests,
  writePortal,
  APIS,
  type Developer,
  type Generated,
} from './generate.js';
import { measureStartup, reportStartup, type StartupResult } from './startup.js';

const HERE = path.dirname(fileURLToPath(import.meta.url)); // dist/bench
const ROOT = path.resolve(HERE, '../..');
// The measured code is a private copy of the build (see `snapshotBuild`), so that a rebuild of
// dist/ while the benchmark runs cannot change what it measures halfway.
let BIN = path.join(ROOT, 'dist/cmd/portalform.js');
let FLOOR = path.join(HERE, 'floor.js');
let RSS_HOOK = pathToFileURL(path.join(HERE, 'rss-hook.js')).href;

/** Copies dist/, package.json and schemas/ into `dir` (node_modules linked) and measures that copy. */
function snapshotBuild(dir: string): void {
  const pkg = path.join(dir, 'package');
  mkdirSync(pkg, { recursive: true });
  cpSync(path.join(ROOT, 'dist'), path.join(pkg, 'dist'), { recursive: true });
  cpSync(path.join(ROOT, 'schemas'), path.join(pkg, 'schemas'), { recursive: true });
  cpSync(path.join(ROOT, 'package.json'), path.join(pkg, 'package.json'));
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(pkg, 'node_modules'), 'dir');
  BIN = path.join(pkg, 'dist/cmd/portalform.js');
  FLOOR = path.join(pkg, 'dist/bench/floor.js');
  RSS_HOOK = pathToFileURL(path.join(pkg, 'dist/bench/rss-hook.js')).href;
}

export interface BenchOptions {
  developers: number;
  runs: number;
  /** null: no PostgreSQL run. */
  postgres: string | null;
  postgresDevelopers: number;
  /** Also run at developers/10, for the growth ratio. */
  growth: boolean;
  /** The layouts to run: numbers of manifest files. */
  layouts: number[];
  basicAuthShare: number;
  out: string;
  keep: boolean;
  /** Only the start-up measurement, with this many runs of each process. */
  startupOnly: boolean;
  startupRuns: number;
  log: (line: string) => void;
}

export interface Measurement {
  /** Wall time of each run, ms. */
  runs: number[];
  medianMs: number;
  /** Peak RSS over the runs, MiB. */
  peakRssMiB: number;
  /** Phase timings (PORTALFORM_TIMINGS) of the median run, ms. */
  phases?: Record<string, number>;
  counts?: Record<string, number>;
  /** Bytes the process printed on stdout (the rendered plan). */
  stdoutBytes?: number;
  /** In-process timings reported by a floor process (ms), medians. */
  inner?: Record<string, number>;
}

export interface LayoutResult {
  files: number;
  manifestBytes: number;
  steps: Record<string, Measurement>;
}

export interface ScaleResult {
  backend: 'sqlite' | 'postgres';
  developers: number;
  credentials: number;
  basicAuth: number;
  /** Applications (one per approved developer), the credentials they hold, and their registrations. */
  applications?: { applications: number; credentials: number; registrations: number; apis: number };
  layouts: Record<string, LayoutResult>;
}

const usage = `usage: npm run bench -- [--developers N] [--runs K] [--postgres URL | --no-postgres] [--postgres-developers N]
       [--no-growth] [--layouts 100,1] [--basic-auth-share F] [--out FILE] [--keep] [--startup-only] [--startup-runs K]`;

export function parseArgs(argv: string[]): BenchOptions {
  const options: BenchOptions = {
    developers: 100_000,
    runs: 3,
    postgres: 'postgres://postgres@127.0.0.1:5432/test',
    postgresDevelopers: 10_000,
    growth: true,
    layouts: [100, 1],
    basicAuthShare: 0.01,
    out: path.join(ROOT, 'bench/results.json'),
    keep: false,
    startupOnly: false,
    startupRuns: 21,
    log: (line) => process.stderr.write(`${line}\n`),
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value\n${usage}`);
      return v;
    };
    if (arg === '--developers') options.developers = positive(value(), arg);
    else if (arg === '--runs') options.runs = positive(value(), arg);
    else if (arg === '--postgres') options.postgres = value();
    else if (arg === '--no-postgres') options.postgres = null;
    else if (arg === '--postgres-developers') options.postgresDevelopers = positive(value(), arg);
    else if (arg === '--no-growth') options.growth = false;
    else if (arg === '--layouts')
      options.layouts = value()
        .split(',')
        .map((n) => positive(n, arg));
    else if (arg === '--basic-auth-share') options.basicAuthShare = Number(value());
    else if (arg === '--out') options.out = path.resolve(value());
    else if (arg === '--keep') options.keep = true;
    else if (arg === '--startup-only') options.startupOnly = true;
    else if (arg === '--startup-runs') options.startupRuns = positive(value(), arg);
    else if (arg === '--help' || arg === '-h') {
      process.stdout.write(`${usage}\n`);
      process.exit(0);
    } else throw new Error(`unknown argument ${arg}\n${usage}`);
  }
  // A start-up run alone keeps the full run's results.
  if (options.startupOnly && !argv.includes('--out')) options.out = path.join(ROOT, 'bench/startup-results.json');
  return options;
}

function positive(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${flag} takes a positive integer`);
  return n;
}

interface ProcessResult {
  ms: number;
  rssKiB: number;
  code: number;
  stdout: string;
  stdoutBytes: number;
  stderr: string;
  timings?: { phases: Record<string, number>; counts: Record<string, number> };
}

/** Runs `node <script> ...args` as a whole process, measuring wall time and peak RSS. */
async function runProcess(
  script: string,
  args: string[],
  cwd: string,
  env: Record<string, string>,
  keepStdout = false,
): Promise<ProcessResult> {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'pf-bench-proc-'));
  const rssFile = path.join(scratch, 'rss');
  const timingsFile = path.join(scratch, 'timings.json');
  const started = performance.now();
  const result = await new Promise<{ code: number; stdout: string; stdoutBytes: number; stderr: string }>(
    (resolve, reject) => {
      const child = spawn(process.execPath, ['--import', RSS_HOOK, script, ...args], {
        cwd,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: os.homedir(),
          ...env,
          PORTALFORM_BENCH_RSS: rssFile,
          PORTALFORM_TIMINGS: timingsFile,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stdoutBytes = 0;
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => {
        stdoutBytes += chunk.length;
        if (keepStdout) stdout += chunk.toString();
      });
      child.stderr.on('data', (chunk: Buffer) => {
        if (stderr.length < 1 << 20) stderr += chunk.toString();
      });
      child.on('error', reject);
      child.on('close', (code) => resolve({ code: code ?? -1, stdout, stdoutBytes, stderr }));
    },
  );
  const ms = performance.now() - started;
  const rssKiB = existsSync(rssFile) ? Number(readFileSync(rssFile, 'utf8')) : 0;
  const timings = existsSync(timingsFile) ? JSON.parse(readFileSync(timingsFile, 'utf8')) : undefined;
  rmSync(scratch, { recursive: true, force: true });
  return { ms, rssKiB, ...result, timings };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function medianIndex(values: number[]): number {
  const m = median(values);
  let best = 0;
  values.forEach((v, i) => {
    if (Math.abs(v - m) < Math.abs(values[best]! - m)) best = i;
  });
  return best;
}

/** One benchmark context: a manifest directory, its state and the working directory (where the cache lives). */
class Layout {
  readonly manifests: string;
  readonly stateFile: string;
  readonly cache: string;
  constructor(
    readonly dir: string,
    readonly files: number,
    readonly state: string | null, // a postgres URL, or null for the SQLite file
    readonly env: Record<string, string>,
  ) {
    this.manifests = path.join(dir, 'manifests');
    this.stateFile = path.join(dir, 'portalform.db');
    this.cache = path.join(dir, 'parse-cache');
    mkdirSync(dir, { recursive: true });
  }

  get stateLocation(): string {
    return this.state ?? this.stateFile;
  }

  cli(args: string[]): Promise<ProcessResult> {
    return runProcess(BIN, args, this.dir, {
      ...this.env,
      PORTALFORM_STATE: this.stateLocation,
      PORTALFORM_CACHE_DIR: this.cache,
    });
  }

  clearCache(): void {
    rmSync(this.cache, { recursive: true, force: true });
  }

  snapshot(name: string): void {
    const target = path.join(this.dir, `snapshot-${name}`);
    rmSync(target, { recursive: true, force: true });
    mkdirSync(target);
    if (existsSync(this.cache)) cpSync(this.cache, path.join(target, 'cache'), { recursive: true });
    if (this.state === null) {
      for (const suffix of ['', '-wal', '-shm']) {
        if (existsSync(this.stateFile + suffix)) cpSync(this.stateFile + suffix, path.join(target, `state${suffix}`));
      }
    }
  }

  /** Restores the cache (and a SQLite state) saved by `snapshot`. */
  restore(name: string, withState: boolean): void {
    const source = path.join(this.dir, `snapshot-${name}`);
    this.clearCache();
    if (existsSync(path.join(source, 'cache'))) cpSync(path.join(source, 'cache'), this.cache, { recursive: true });
    if (withState && this.state === null) {
      this.removeSqliteState();
      for (const suffix of ['', '-wal', '-shm']) {
        if (existsSync(path.join(source, `state${suffix}`)))
          cpSync(path.join(source, `state${suffix}`), this.stateFile + suffix);
      }
    }
  }

  removeSqliteState(): void {
    for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(this.stateFile + suffix, { force: true });
  }
}

function check(result: ProcessResult, what: string, allowed: number[] = [0]): void {
  if (!allowed.includes(result.code)) {
    throw new Error(`${what} exited ${result.code}:\n${result.stderr.slice(0, 4000)}`);
  }
}

async function measure(
  what: string,
  runs: number,
  before: (() => void | Promise<void>) | null,
  run: () => Promise<ProcessResult>,
  log: (line: string) => void,
  allowed?: number[],
): Promise<Measurement> {
  const results: ProcessResult[] = [];
  for (let i = 0; i < runs; i++) {
    await before?.();
    const result = await run();
    check(result, what, allowed);
    results.push(result);
  }
  const times = results.map((r) => r.ms);
  const mid = results[medianIndex(times)]!;
  const measurement: Measurement = {
    runs: times.map(round),
    medianMs: round(median(times)),
    peakRssMiB: round(Math.max(...results.map((r) => r.rssKiB)) / 1024),
    stdoutBytes: mid.stdoutBytes,
  };
  if (mid.timings && Object.keys(mid.timings.phases).length > 0) {
    measurement.phases = roundAll(mid.timings.phases);
    measurement.counts = mid.timings.counts;
  }
  const inner = results.map((r) =>
    r.code === 0 && r.stdout.startsWith('{') ? (JSON.parse(r.stdout) as Record<string, number>) : null,
  );
  if (inner.every((x) => x !== null) && inner.length > 0) {
    measurement.inner = Object.fromEntries(
      Object.keys(inner[0]!).map((k) => [k, round(median(inner.map((x) => x![k]!)))]),
    );
  }
  log(
    `  ${what.padEnd(34)} ${(measurement.medianMs / 1000).toFixed(2).padStart(8)} s  ${measurement.peakRssMiB.toFixed(0).padStart(6)} MiB  runs ${measurement.runs.map((t) => (t / 1000).toFixed(2)).join(' ')}`,
  );
  return measurement;
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

function roundAll(values: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, round(v)]));
}

function floorRun(layout: Layout, args: string[]): () => Promise<ProcessResult> {
  return async () => {
    const result = await runProcess(FLOOR, args, layout.dir, {}, true);
    return result;
  };
}

/** Every step of the benchmark for one layout. */
async function benchLayout(
  layout: Layout,
  portal: Generated,
  changed: Developer[],
  oneMore: Developer[] | null,
  runs: number,
  log: (line: string) => void,
): Promise<Record<string, Measurement>> {
  const steps: Record<string, Measurement> = {};
  const m = layout.manifests;
  const pgSchema = layout.state ? new URL(layout.state).searchParams.get('schema')! : '';
  const pgBase = layout.state ? stripSchema(layout.state) : '';
  const resetState = async () => {
    if (layout.state === null) layout.removeSqliteState();
    else await dropSchema(pgBase, pgSchema);
  };

  writePortal(m, portal.developers, portal, layout.files);
  steps.validate = await measure(
    'validate',
    runs,
    () => layout.clearCache(),
    () => layout.cli(['validate', m]),
    log,
  );
  await resetState();
  steps.firstPlan = await measure(
    'first plan (no state)',
    runs,
    () => layout.clearCache(),
    () => layout.cli(['plan', m, '--no-color']),
    log,
  );
  steps.firstApply = await measure(
    'first apply',
    runs,
    async () => {
      layout.clearCache();
      await resetState();
    },
    () => layout.cli(['apply', m, '--auto-approve', '--no-color']),
    log,
  );
  steps.noopPlan = await measure(
    'no-op plan',
    runs,
    null,
    () => layout.cli(['plan', m, '--no-color', '--detailed-exitcode']),
    log,
  );
  steps.noopPlanColdCache = await measure(
    'no-op plan, no cache',
    runs,
    () => layout.clearCache(),
    () => layout.cli(['plan', m, '--no-color', '--detailed-exitcode']),
    log,
  );
  // Warm the cache again, as the no-op plans leave it, and keep that state and cache.
  check(await layout.cli(['validate', m]), 'validate');
  layout.snapshot('base');

  if (layout.state === null) {
    steps.floor = await measure(
      'floor: yaml parse + bare read',
      runs,
      null,
      floorRun(layout, ['read-parse', m, layout.stateFile]),
      log,
    );
    steps.bulkInsert = await measure(
      'floor: bulk insert of the rows',
      runs,
      null,
      floorRun(layout, ['bulk-insert', layout.stateFile, path.join(layout.dir, 'scratch.db')]),
      log,
    );
    rmSync(path.join(layout.dir, 'scratch.db'), { force: true });
  } else {
    steps.floor = await measure(
      'floor: yaml parse + bare read',
      runs,
      null,
      floorRun(layout, ['pg-read-parse', m, pgBase, pgSchema]),
      log,
    );
    steps.bulkInsert = await measure(
      'floor: bulk insert of the rows',
      runs,
      null,
      floorRun(layout, ['pg-bulk-insert', pgBase, pgSchema, `${pgSchema}_scratch`]),
      log,
    );
  }

  writeManifests(m, changed, layout.files);
  steps.changePlan = await measure(
    'plan, 1% of developers changed',
    runs,
    () => layout.restore('base', false),
    () => layout.cli(['plan', m, '--no-color', '--detailed-exitcode']),
    log,
    [2],
  );
  steps.changeApply = await measure(
    'apply, 1% of developers changed',
    runs,
    async () => {
      if (layout.state === null) return layout.restore('base', true);
      // PostgreSQL: back to the base state by a first apply of the base manifests into an empty schema (not timed).
      await resetState();
      writeManifests(m, portal.developers, layout.files);
      check(await layout.cli(['apply', m, '--auto-approve', '--no-color']), 'reset apply');
      writeManifests(m, changed, layout.files);
      layout.restore('base', false);
    },
    () => layout.cli(['apply', m, '--auto-approve', '--no-color']),
    log,
  );

  if (oneMore) {
    check(await layout.cli(['validate', m]), 'validate'); // the cache as a CI runner would have it after the 1% change
    layout.snapshot('changed');
    writeManifests(m, oneMore, layout.files);
    steps.oneChangePlan = await measure(
      'plan, one developer changed',
      runs,
      () => layout.restore('changed', false),
      () => layout.cli(['plan', m, '--no-color', '--detailed-exitcode']),
      log,
      [2],
    );

    // The same plans with what self-service leaves in a state (bench/unmanaged.ts): they list it, and must stay as fast.
    const unmanaged = unmanagedFor(portal.developers.length);
    if (layout.state === null) addUnmanagedSqlite(layout.stateFile, unmanaged);
    else await addUnmanagedPostgres(pgBase, pgSchema, unmanaged);
    steps.oneChangePlanUnmanaged = await measure(
      'plan, one developer changed, +unmanaged',
      runs,
      () => layout.restore('changed', false),
      () => layout.cli(['plan', m, '--no-color', '--detailed-exitcode']),
      log,
      [2],
    );
    writeManifests(m, changed, layout.files);
    steps.noopPlanUnmanaged = await measure(
      'no-op plan, +unmanaged',
      runs,
      () => layout.restore('changed', false),
      () => layout.cli(['plan', m, '--no-color', '--detailed-exitcode']),
      log,
    );
  }
  return steps;
}

function stripSchema(url: string): string {
  const u = new URL(url);
  u.searchParams.delete('schema');
  return u.toString();
}

async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`drop schema if exists "${schema}" cascade`);
    await client.query(`drop schema if exists "${schema}_scratch" cascade`);
  } finally {
    await client.end();
  }
}

async function postgresReachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function benchScale(
  work: string,
  developers: number,
  options: BenchOptions,
  backend: 'sqlite' | 'postgres',
  layouts: number[],
): Promise<ScaleResult> {
  const { log } = options;
  const portal = generatePortal({ developers, basicAuthShare: options.basicAuthShare });
  const credentials = portal.developers.reduce((n, d) => n + credentialCount(d), 0);
  const basicAuth = portal.developers.reduce(
    (n, d) => n + allCredentials(d).filter((c) => c.type === 'basic-auth').length,
    0,
  );
  const applications = applicationCounts(portal.developers);
  // 1% of developers change: every hundredth, so every file of the 100-file layout has some.
  const changed = withChanges(portal.developers, (i) => i % 100 === 42);
  // Then one more developer changes (its fullName), in one file.
  const target = Math.min(developers - 1, 7);
  const oneMore = changed.map((d, i) => (i === target ? { ...d, fullName: `${d.fullName} (one change)` } : d));
  log(
    `\n${backend}, ${developers} developers, ${credentials} credentials (${basicAuth} basic-auth), ${describeApplications(applications)}`,
  );
  const result: ScaleResult = { backend, developers, credentials, basicAuth, applications, layouts: {} };
  const env = benchEnv();
  for (const files of layouts) {
    const name = `${files}-file${files === 1 ? '' : 's'}`;
    log(` ${name} layout`);
    const dir = path.join(work, `${backend}-${developers}-${name}`);
    let state: string | null = null;
    if (backend === 'postgres') {
      const schema = `pf_bench_${process.pid}_${developers}_${files}`;
      const u = new URL(options.postgres!);
      u.searchParams.set('schema', schema);
      state = u.toString();
    }
    const layout = new Layout(dir, files, state, env);
    try {
      const steps = await benchLayout(layout, portal, changed, files > 1 ? oneMore : null, options.runs, log);
      const manifestBytes = sizeOfManifests(layout.manifests);
      result.layouts[name] = { files, manifestBytes, steps };
    } finally {
      if (state)
        await dropSchema(stripSchema(state), new URL(state).searchParams.get('schema')!).catch(() => undefined);
      if (!options.keep) rmSync(dir, { recursive: true, force: true });
    }
  }
  return result;
}

function applicationCounts(developers: Developer[]): NonNullable<ScaleResult['applications']> {
  const counts = { applications: 0, credentials: 0, registrations: 0, apis: APIS.length };
  for (const a of developers.flatMap((d) => d.applications ?? [])) {
    counts.applications++;
    counts.credentials += a.credentials.length;
    counts.registrations += a.registrations.length;
  }
  return counts;
}

function describeApplications(a: ScaleResult['applications']): string {
  if (!a) return 'no applications';
  return `${a.applications} applications holding ${a.credentials} of the credentials, ${a.registrations} registrations to ${a.apis} APIs`;
}

function sizeOfManifests(dir: string): number {
  let total = 0;
  const walk = (d: string) => {
    for (const entry of readdirSyncSafe(d)) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.ya?ml$/.test(entry.name)) total += readFileSync(full).length;
    }
  };
  walk(dir);
  return total;
}

function readdirSyncSafe(dir: string) {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}

export interface Ratios {
  [name: string]: { value: number; target: string; ok: boolean; layout?: string };
}

/** The targets of the performance issue, as ratios from this one run. */
export function ratios(scales: ScaleResult[]): Ratios {
  const out: Ratios = {};
  const sqlite = scales.filter((s) => s.backend === 'sqlite');
  const largest = sqlite.reduce<ScaleResult | undefined>(
    (a, s) => (!a || s.developers > a.developers ? s : a),
    undefined,
  );
  if (!largest) return out;
  for (const [name, layout] of Object.entries(largest.layouts)) {
    const s = layout.steps;
    const floor = s.floor!.medianMs;
    const noop = s.noopPlan!.medianMs / floor;
    out[`no-op plan / floor (${name})`] = { value: r2(noop), target: '≤ 0.1', ok: noop <= 0.1 };
    const hashing = s.firstApply!.phases?.['hash passwords'] ?? 0;
    const apply =
      (s.firstApply!.medianMs - hashing) / (floor + (s.bulkInsert!.inner?.insertMs ?? s.bulkInsert!.medianMs));
    out[`first apply without hashing / (floor + bulk insert) (${name})`] = {
      value: r2(apply),
      target: '≤ 2',
      ok: apply <= 2,
    };
    if (s.oneChangePlan) {
      const seconds = s.oneChangePlan.medianMs / 1000;
      out[`plan after one developer changed, s (${name})`] = { value: r2(seconds), target: '≤ 3', ok: seconds <= 3 };
      const one = s.oneChangePlan.medianMs / floor;
      out[`plan after one developer changed / floor (${name})`] = { value: r3(one), target: '≤ 0.05', ok: one <= 0.05 };
    }
    if (s.oneChangePlanUnmanaged && s.noopPlanUnmanaged) {
      const u = unmanagedFor(largest.developers);
      const with_ = `${u.developers} self-registered developers, ${u.developers * u.credentialsPerDeveloper} self-made credentials`;
      const seconds = s.oneChangePlanUnmanaged.medianMs / 1000;
      out[`plan after one developer changed, with ${with_}, s (${name})`] = {
        value: r2(seconds),
        target: '≤ 3',
        ok: seconds <= 3,
      };
      const noop = s.noopPlanUnmanaged.medianMs / floor;
      out[`no-op plan / floor, with ${with_} (${name})`] = { value: r2(noop), target: '≤ 0.1', ok: noop <= 0.1 };
    }
    const rss = Math.max(
      ...Object.entries(s)
        .filter(([k]) => k !== 'floor' && k !== 'bulkInsert')
        .map(([, v]) => v.peakRssMiB),
    );
    out[`peak RSS, MiB (${name})`] = { value: Math.round(rss), target: '≤ 1024', ok: rss <= 1024 };
    const smaller = sqlite.find((x) => x.developers * 10 === largest.developers);
    if (smaller?.layouts[name]) {
      let worst = 0;
      let worstStep = '';
      for (const [step, m] of Object.entries(s)) {
        const small = smaller.layouts[name]!.steps[step];
        if (!small || step === 'floor' || step === 'bulkInsert') continue;
        const growth = m.medianMs / small.medianMs;
        if (growth > worst) [worst, worstStep] = [growth, step];
      }
      out[`worst growth ${smaller.developers}→${largest.developers} (${name}: ${worstStep})`] = {
        value: r2(worst),
        target: '≤ 11',
        ok: worst <= 11,
      };
    }
  }
  return out;
}

function r2(n: number): number {
  return Math.round(n * 100) / 100;
}

function r3(n: number): number {
  return Math.round(n * 1000) / 1000;
}

const STEP_NAMES: Array<[string, string]> = [
  ['validate', 'validate (no cache)'],
  ['firstPlan', 'first plan, no state (no cache)'],
  ['firstApply', 'first apply (no cache)'],
  ['hashing', '  of which: password hashing'],
  ['noopPlan', 'no-op plan'],
  ['noopPlanColdCache', 'no-op plan (no cache)'],
  ['changePlan', 'plan, 1% of developers changed'],
  ['changeApply', 'apply, 1% of developers changed'],
  ['oneChangePlan', 'plan, one developer changed'],
  ['oneChangePlanUnmanaged', 'plan, one developer changed (+unmanaged)'],
  ['noopPlanUnmanaged', 'no-op plan (+unmanaged)'],
  ['floor', 'floor: yaml parse + bare read'],
  ['bulkInsert', 'floor: bulk insert (in-process)'],
];

export function renderTable(scale: ScaleResult): string {
  const layouts = Object.entries(scale.layouts);
  const header = ['step', ...layouts.flatMap(([name]) => [`${name} s`, 'peak RSS MiB'])];
  const rows: string[][] = [];
  for (const [key, label] of STEP_NAMES) {
    const cells = layouts.flatMap(([, layout]) => {
      if (key === 'hashing') {
        const ms = layout.steps.firstApply?.phases?.['hash passwords'];
        return ms === undefined ? ['', ''] : [(ms / 1000).toFixed(2), ''];
      }
      const m = layout.steps[key];
      if (!m) return ['—', ''];
      const ms = key === 'bulkInsert' ? (m.inner?.insertMs ?? m.medianMs) : m.medianMs;
      return [(ms / 1000).toFixed(2), key === 'bulkInsert' ? '' : m.peakRssMiB.toFixed(0)];
    });
    rows.push([label, ...cells]);
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  return [
    line(header),
    `|${widths.map((w, i) => (i === 0 ? `${'-'.repeat(w + 1)}-` : `${'-'.repeat(w + 1)}:`)).join('|')}|`,
    ...rows.map(line),
  ].join('\n');
}

export interface BenchResult {
  scales: ScaleResult[];
  ratios: Ratios;
  startup?: StartupResult;
}

export async function runBench(options: BenchOptions): Promise<BenchResult> {
  const { log } = options;
  if (!existsSync(BIN)) throw new Error(`${BIN} not found: run npm run build first`);
  const work = mkdtempSync(path.join(os.tmpdir(), 'portalform-bench-'));
  snapshotBuild(work);
  const scales: ScaleResult[] = [];
  const started = Date.now();
  loadSampler.start();
  let startup: StartupResult | undefined;
  try {
    if (options.startupOnly)
      return writeResults(options, scales, started, (startup = measureStartup(BIN, options.startupRuns)));
    const sizes =
      options.growth && options.developers >= 10_000
        ? [options.developers / 10, options.developers]
        : [options.developers];
    for (const developers of sizes) {
      scales.push(await benchScale(work, Math.round(developers), options, 'sqlite', options.layouts));
      writeResults(options, scales, started); // so far: a later failure keeps what was measured
    }
    if (options.postgres) {
      if (await postgresReachable(options.postgres)) {
        scales.push(await benchScale(work, options.postgresDevelopers, options, 'postgres', [options.layouts[0]!]));
      } else {
        log(`\nPostgreSQL is not reachable at ${options.postgres}: skipping its run`);
      }
    }
    startup = measureStartup(BIN, options.startupRuns);
  } finally {
    loadSampler.stop();
    if (!options.keep) rmSync(work, { recursive: true, force: true });
    else log(`kept ${work}`);
  }
  return writeResults(options, scales, started, startup);
}

/** The 1-minute load average every 15 s of the run: the machine is shared, and the ratios mean more when it is low. */
const loadSampler = {
  samples: [] as number[],
  timer: undefined as NodeJS.Timeout | undefined,
  start(): void {
    this.samples = [os.loadavg()[0]!];
    this.timer = setInterval(() => this.samples.push(os.loadavg()[0]!), 15_000);
    this.timer.unref();
  },
  stop(): void {
    clearInterval(this.timer);
    this.samples.push(os.loadavg()[0]!);
  },
  summary(): { min: number; mean: number; max: number; samples: number } {
    const s = this.samples.length > 0 ? this.samples : [os.loadavg()[0]!];
    const mean = s.reduce((a, b) => a + b, 0) / s.length;
    return { min: r2(Math.min(...s)), mean: r2(mean), max: r2(Math.max(...s)), samples: s.length };
  },
};

function writeResults(
  options: BenchOptions,
  scales: ScaleResult[],
  started: number,
  startup?: StartupResult,
): BenchResult {
  const result = { scales, ratios: ratios(scales), ...(startup ? { startup } : {}) };
  const document = {
    generatedAt: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? '',
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      platform: `${os.platform()} ${os.release()}`,
    },
    options: {
      developers: options.developers,
      runs: options.runs,
      layouts: options.layouts,
      postgresDevelopers: options.postgres ? options.postgresDevelopers : null,
      basicAuthShare: options.basicAuthShare,
    },
    durationS: Math.round((Date.now() - started) / 1000),
    loadAverage1m: loadSampler.summary(),
    ...result,
  };
  mkdirSync(path.dirname(options.out), { recursive: true });
  writeFileSync(options.out, `${JSON.stringify(document, null, 2)}\n`);
  return result;
}

export function report(result: BenchResult): string {
  const parts: string[] = [];
  for (const scale of result.scales) {
    parts.push(
      `\n${scale.backend}, ${scale.developers} developers, ${scale.credentials} credentials (${scale.basicAuth} basic-auth), ${describeApplications(scale.applications)}, medians:\n`,
    );
    parts.push(renderTable(scale));
  }
  if (result.scales.length > 0) {
    parts.push('\nTargets (ratios from this run):\n');
    for (const [name, r] of Object.entries(result.ratios))
      parts.push(`  ${r.ok ? 'ok  ' : 'MISS'} ${name}: ${r.value} (${r.target})`);
  }
  if (result.startup) parts.push(reportStartup(result.startup));
  const load = loadSampler.summary();
  parts.push(
    `\nLoad average (1 min) over the run: mean ${load.mean}, min ${load.min}, max ${load.max} (${load.samples} samples)`,
  );
  return `${parts.join('\n')}\n`;
}

const isMain = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  try {
    const options = parseArgs(process.argv.slice(2));
    const result = await runBench(options);
    process.stdout.write(report(result));
    process.stdout.write(`\nWrote ${path.relative(process.cwd(), options.out) || options.out}\n`);
  } catch (error) {
    process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
