// Side by side with Terraform: `npm run bench:terraform -- [--developers 1000] [--runs 5] [--terraform PATH]`.
//
// The same portal for both tools: N approved developers with one key-auth key each. portalform
// gets it as one manifest (2N objects: developers and credentials, the keys generated at apply);
// Terraform gets it as 2N `terraform_data` resources (N developers, N keys each depending on its
// developer), with a local state. `terraform_data` is built into Terraform, so nothing is
// downloaded: the CLI configuration is an empty file and the version check is off.
//
// In one run, interleaved so that a busy moment of the (shared) machine weighs on both alike, after
// a warm-up round: each tool's first apply into an empty state, then each tool's no-op plan, then a
// bare `node -e 0` and `portalform --version`, the start-up part of every portalform command.
// portalform's first apply starts with an empty parse cache; its no-op plan finds the cache the
// apply left, as any later run does. Medians of --runs runs. Writes bench/terraform-results.json.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { benchEnv } from './generate.js';

const HERE = path.dirname(fileURLToPath(import.meta.url)); // dist/bench
const ROOT = path.resolve(HERE, '../..');
const BIN = path.join(ROOT, 'dist/cmd/portalform.js');

/** The issue's targets: Terraform time / portalform time, at least. */
export const TERRAFORM_TARGETS = { firstApply: 200, noopPlan: 50 } as const;

interface Options {
  developers: number;
  runs: number;
  terraform: string;
  out: string;
}

function parseArgs(argv: string[]): Options {
  const options: Options = {
    developers: 1000,
    runs: 5,
    terraform: '/usr/local/bin/terraform',
    out: path.join(ROOT, 'bench/terraform-results.json'),
  };
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1];
    switch (argv[i]) {
      case '--developers':
        options.developers = positive(value, '--developers');
        break;
      case '--runs':
        options.runs = positive(value, '--runs');
        break;
      case '--terraform':
        options.terraform = value ?? options.terraform;
        break;
      case '--out':
        options.out = path.resolve(value ?? options.out);
        break;
      default:
        throw new Error(
          `unknown option ${argv[i]}\nusage: npm run bench:terraform -- [--developers N] [--runs K] [--terraform PATH] [--out FILE]`,
        );
    }
    i++;
  }
  return options;
}

function positive(text: string | undefined, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${flag} takes a positive integer`);
  return n;
}

function email(i: number): string {
  return `dev${i}@example${i % 97}.com`;
}

function portalformManifest(developers: number): string {
  const lines = ['version: 1', 'portal:', '  credentialTypes: [key-auth]', 'developers:'];
  for (let i = 0; i < developers; i++)
    lines.push(
      `  - email: ${email(i)}`,
      `    fullName: "Developer ${i}"`,
      '    status: approved',
      '    credentials:',
      '      - { type: key-auth, name: ci }',
    );
  return `${lines.join('\n')}\n`;
}

/**
 * 2N resources: a developer each, and a key each that depends on its developer, as a credential
 * does. One block per resource, not `for_each` over a map: a key referring to
 * `terraform_data.developer[each.key]` makes Terraform evaluate the whole map of developers per key,
 * and its first apply took over 5 minutes here; the separate blocks are Terraform at its fastest.
 */
function terraformConfig(developers: number): string {
  const blocks: string[] = [];
  for (let i = 0; i < developers; i++)
    blocks.push(
      `resource "terraform_data" "developer_${i}" {
  input = { email = "${email(i)}", full_name = "Developer ${i}", status = "approved" }
}

resource "terraform_data" "key_${i}" {
  input = { developer = terraform_data.developer_${i}.id, type = "key-auth", name = "ci" }
}
`,
    );
  return blocks.join('\n');
}

interface Tools {
  run(what: keyof Samples): number;
}

interface Samples {
  terraformApply: number[];
  portalformApply: number[];
  terraformPlan: number[];
  portalformPlan: number[];
  node: number[];
  version: number[];
}

function timed(command: string, args: string[], cwd: string, env: Record<string, string>, allowed = [0]): number {
  const started = performance.now();
  const result = spawnSync(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  const ms = performance.now() - started;
  if (!allowed.includes(result.status ?? -1))
    throw new Error(
      `${command} ${args.join(' ')} exited ${result.status}:\n${result.stderr}${result.stdout.slice(-2000)}`,
    );
  return ms;
}

function setUp(work: string, options: Options): Tools {
  const tfDir = path.join(work, 'terraform');
  const pfDir = path.join(work, 'portalform');
  mkdirSync(tfDir);
  mkdirSync(pfDir);
  const tfConfig = path.join(work, 'terraformrc');
  writeFileSync(tfConfig, '');
  writeFileSync(path.join(tfDir, 'main.tf'), terraformConfig(options.developers));
  writeFileSync(path.join(pfDir, 'portal.yaml'), portalformManifest(options.developers));
  const base = { PATH: process.env.PATH ?? '', HOME: work };
  const tfEnv = { ...base, TF_CLI_CONFIG_FILE: tfConfig, CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1' };
  const pfState = path.join(pfDir, 'portalform.db');
  const pfCache = path.join(pfDir, 'cache');
  const pfEnv = { ...base, ...benchEnv(), PORTALFORM_STATE: pfState, PORTALFORM_CACHE_DIR: pfCache };
  const tf = (args: string[], allowed?: number[]) => timed(options.terraform, args, tfDir, tfEnv, allowed);
  const pf = (args: string[]) => timed(process.execPath, [BIN, ...args], pfDir, pfEnv);
  tf(['init', '-input=false', '-no-color']); // the built-in provider only: nothing is fetched
  const manifest = path.join(pfDir, 'portal.yaml');
  const steps: Record<keyof Samples, () => number> = {
    terraformApply: () => {
      for (const f of ['terraform.tfstate', 'terraform.tfstate.backup']) rmSync(path.join(tfDir, f), { force: true });
      return tf(['apply', '-auto-approve', '-input=false', '-no-color']);
    },
    portalformApply: () => {
      for (const suffix of ['', '-wal', '-shm']) rmSync(pfState + suffix, { force: true });
      rmSync(pfCache, { recursive: true, force: true });
      return pf(['apply', manifest, '--auto-approve', '--no-color']);
    },
    // -detailed-exitcode: 0 is no changes, 2 would be changes and fails the run.
    terraformPlan: () => tf(['plan', '-input=false', '-no-color', '-detailed-exitcode']),
    portalformPlan: () => pf(['plan', manifest, '--no-color', '--detailed-exitcode']),
    node: () => timed(process.execPath, ['-e', '0'], pfDir, pfEnv),
    version: () => pf(['--version']),
  };
  return { run: (what) => steps[what]() };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

function measure(options: Options, log: (line: string) => void) {
  const work = mkdtempSync(path.join(os.tmpdir(), 'pf-bench-terraform-'));
  const load: number[][] = [os.loadavg()];
  try {
    const tools = setUp(work, options);
    const order: Array<keyof Samples> = [
      'terraformApply',
      'portalformApply',
      'terraformPlan',
      'portalformPlan',
      'node',
      'version',
    ];
    for (const what of order) tools.run(what); // warm-up: file system cache, first of anything
    const samples = Object.fromEntries(order.map((k) => [k, [] as number[]])) as unknown as Samples;
    for (let i = 0; i < options.runs; i++) {
      for (const what of order) samples[what].push(tools.run(what));
      load.push(os.loadavg());
      log(`  run ${i + 1}/${options.runs}: ${order.map((k) => `${k} ${round(samples[k][i]!)} ms`).join(', ')}`);
    }
    return { samples, load };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function summarize(samples: Samples) {
  const ms = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)])) as Record<
    keyof Samples,
    number
  >;
  const side = (tf: number, pf: number, target: number) => ({
    terraformMs: round(tf),
    portalformMs: round(pf),
    ratio: round(tf / pf),
    target,
    ok: tf / pf >= target,
    // The part of portalform's time that is process start-up, and the ratio without it.
    startupShareNode: round(ms.node / pf, 3),
    startupShareVersion: round(ms.version / pf, 3),
    ratioWithoutNodeStartup: round(tf / (pf - ms.node)),
  });
  return {
    firstApply: side(ms.terraformApply, ms.portalformApply, TERRAFORM_TARGETS.firstApply),
    noopPlan: side(ms.terraformPlan, ms.portalformPlan, TERRAFORM_TARGETS.noopPlan),
    startupMs: { node: round(ms.node), version: round(ms.version) },
  };
}

function terraformVersion(terraform: string): string {
  const result = spawnSync(terraform, ['version'], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', CHECKPOINT_DISABLE: '1', TF_CLI_CONFIG_FILE: '/dev/null' },
  });
  return result.stdout.split('\n')[0] ?? '';
}

function main(): void {
  const options = parseArgs(process.argv.slice(2));
  const log = (line: string) => process.stdout.write(`${line}\n`);
  log(`Terraform vs portalform, ${options.developers} developers with one key each, ${options.runs} runs interleaved`);
  const { samples, load } = measure(options, log);
  const summary = summarize(samples);
  const document = {
    generatedAt: new Date().toISOString(),
    machine: { cpus: os.cpus().length, node: process.version, terraform: terraformVersion(options.terraform) },
    developers: options.developers,
    objects: options.developers * 2,
    runs: options.runs,
    loadAverage: load.map((l) => l.map((x) => round(x, 2))),
    ...summary,
    samplesMs: Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, v.map((x: number) => round(x))])),
  };
  writeFileSync(options.out, `${JSON.stringify(document, null, 2)}\n`);
  for (const [name, s] of [
    ['first apply', summary.firstApply],
    ['no-op plan', summary.noopPlan],
  ] as const)
    log(
      `${s.ok ? 'ok  ' : 'MISS'} ${name}: Terraform ${round(s.terraformMs / 1000, 2)} s, portalform ${round(s.portalformMs, 0)} ms: ` +
        `${s.ratio}× (target ≥ ${s.target}×); start-up is ${round(s.startupShareNode * 100, 0)}% of portalform's time ` +
        `(node -e 0), ${round(s.startupShareVersion * 100, 0)}% (--version); without node's start-up ${s.ratioWithoutNodeStartup}×`,
    );
  log(`node -e 0 ${summary.startupMs.node} ms, portalform --version ${summary.startupMs.version} ms`);
  log(
    `load average (1, 5, 15 min) at the start ${load[0]!.map((x) => round(x, 2)).join(' ')}, at the end ${load
      .at(-1)!
      .map((x) => round(x, 2))
      .join(' ')}`,
  );
  log(`Wrote ${path.relative(process.cwd(), options.out) || options.out}`);
}

try {
  main();
} catch (error) {
  process.stderr.write(`bench:terraform failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
