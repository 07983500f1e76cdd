// After tsc: bundles the CLI, from the JavaScript tsc just wrote (so that it runs exactly that
// code), into two CommonJS files beside the launcher dist/cmd/portalform.js (cmd/portalform.ts, the
// package's `bin`): portalform-serve.js, the whole program, for `serve`, and portalform-cli.js,
// every other command, without the server (its 900 KB would be read at every start). Then it
// trains each bundle (scripts/train-code-cache.mjs) and writes V8's code cache beside it.
// Node then reads two files and V8 deserializes what a plan runs instead of resolving, parsing and
// compiling a few hundred modules at every start.
//
// CommonJS, not ES modules, because only a classic script takes a code cache on Node 20
// (`vm.Script`'s `cachedData`; `module.enableCompileCache` is Node 22's). Dynamic imports are
// turned into requires: a dynamic import inside a `vm.Script` needs a loader callback.
//
// Left outside the bundles: native addons and optional packages (better-sqlite3's addon, which
// src/store/sqlite/connection.ts hands to the bundled driver, and `bindings`, which finds it from
// its own folder only; pg and what pg may load), and whatever the code loads by path at run time — the parse worker, the compiled schema
// validator, the loader's digest, package.json, the schema. For those, each bundled module's
// `import.meta.url` is rewritten to the URL its own built file has under dist/src, so that every
// path relative to it resolves as it does unbundled (the worker starts from dist/src/…/fastpath/).
import { spawnSync } from 'node:child_process';
import { copyFile, readFile, readdir, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = path.join(ROOT, 'dist');
const CMD = path.join(DIST, 'cmd');
// dist/cmd holds CommonJS, as cmd/ does for tsc: the launcher tsc wrote there is read as such.
await copyFile(path.join(ROOT, 'cmd', 'package.json'), path.join(CMD, 'package.json'));
/** Where the launcher (cmd/portalform.ts) looks for each bundle: named there once. */
const { bundleFile } = createRequire(import.meta.url)(path.join(CMD, 'portalform.js'));
const EXTERNAL = ['bindings', 'pg', 'pg-native'];
/** The module `portalform serve` runs (src/cli/commands/serve-run.ts): the server and its pages. */
const SERVE_RUN = /[\\/]dist[\\/]src[\\/]cli[\\/]commands[\\/]serve-run\.js$/;

/**
 * Kysely from its ES module build, bundled: src/store/kysely.ts loads the CommonJS build by path
 * (faster unbundled), which a bundle cannot see into; bundled, only the parts used are kept and
 * nothing is resolved at run time. Re-exports the same names that module exports.
 */
const bundledKysely = {
  name: 'bundled-kysely',
  setup(builder) {
    builder.onLoad({ filter: /[\\/]dist[\\/]src[\\/]store[\\/]kysely\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const names = /export const \{([^}]+)\} = kysely;/.exec(source);
      if (!names) throw new Error(`${args.path}: no "export const { … } = kysely;" to re-export`);
      return { contents: `export {${names[1]}} from 'kysely';\n`, loader: 'js', resolveDir: path.dirname(args.path) };
    });
  },
};

/**
 * commander loads node:child_process when it starts (it spawns executable subcommands, which
 * portalform has none of), and with it net, dgram and their bindings: about a tenth of a bare
 * Node start. In the bundle it is loaded on the first spawn instead.
 */
const lazyChildProcess = {
  name: 'lazy-child-process',
  setup(builder) {
    builder.onLoad({ filter: /[\\/]node_modules[\\/]commander[\\/]lib[\\/]command\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const eager = "const childProcess = require('node:child_process');";
      if (!source.includes(eager)) {
        process.stderr.write(
          `build-bundle: ${args.path} no longer loads node:child_process as expected; left as it is\n`,
        );
        return undefined;
      }
      return {
        contents: source.replace(
          eager,
          "const childProcess = { spawn: (...args) => require('node:child_process').spawn(...args) };",
        ),
        loader: 'js',
      };
    });
  },
};

/** Gives each module of dist/src its own `import.meta.url` inside the bundle (`__pfUrl`: the banner). */
const ownImportMetaUrl = {
  name: 'own-import-meta-url',
  setup(builder) {
    builder.onLoad({ filter: /\.js$/ }, async (args) => {
      if (!args.path.startsWith(path.join(DIST, 'src') + path.sep)) return undefined;
      const source = await readFile(args.path, 'utf8');
      if (!source.includes('import.meta.url')) return undefined;
      const relative = path.relative(CMD, args.path).split(path.sep).join('/');
      return { contents: source.replaceAll('import.meta.url', `__pfUrl(${JSON.stringify(relative)})`), loader: 'js' };
    });
  },
};

/**
 * Smaller code reads and deserializes faster at every start; names are kept for messages that show
 * them (an error's type in a log record is its class's name). `keepNames` keeps them by a call that
 * names each function as it is made, closures included: in the server, which makes closures on every
 * request, that cost more than the rest of an access check (docs/performance.md). The server's
 * bundle keeps names by not renaming identifiers instead, and is larger for it; it is read once.
 */
const KEEP_NAMES = { minify: true, keepNames: true };
const OWN_NAMES = { minifyWhitespace: true, minifySyntax: true, minifyIdentifiers: false, keepNames: false };

/** The CLI's bundle leaves the server out: the launcher runs `serve` from the server's bundle, so this is never called. */
const withoutServer = {
  name: 'without-server',
  setup(builder) {
    builder.onLoad({ filter: SERVE_RUN }, () => ({
      contents:
        "export async function runServe() { throw new Error('portalform serve runs from dist/cmd/portalform-serve.js (see cmd/portalform.ts)'); }\n",
      loader: 'js',
    }));
  },
};

async function bundle(name, plugins, naming = KEEP_NAMES) {
  const result = await build({
    stdin: {
      contents: "export { main } from './src/cli/program.js';\n",
      resolveDir: DIST,
      sourcefile: `portalform-${name}-entry.js`,
      loader: 'js',
    },
    outfile: bundleFile(name),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    supported: { 'dynamic-import': false },
    external: EXTERNAL,
    plugins: [bundledKysely, lazyChildProcess, ownImportMetaUrl, ...plugins],
    banner: {
      js: "const __pfUrl = (relative) => new URL(relative, require('node:url').pathToFileURL(__filename)).href;",
    },
    legalComments: 'none',
    ...naming,
    logLevel: 'warning',
    metafile: true,
  });
  return Object.values(result.metafile.outputs).reduce((sum, output) => sum + output.bytes, 0);
}

for (const name of await readdir(CMD)) {
  if (name.startsWith('portalform-')) await rm(path.join(CMD, name)); // bundles, chunks and caches of an earlier build
}
const sizes = { cli: await bundle('cli', [withoutServer]), serve: await bundle('serve', [], OWN_NAMES) };

// Trained with the V8 flags a plain `portalform` run has: a cache made under other flags is rejected.
const { NODE_OPTIONS: _flags, ...env } = process.env;
const train = (name) =>
  spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'train-code-cache.mjs'), name], {
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
// Without a cache a bundle still runs, only slower to start: say so rather than fail the install.
const trained = Object.fromEntries(
  ['cli', 'serve'].map((name) => {
    const run = train(name);
    if (run.status !== 0)
      process.stderr.write(
        `build-bundle: training the ${name} bundle's code cache failed (exit ${run.status ?? run.signal}); ` +
          `it will start without one\n`,
      );
    return [name, run.status === 0];
  }),
);
const kib = (bytes) => `${Math.round(bytes / 1024)} KiB`;
process.stdout.write(
  `bundled the CLI into dist/cmd/portalform-cli.js (${kib(sizes.cli)}, ${trained.cli ? 'with' : 'WITHOUT'} its ` +
    `code cache) and the server into portalform-serve.js (${kib(sizes.serve)}, ${trained.serve ? 'with' : 'WITHOUT'} its code cache)\n`,
);
