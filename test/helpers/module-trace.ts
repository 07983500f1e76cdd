// Runs the built CLI with every module it loads recorded: the ES modules through a load hook (in
// worker threads too, which inherit the --import), the CommonJS ones from require.cache at exit,
// and the bundles the launcher (cmd/portalform.ts) compiles as scripts, with whether V8 took
// their code cache.
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
const require = createRequire(import.meta.url);
const cache = require.cache;
const vm = require('node:vm');
const CompiledScript = vm.Script;
vm.Script = class extends CompiledScript {
  constructor(source, options) {
    super(source, options);
    const how = options?.cachedData ? (this.cachedDataRejected ? 'rejected' : 'cached') : 'compiled';
    appendFileSync(process.env.PORTALFORM_TEST_MODULE_LOG, 'script:' + how + ':' + options?.filename + '\\n');
  }
};
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
  /** Scripts compiled through vm.Script (the launcher's bundles), and how: from the code cache, or compiled (none, or rejected). */
  scripts: Array<{ file: string; how: 'cached' | 'rejected' | 'compiled' }>;
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
    esm: unique(lines.filter((l) => l.startsWith('file:')).map((l) => new URL(l).pathname)).filter(
      (f) => f !== preload && f !== hooks,
    ),
    cjs: unique(lines.filter((l) => l.startsWith('cjs:')).map((l) => l.slice(4))),
    scripts: lines
      .filter((l) => l.startsWith('script:'))
      .map((l) => {
        const [, how, ...file] = l.split(':');
        return { file: file.join(':'), how: how as 'cached' | 'rejected' | 'compiled' };
      }),
  };
}
