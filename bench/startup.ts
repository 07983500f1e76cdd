// The start-up measurement: `npm run bench -- --startup-only [--runs K]` (also part of every
// `npm run bench`).
//
// Times whole processes, in one run and interleaved so that a busy moment of the machine weighs on
// all three alike: a bare `node -e 0`, `portalform --version`, and a no-op `plan` of a
// three-developer portal (applied once before, parse cache warm). Reports medians and the two
// ratios to bare Node, with their targets.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { benchEnv, generatePortal, writePortal } from './generate.js';

export const STARTUP_TARGETS = { version: 1.8, noopPlan: 3 } as const;

export interface StartupResult {
  runs: number;
  loadAverage: number[];
  medianMs: { node: number; version: number; noopPlan: number };
  ratios: { version: number; noopPlan: number };
  ok: { version: boolean; noopPlan: boolean };
}

function timed(args: string[], cwd: string, env: Record<string, string>): number {
  const started = performance.now();
  const result = spawnSync(process.execPath, args, { cwd, env, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const ms = performance.now() - started;
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return ms;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Measures `bin` (the built CLI) against bare Node, `runs` times each, interleaved. */
export function measureStartup(bin: string, runs: number): StartupResult {
  const work = mkdtempSync(path.join(os.tmpdir(), 'pf-bench-startup-'));
  try {
    const portal = path.join(work, 'portal');
    const generated = generatePortal({ developers: 3, basicAuthShare: 0 });
    writePortal(portal, generated.developers, generated, 1);
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: work,
      ...benchEnv(),
      PORTALFORM_STATE: path.join(work, 'state.db'),
      PORTALFORM_CACHE_DIR: path.join(work, 'cache'),
    };
    const plan = [bin, 'plan', portal, '--no-color', '--detailed-exitcode'];
    timed([bin, 'apply', portal, '--auto-approve', '--no-color'], work, env);
    // Warm the file system cache and the parse cache: the first of anything is not start-up.
    for (const args of [['-e', '0'], [bin, '--version'], plan]) timed(args, work, env);
    const samples = { node: [] as number[], version: [] as number[], noopPlan: [] as number[] };
    for (let i = 0; i < runs; i++) {
      samples.node.push(timed(['-e', '0'], work, env));
      samples.version.push(timed([bin, '--version'], work, env));
      samples.noopPlan.push(timed(plan, work, env));
    }
    const medianMs = {
      node: median(samples.node),
      version: median(samples.version),
      noopPlan: median(samples.noopPlan),
    };
    const ratios = {
      version: round(medianMs.version / medianMs.node),
      noopPlan: round(medianMs.noopPlan / medianMs.node),
    };
    return {
      runs,
      loadAverage: os.loadavg().map(round),
      medianMs: { node: round(medianMs.node), version: round(medianMs.version), noopPlan: round(medianMs.noopPlan) },
      ratios,
      ok: { version: ratios.version <= STARTUP_TARGETS.version, noopPlan: ratios.noopPlan <= STARTUP_TARGETS.noopPlan },
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

export function reportStartup(result: StartupResult): string {
  const { medianMs: ms, ratios, ok } = result;
  return [
    `\nStart-up, medians of ${result.runs} runs (load average ${result.loadAverage.join(' ')}):`,
    `  node -e 0                 ${ms.node} ms`,
    `  portalform --version      ${ms.version} ms`,
    `  no-op plan, 3 developers  ${ms.noopPlan} ms`,
    `  ${ok.version ? 'ok  ' : 'MISS'} --version / node: ${ratios.version} (target ≤ ${STARTUP_TARGETS.version})`,
    `  ${ok.noopPlan ? 'ok  ' : 'MISS'} no-op plan / node: ${ratios.noopPlan} (target ≤ ${STARTUP_TARGETS.noopPlan})`,
    '',
  ].join('\n');
}
