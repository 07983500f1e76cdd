#!/usr/bin/env node
// The `portalform` command, the package's `bin` (CommonJS: cmd/package.json). It runs one of the two
// bundles scripts/build-bundle.mjs writes beside it — the server's for `serve`, the CLI's (every
// other command, without the server) otherwise — through the V8 code cache that the build made
// beside each bundle: a start then reads compiled code instead of parsing and compiling the
// bundle and every function a plan (or serve's start) runs. A cache that does not fit this Node (another version, other
// V8 flags) is rejected by V8 and the bundle is compiled as usual.
//
// (Young-generation sizes cannot be changed here: V8 fixes them when the heap is set up, before
// this runs, and `v8.setFlagsFromString('--max-semi-space-size=…')` is silently ignored.)
import { readFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import path from 'node:path';
import { Script } from 'node:vm';

export type BundleName = 'cli' | 'serve';

interface BundleExports {
  main(argv: string[]): Promise<void>;
}

export interface LoadedBundle {
  main: BundleExports['main'];
  /** The compiled bundle: its `createCachedData()` is what the build writes as the code cache. */
  script: Script;
  /** Whether V8 took the code cache (false: none, or rejected). */
  fromCodeCache: boolean;
}

export function bundleFile(name: BundleName): string {
  return path.join(__dirname, `portalform-${name}.js`);
}

export function codeCacheFile(name: BundleName): string {
  return `${bundleFile(name)}.code-cache`;
}

/** `serve` is the first argument when it is the command: program-level flags are only --version and --help. */
export function bundleFor(argv: readonly string[]): BundleName {
  return argv[2] === 'serve' ? 'serve' : 'cli';
}

/** Loads a bundle as CommonJS, through its code cache unless `withCodeCache` is false (the build's training run). */
export function loadBundle(name: BundleName, withCodeCache = true): LoadedBundle {
  const file = bundleFile(name);
  const source = readFileSync(file, 'utf8');
  const cachedData = withCodeCache ? readIfPresent(codeCacheFile(name)) : undefined;
  const script = new Script(Module.wrap(source), { filename: file, ...(cachedData ? { cachedData } : {}) });
  const bundle = { exports: {} as BundleExports };
  script.runInThisContext()(bundle.exports, createRequire(file), bundle, file, __dirname);
  return { main: bundle.exports.main, script, fromCodeCache: cachedData !== undefined && !script.cachedDataRejected };
}

function readIfPresent(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

/** `portalform --version` alone answers from package.json, as commander would, without loading a bundle. */
function versionOnly(argv: readonly string[]): boolean {
  return argv.length === 3 && (argv[2] === '--version' || argv[2] === '-V');
}

if (require.main === module) {
  if (versionOnly(process.argv)) {
    const manifest = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
      version: string;
    };
    process.stdout.write(`${manifest.version}\n`);
  } else {
    const name = bundleFor(process.argv);
    let bundle: LoadedBundle;
    try {
      bundle = loadBundle(name);
    } catch (error) {
      // Mid-rebuild, or a build that never ran: one line saying what to do, not the loader's stack.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      process.stderr.write(`Error: ${bundleFile(name)} is missing: run \`npm run build\` to build portalform\n`);
      process.exit(1);
    }
    void bundle.main(process.argv);
  }
}
