// The digest of the loader's code, part of every parse cache key: an entry stored by other code
// is never used, whichever module changed, however many modules there are. It covers every module
// of the loader's folder (src/manifest, built or source) and every module those import from
// outside it, found by following their imports, so a new module is covered without naming it.
// The build computes it once over the built code (scripts/postbuild.mjs) and writes it beside
// this module; run from the sources (tests), it is computed from them when first needed.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the build writes the digest, beside this module. */
export const LOADER_DIGEST_FILE = 'loader-digest.json';

const MODULE = /\.[cm]?[jt]s$/;
const DECLARATIONS = /\.d\.[cm]?ts$/;
const RELATIVE_IMPORT = /(?:\bfrom|\bimport)\s*\(?\s*['"](\.\.?\/[^'"]+)['"]/g;

/** SHA-256 (hex) over the path, relative to its parent folder, and content of each module of the loader in `manifestDir`. */
export function loaderCodeDigest(manifestDir: string): string {
  const root = path.dirname(manifestDir);
  const modules = new Set(modulesUnder(manifestDir));
  const pending = [...modules];
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    for (const imported of relativeImports(file)) {
      if (modules.has(imported)) continue;
      modules.add(imported);
      pending.push(imported);
    }
  }
  const hash = createHash('sha256');
  for (const file of [...modules].sort()) {
    hash
      .update(path.relative(root, file).split(path.sep).join('/'))
      .update('\0')
      .update(readFileSync(file))
      .update('\0');
  }
  return hash.digest('hex');
}

let digest: string | undefined;

/** The digest the build wrote beside this module, else the one of the modules this one runs among. */
export function loaderDigest(): string {
  if (digest !== undefined) return digest;
  const written = fileURLToPath(new URL(`./${LOADER_DIGEST_FILE}`, import.meta.url));
  if (existsSync(written))
    return (digest = String((JSON.parse(readFileSync(written, 'utf8')) as { digest: unknown }).digest));
  return (digest = loaderCodeDigest(path.dirname(path.dirname(fileURLToPath(import.meta.url)))));
}

function modulesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && MODULE.test(entry.name) && !DECLARATIONS.test(entry.name))
    .map((entry) => path.join(entry.parentPath, entry.name));
}

/** The modules a module imports by relative path; a source's `./x.js` is the file `./x.ts`. */
function relativeImports(file: string): string[] {
  const found: string[] = [];
  for (const [, specifier] of readFileSync(file, 'utf8').matchAll(RELATIVE_IMPORT)) {
    const target = path.resolve(path.dirname(file), specifier!);
    const source = target.replace(/\.js$/, '.ts');
    if (existsSync(target)) found.push(target);
    else if (existsSync(source)) found.push(source);
  }
  return found;
}
