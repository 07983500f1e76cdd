// After tsc: bundles the CLI, from the JavaScript tsc just wrote (so that it runs exactly that
// code), into one entry file, dist/cmd/portalform.js (the package's `bin`), and beside it one chunk
// per command plus the chunks they share. Node then reads a few files instead of resolving and
// loading hundreds of modules at every start, and only those of the command that runs
// (src/cli/program.ts imports each command dynamically): `--version` reads the entry and
// commander's chunk, a plan never the server's 2 MB. (A single file with everything would be
// compiled whole at every start: about 40 ms here, more than Node's own start.)
//
// Left outside the bundle: native and optional packages (better-sqlite3, pg and what pg may load),
// and whatever the code loads by path at run time — the parse worker, the compiled schema
// validator, the loader's digest, package.json, the schema. For those, each bundled module's
// `import.meta.url` is rewritten to the URL its own built file has under dist/src, so that every
// path relative to it resolves as it does unbundled (the worker starts from dist/src/…/fastpath/).
import { chmod, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = path.join(ROOT, 'dist');
const OUT = path.join(DIST, 'cmd', 'portalform.js');
const EXTERNAL = ['better-sqlite3', 'pg', 'pg-native'];

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
        process.stderr.write(`build-bundle: ${args.path} no longer loads node:child_process as expected; left as it is\n`);
        return undefined;
      }
      return { contents: source.replace(eager, "const childProcess = { spawn: (...args) => require('node:child_process').spawn(...args) };"), loader: 'js' };
    });
  },
};

/** Gives each module of dist/src its own `import.meta.url` inside the bundle. */
const ownImportMetaUrl = {
  name: 'own-import-meta-url',
  setup(builder) {
    builder.onLoad({ filter: /\.js$/ }, async (args) => {
      if (!args.path.startsWith(path.join(DIST, 'src') + path.sep)) return undefined;
      const source = await readFile(args.path, 'utf8');
      if (!source.includes('import.meta.url')) return undefined;
      const relative = path.relative(path.dirname(OUT), args.path).split(path.sep).join('/');
      return { contents: source.replaceAll('import.meta.url', `new URL(${JSON.stringify(relative)}, import.meta.url).href`), loader: 'js' };
    });
  },
};

for (const name of await readdir(path.dirname(OUT))) {
  if (name.startsWith('portalform-') && name.endsWith('.js')) await rm(path.join(path.dirname(OUT), name)); // chunks of an earlier build
}

const result = await build({
  stdin: { contents: "import { main } from './src/cli/program.js';\nawait main(process.argv);\n", resolveDir: DIST, sourcefile: 'portalform-entry.js', loader: 'js' },
  outdir: path.dirname(OUT),
  entryNames: path.basename(OUT, '.js'),
  // Chunks beside the entry: a module's rewritten import.meta.url is relative to that folder.
  chunkNames: 'portalform-[name]-[hash]',
  splitting: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: EXTERNAL,
  plugins: [bundledKysely, lazyChildProcess, ownImportMetaUrl],
  // CommonJS packages inside an ES module bundle call `require` for Node's built-in modules.
  banner: { js: "#!/usr/bin/env node\nimport { createRequire as __pfCreateRequire } from 'node:module';\nconst require = __pfCreateRequire(import.meta.url);" },
  legalComments: 'none',
  // Smaller code compiles faster at every start; names are kept for messages that show them.
  minify: true,
  keepNames: true,
  logLevel: 'warning',
  metafile: true,
});
await chmod(OUT, 0o755); // the package's bin, run directly
const bytes = Object.values(result.metafile.outputs).reduce((sum, output) => sum + output.bytes, 0);
process.stdout.write(`bundled the CLI into ${path.relative(ROOT, OUT)} (${Math.round(bytes / 1024)} KiB)\n`);
