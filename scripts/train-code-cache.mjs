// Run by scripts/build-bundle.mjs: writes the CLI bundle's V8 code cache
// (dist/cmd/portalform-cli.js.code-cache, read by cmd/portalform.ts). V8 caches the functions
// compiled so far, so the cache is taken after the run that matters most for start-up: a no-op
// plan, the command CI and reviewers run most (of the quick-start portal, on a state of its own in
// a temporary folder). What it does not hold, V8 compiles when it runs, as without a cache.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const LAUNCHER = path.join(ROOT, 'dist', 'cmd', 'portalform.js');
const { loadBundle, codeCacheFile } = createRequire(import.meta.url)(LAUNCHER);

const work = mkdtempSync(path.join(os.tmpdir(), 'portalform-train-'));
try {
  const portal = path.join(work, 'portal');
  cpSync(path.join(ROOT, 'examples', 'quickstart'), portal, { recursive: true });
  // Nothing of the user's: no state, key, cache or secrets of theirs is read or written.
  for (const name of Object.keys(process.env)) if (name.startsWith('PORTALFORM_')) delete process.env[name];
  Object.assign(process.env, {
    HOME: work,
    PORTALFORM_STATE: path.join(work, 'state.db'),
    PORTALFORM_CACHE_DIR: path.join(work, 'cache'),
  });
  const applied = spawnSync(process.execPath, [LAUNCHER, 'apply', portal, '--auto-approve', '--no-color'], {
    cwd: work,
    encoding: 'utf8',
  });
  if (applied.status !== 0) throw new Error(`train-code-cache: apply of the quick start failed: ${applied.stderr}`);

  const cli = loadBundle('cli', false);
  await cli.main([process.execPath, LAUNCHER, 'plan', portal, '--detailed-exitcode', '--no-color']);
  if ((process.exitCode ?? 0) !== 0)
    throw new Error(`train-code-cache: the no-op plan exited ${process.exitCode}, not 0`);
  writeFileSync(codeCacheFile('cli'), cli.script.createCachedData());
} finally {
  rmSync(work, { recursive: true, force: true });
}
