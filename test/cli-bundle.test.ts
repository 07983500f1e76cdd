// The CLI ships as one bundle (scripts/build-bundle.mjs) whose commands load only when they run:
// what a process loads shows both. Start-up times themselves are measured by the bench
// (bench/startup.ts), not here.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, ROOT, workspace } from './helpers/cli.js';
import { runTraced } from './helpers/module-trace.js';

const BUNDLE_DIR = join(ROOT, 'dist/cmd') + '/';
const NATIVE_SQLITE = /\/node_modules\/(better-sqlite3|bindings|file-uri-to-path)\//;
const holdsServer = (file: string) => readFileSync(file, 'utf8').includes('FST_ERR_');

describe('the CLI bundle', () => {
  it('is what the package runs: `bin` names it', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    expect(join(ROOT, manifest.bin.portalform!)).toBe(BIN);
    expect(readFileSync(BIN, 'utf8')).not.toMatch(/from\s*["']\.\.\/src\//);
  });

  it('answers --version from the bundle alone, loading no command', () => {
    const w = workspace();
    const run = runTraced(['--version'], { cwd: w.dir });
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    expect(run.esm.length).toBeGreaterThan(0);
    expect(run.esm.filter((file) => !file.startsWith(BUNDLE_DIR))).toEqual([]);
    expect(run.esm.filter((file) => /portalform-(plan|apply|serve|validate)-/.test(file))).toEqual([]);
    expect(run.cjs).toEqual([]);
  });

  it('runs a plan from the bundle: no module of dist/src, of node_modules only the native SQLite driver, not the server', () => {
    const w = workspace();
    const example = w.copyExample('quickstart');
    expect(w.run(['apply', example, '--auto-approve'])).toMatchObject({ code: 0 });
    const run = runTraced(['plan', example, '--detailed-exitcode'], { cwd: w.dir, env: { PORTALFORM_STATE: w.state } });
    expect(run.stderr).toBe('');
    expect(run).toMatchObject({ code: 0 });
    expect(run.stdout).toContain('No changes');
    expect(run.esm.filter((file) => !file.startsWith(BUNDLE_DIR) && !NATIVE_SQLITE.test(file))).toEqual([]);
    expect(run.esm.filter(holdsServer)).toEqual([]);
    expect(run.cjs.filter((file) => !NATIVE_SQLITE.test(file))).toEqual([]);
  });

  it('loads the server only for serve: its help names its flags', () => {
    const w = workspace();
    const run = runTraced(['serve', '--help'], { cwd: w.dir });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('--listen');
    expect(run.esm.some(holdsServer)).toBe(true);
  });

  it('starts the parse worker of a large portal from dist/src, beside the bundle', () => {
    const w = workspace();
    const padding = 'x'.repeat(400);
    for (const file of [0, 1]) {
      const developers = Array.from({ length: 2500 }, (_, i) =>
        `  - email: dev-${file}-${i}@example.com\n    fullName: Developer ${file} ${i}\n    status: approved\n    meta: { note: "${padding}" }\n`,
      );
      w.write(`portal/part-${file}.yaml`, `version: 1\ndevelopers:\n${developers.join('')}`);
    }
    const run = runTraced(['validate', 'portal'], { cwd: w.dir, env: { PORTALFORM_CACHE_DIR: 'off' } });
    expect(run.stderr).toBe('');
    expect(run).toMatchObject({ code: 0 });
    expect(run.stdout).toContain('5000 developers');
    expect(run.esm).toContain(join(ROOT, 'dist/src/manifest/fastpath/parse-worker.js'));
  });
});
