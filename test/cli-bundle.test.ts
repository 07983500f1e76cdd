// The CLI ships as a launcher (cmd/portalform.ts, the package's bin) and two bundles beside it
// (scripts/build-bundle.mjs): the CLI's, and the server's for `serve` only, each run through the
// V8 code cache the build made for it. What a process loads shows it. Start-up times themselves are
// measured by the bench (bench/startup.ts), not here.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, ROOT, workspace } from './helpers/cli.js';
import { runTraced } from './helpers/module-trace.js';

const CLI_BUNDLE = join(ROOT, 'dist/cmd/portalform-cli.js');
const SERVE_BUNDLE = join(ROOT, 'dist/cmd/portalform-serve.js');
const SQLITE_ADDON = join(ROOT, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node');
const holdsServer = (file: string) => readFileSync(file, 'utf8').includes('FST_ERR_');

describe('the CLI bundle', () => {
  it('is what the package runs: `bin` names the launcher, which reads no source module', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      bin: Record<string, string>;
      version: string;
    };
    expect(join(ROOT, manifest.bin.portalform!)).toBe(BIN);
    expect(readFileSync(BIN, 'utf8')).not.toMatch(/require\(["']\.\.\/src\//);
    expect(holdsServer(CLI_BUNDLE)).toBe(false);
    expect(holdsServer(SERVE_BUNDLE)).toBe(true);
  });

  it('answers --version alone from the launcher, as commander does, loading no bundle', () => {
    const w = workspace();
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const run = runTraced(['--version'], { cwd: w.dir });
    expect(run).toMatchObject({ code: 0, stderr: '', stdout: `${manifest.version}\n` });
    expect(run.scripts).toEqual([]);
    expect([...run.esm, ...run.cjs].filter((file) => file !== BIN)).toEqual([]);
    // The same answer as the program's own --version (commander's, in the bundle).
    const script = `require(${JSON.stringify(BIN)}).loadBundle('cli').main(['node', 'portalform', '--version'])`;
    const program = spawnSync(process.execPath, ['-e', script], { cwd: w.dir, encoding: 'utf8' });
    expect(program).toMatchObject({ status: 0, stdout: run.stdout });
    expect(w.run(['-V']).stdout).toBe(run.stdout);
  });

  it("runs a plan from the CLI bundle through its code cache: no module of dist/src, of node_modules only the SQLite driver's addon", () => {
    const w = workspace();
    const example = w.copyExample('quickstart');
    // With the state key, as a real set-up runs: the plan then has nothing to warn about.
    const key = { PORTALFORM_STATE_KEY: 'cli-bundle-test-state-key-0123456789abcdef' };
    expect(w.run(['apply', example, '--auto-approve'], { env: key })).toMatchObject({ code: 0 });
    const run = runTraced(['plan', example, '--detailed-exitcode'], {
      cwd: w.dir,
      env: { PORTALFORM_STATE: w.state, ...key },
    });
    expect(run.stderr).toBe('');
    expect(run).toMatchObject({ code: 0 });
    expect(run.stdout).toContain('No changes');
    expect(run.scripts).toEqual([{ file: CLI_BUNDLE, how: 'cached' }]);
    expect([...run.esm, ...run.cjs].filter((file) => file !== BIN)).toEqual([SQLITE_ADDON]);
  });

  it('still runs when the code cache does not fit: V8 rejects it and the bundle is compiled', () => {
    const w = workspace();
    const example = w.copyExample('quickstart');
    // Other V8 flags than the build's (any flag changes V8's flag hash): the cache is rejected, not misused.
    const run = runTraced(['validate', example], { cwd: w.dir, env: { NODE_OPTIONS: '--stack-trace-limit=20' } });
    expect(run.stderr).toBe('');
    expect(run).toMatchObject({ code: 0 });
    expect(run.scripts).toEqual([{ file: CLI_BUNDLE, how: 'rejected' }]);
  });

  it('runs serve from the server bundle through its code cache: its help names its flags', () => {
    const w = workspace();
    const run = runTraced(['serve', '--help'], { cwd: w.dir });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('--listen');
    expect(run.scripts).toEqual([{ file: SERVE_BUNDLE, how: 'cached' }]);
  });

  it('lists serve in the help of the CLI bundle', () => {
    const w = workspace();
    const run = runTraced(['--help'], { cwd: w.dir });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/\n {2}serve\b/);
    expect(run.scripts.map((script) => script.file)).toEqual([CLI_BUNDLE]);
  });

  it('starts the parse worker of a large portal from dist/src, beside the bundle', () => {
    const w = workspace();
    const padding = 'x'.repeat(400);
    for (const file of [0, 1]) {
      const developers = Array.from(
        { length: 2500 },
        (_, i) =>
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
