// Run by scripts/build-bundle.mjs, once per bundle (`cli` or `serve` as the argument): writes the
// bundle's V8 code cache (dist/cmd/portalform-<name>.js.code-cache, read by cmd/portalform.ts).
// V8 caches the functions compiled so far, so the cache is taken after the run that matters most
// for start-up, on a state of its own in a temporary folder (of the quick-start portal):
//   cli:   a no-op plan, the command CI and reviewers run most;
//   serve: a start up to listening, and the first pages a visitor opens.
// What a cache does not hold, V8 compiles when it runs, as without a cache.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const LAUNCHER = path.join(ROOT, 'dist', 'cmd', 'portalform.js');
const { loadBundle, codeCacheFile } = createRequire(import.meta.url)(LAUNCHER);
const BUNDLE = process.argv[2] ?? 'cli';

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

  if (BUNDLE === 'cli') await trainCli(portal);
  else if (BUNDLE === 'serve') await trainServe();
  else throw new Error(`train-code-cache: no bundle named ${JSON.stringify(BUNDLE)} (cli or serve)`);
} finally {
  rmSync(work, { recursive: true, force: true });
}

async function trainCli(portal) {
  const cli = loadBundle('cli', false);
  await cli.main([process.execPath, LAUNCHER, 'plan', portal, '--detailed-exitcode', '--no-color']);
  if ((process.exitCode ?? 0) !== 0)
    throw new Error(`train-code-cache: the no-op plan exited ${process.exitCode}, not 0`);
  writeFileSync(codeCacheFile('cli'), cli.script.createCachedData());
}

/**
 * Starts serve in this process, opens a few pages, saves the cache, then stops it as SIGTERM would.
 * What serve writes to stderr (its warnings on this bare state) is shown only if training fails.
 */
async function trainServe() {
  const serve = loadBundle('serve', false);
  let said = '';
  const listening = new Promise((resolve) => {
    process.stderr.write = (chunk) => {
      said += String(chunk);
      const url = /listening on (http:\/\/\S+)/.exec(said)?.[1];
      if (url) resolve(url);
      return true;
    };
  });
  const ran = serve.main([process.execPath, LAUNCHER, 'serve', '--listen', '127.0.0.1:0', '--log-level', 'fatal']);
  try {
    const stopped = ran.then(() => Promise.reject(new Error('serve stopped before listening')));
    const url = await Promise.race([listening, stopped]);
    for (const page of ['/', '/signup', '/login', '/healthz']) {
      const response = await fetch(url + page);
      await response.arrayBuffer();
      if (response.status >= 500) throw new Error(`GET ${page} answered ${response.status}`);
    }
    writeFileSync(codeCacheFile('serve'), serve.script.createCachedData());
    process.kill(process.pid, 'SIGTERM');
    await ran;
  } catch (error) {
    throw new Error(`train-code-cache: serve: ${error.message}\n${said}`);
  }
}
