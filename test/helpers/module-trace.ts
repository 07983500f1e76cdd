// Runs the built CLI with every module it loads recorded: the ES modules through a load hook (in
// worker threads too, which inherit the --import), the CommonJS ones from require.cache at exit.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BIN } from './cli.js';
import { tempDir } from './temp.js';

const HOOKS = `import { appendFileSync } from 'node:fs';
export async function load(url, context, next) {
  if (url.startsWith('file:')) appendFileSync(process.env.PORTALFORM_TEST_MODULE_LOG, url + '\\n');
  return next(url, context);
}
`;

const PRELOAD = (hooks: string) => `import { register, createRequire } from 'node:module';
import { appendFileSync } from 'node:fs';
register(${JSON.stringify(hooks)});
const cache = createRequire(import.meta.url).cache;
process.on('exit', () => {
  for (const file of Object.keys(cache)) appendFileSync(process.env.PORTALFORM_TEST_MODULE_LOG, 'cjs:' + file + '\\n');
});
`;

export interface TracedRun {
  code: number;
  stdout: string;
  stderr: string;
  /** Files loaded as ES modules, as paths. */
  esm: string[];
  /** Files loaded by require(). */
  cjs: string[];
}

export function runTraced(args: string[], options: { cwd: string; env?: Record<string, string> }): TracedRun {
  const dir = tempDir('portalform-trace-');
  const hooks = join(dir, 'hooks.mjs');
  const preload = join(dir, 'preload.mjs');
  const log = join(dir, 'modules.log');
  writeFileSync(hooks, HOOKS);
  writeFileSync(preload, PRELOAD(pathToFileURL(hooks).href));
  const result = spawnSync(process.execPath, ['--import', pathToFileURL(preload).href, BIN, ...args], {
    cwd: options.cwd,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', HOME: options.cwd, ...options.env, PORTALFORM_TEST_MODULE_LOG: log },
  });
  const lines = existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : [];
  const unique = (list: string[]) => [...new Set(list)];
  return {
    code: result.status ?? -1,
    stdout: result.stdout,
    stderr: result.stderr,
    esm: unique(lines.filter((l) => l.startsWith('file:')).map((l) => new URL(l).pathname)).filter((f) => f !== preload && f !== hooks),
    cjs: unique(lines.filter((l) => l.startsWith('cjs:')).map((l) => l.slice(4))),
  };
}
