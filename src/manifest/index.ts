// Loads a manifest set: discover files → parse → check the schema → resolve references →
// validate the set → build the desired state. Every problem found is reported; the desired state
// exists only when there is no error.
import { readFileSync } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { DesiredState, Diagnostic } from '../model.js';
import { isPlanFileContent } from '../plan/planfile.js';
import { timed } from '../timing.js';
import { defaultCacheDir, ParseCache } from './cache.js';
import { buildDesiredState, type ManifestFile } from './desired.js';
import { discoverManifestFiles, formatLocation } from './files.js';
import { compareCodeUnits } from '../util/strings.js';
import { parseValidFiles } from './parse-pool.js';
import { lazyPositionSources, parseManifestFile, UNKNOWN_POSITIONS, type ParsedDocument, type PositionSource } from './parse.js';
import { referenceOf, resolveReferences } from './references.js';
import { checkDocumentSchema, type ManifestDocument } from './schema.js';
import { summarizeDocument } from './summary.js';
import type { SecretContext } from './secrets.js';
import { validateManifestSet, type SourcedDocument } from './validate.js';
import { sha256 } from '../hash.js';

export interface LoadOptions {
  /** Files or directories; default: the current directory. */
  paths: string[];
  /** More directories `fromFile` may read from. */
  secretsDirs?: string[];
  /** Default: process.env. */
  env?: Record<string, string | undefined>;
  /** Default: process.cwd(). Relative paths are resolved against it. */
  cwd?: string;
  /** Default true. False leaves every credential's `secrets` empty (for tooling that needs no values). */
  resolveSecrets?: boolean;
  /** Where to cache parsed, schema-checked files (see cache.ts); null: no cache. Default: the user's cache directory, or $PORTALFORM_CACHE_DIR. */
  cacheDir?: string | null;
}

export interface LoadResult {
  /** Null if and only if there is an error among the diagnostics. */
  desired: DesiredState | null;
  /** Sorted by file, line and column. */
  diagnostics: Diagnostic[];
}

export function loadManifests(opts: LoadOptions): Promise<LoadResult> {
  return timed('load manifests', () => load(opts));
}

async function load(opts: LoadOptions): Promise<LoadResult> {
  const cwd = path.resolve(opts.cwd ?? process.cwd());
  const discovered = await discoverManifestFiles(opts.paths, cwd);
  const diagnostics = [...discovered.diagnostics];
  const secretsDirs = await resolveSecretsDirs(opts.secretsDirs ?? [], cwd, diagnostics);
  const files = timed('load: read files', () => readFiles(discovered.files, diagnostics));
  const env = opts.env ?? process.env;
  const cacheDir = opts.cacheDir === undefined ? defaultCacheDir(cwd, env) : opts.cacheDir;
  const docs = await timed('load: parse', () => parseAndCheckSchema(files, diagnostics, cacheDir ? new ParseCache(cacheDir) : null));

  const ctx: SecretContext = { env, cwd, roots: [...discovered.roots, ...secretsDirs], readFiles: new Map(), realDirectories: new Map() };
  const references = timed('load: references', () => new Map(docs.map((doc) => [doc, resolveReferences(doc, ctx, opts.resolveSecrets ?? true, diagnostics)])));
  const secretValue = (doc: SourcedDocument, developer: number, credential: number, field: string) =>
    referenceOf(references.get(doc)?.[developer], credential, field)?.secret?.value;
  diagnostics.push(...timed('load: validate', () => validateManifestSet(docs, { cwd, secretValue })));

  diagnostics.sort(compareDiagnostics);
  if (diagnostics.some((d) => d.severity === 'error')) return { desired: null, diagnostics };
  return { desired: timed('load: build', () => buildDesiredState(docs, references, files, cwd)), diagnostics };
}

/** `path:line:col: error: message`, the path relative to `cwd` when inside it. */
export function formatDiagnostic(d: Diagnostic, cwd: string = process.cwd()): string {
  return d.location ? `${formatLocation(d.location, cwd)}: ${d.severity}: ${d.message}` : `${d.severity}: ${d.message}`;
}

async function resolveSecretsDirs(dirs: string[], cwd: string, diagnostics: Diagnostic[]): Promise<string[]> {
  const roots: string[] = [];
  for (const dir of dirs) {
    const absolute = path.resolve(cwd, dir);
    const info = await stat(absolute).catch(() => undefined);
    if (info?.isDirectory()) roots.push(await realpath(absolute));
    else diagnostics.push({ severity: 'error', message: `--secrets-dir ${dir}: ${info ? 'not a directory' : 'no such directory'}` });
  }
  return roots;
}

/**
 * Reads every manifest (discovery found regular files; reading them at once beats a thread-pool
 * round trip per chunk); a saved plan found among them (recognised by its content) is skipped
 * with a warning.
 */
function readFiles(paths: string[], diagnostics: Diagnostic[]): ManifestFile[] {
  const files: ManifestFile[] = [];
  for (const file of paths) {
    try {
      const bytes = readFileSync(file);
      if (isPlanFileContent(Buffer.from(bytes.subarray(0, 64)).toString('utf8'))) {
        diagnostics.push({ severity: 'warning', location: { file, line: 1, column: 1 }, message: 'this is a saved plan, not a manifest: skipped' });
        continue;
      }
      files.push({ path: file, bytes, sha256: sha256(bytes) });
    } catch (e) {
      diagnostics.push({ severity: 'error', message: `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}` });
    }
  }
  return files;
}

/**
 * Files found in the cache are not parsed again; the others are parsed and checked against the
 * schema, on worker threads when there are many. A file with any diagnostic takes the full path
 * here, which reports every one.
 */
async function parseAndCheckSchema(files: ManifestFile[], diagnostics: Diagnostic[], cache: ParseCache | null): Promise<SourcedDocument[]> {
  const keys = cache ? files.map((file) => cache.keyOf(file.sha256)) : [];
  const reparse = (file: ManifestFile) => () => parseManifestFile(file.path, file.bytes).documents;
  const found: Array<ParsedDocument[] | null | undefined> = files.map((file, i) => cache?.get(keys[i]!, reparse(file)));
  const missing = files.flatMap((_, i) => (found[i] === undefined ? [i] : []));
  const parsed = await parseValidFiles(
    missing.map((i) => {
      const { path, bytes } = files[i]!;
      return { path, bytes, ...(cache ? { cache: { file: cache.entryPath(keys[i]!), key: keys[i]!, previous: cache.previousEntry(path) } } : {}) };
    }),
  );
  // A fresh parse's positions are not kept: a message reads them from the entry just stored, or parses the file again.
  const positionsOf = (i: number, count: number) => () => cache?.storedPositions(keys[i]!, count) ?? reparse(files[i]!)();
  missing.forEach((fileIndex, j) => (found[fileIndex] = parsed[j] && withLazyPositions(parsed[j]!, positionsOf(fileIndex, parsed[j]!.length))));
  if (missing.length > 0) cache?.prune();

  const docs: SourcedDocument[] = [];
  files.forEach((file, i) => {
    const parsed = found[i];
    if (!parsed) return docs.push(...parseAndCheckFile(file, diagnostics));
    for (const doc of parsed) docs.push(sourced(file.path, doc));
  });
  return docs;
}

/**
 * A document that passed the schema, with a summary of each entry. A document that came with its
 * summary (from the cache, or made where it was parsed) is read through it: its developers' values
 * are asked for only when an entry is built or a message needs one.
 */
function sourced(file: string, parsed: ParsedDocument): SourcedDocument {
  const { summary } = parsed;
  if (!summary) {
    const manifest = parsed.value as ManifestDocument;
    return { file, parsed, manifest, entries: summarizeDocument(manifest).entries };
  }
  const manifest = { ...summary.rest } as ManifestDocument;
  if (summary.entries.length > 0) {
    Object.defineProperty(manifest, 'developers', { enumerable: true, get: () => (parsed.value as ManifestDocument).developers });
  }
  return { file, parsed, manifest, entries: summary.entries };
}

/**
 * What a freshly parsed file keeps of its positions, for messages: a way to read them (from the
 * cache entry just stored, or by parsing the file again) when a message first needs one, rather
 * than its position trees, which take several times the memory of its values.
 */
function withLazyPositions(documents: ParsedDocument[], positions: () => PositionSource[]): ParsedDocument[] {
  const sources = lazyPositionSources(documents.length, positions);
  return documents.map((doc, i) => {
    const positionSource = sources[i]!;
    if (doc.positions !== UNKNOWN_POSITIONS) return { ...doc, positionSource };
    // Came without positions (reused entries, or a worker's reply): they are read only if a message needs a location.
    return {
      value: doc.value,
      summary: doc.summary,
      positionSource,
      get positions() {
        return positionSource.positions;
      },
      get lineStarts() {
        return positionSource.lineStarts;
      },
    };
  });
}

function parseAndCheckFile(file: ManifestFile, diagnostics: Diagnostic[]): SourcedDocument[] {
  const docs: SourcedDocument[] = [];
  const parsed = parseManifestFile(file.path, file.bytes);
  diagnostics.push(...parsed.diagnostics);
  for (const doc of parsed.documents) {
    const schema = checkDocumentSchema(file.path, doc);
    diagnostics.push(...schema.diagnostics);
    if (schema.manifest) docs.push(sourced(file.path, doc));
  }
  return docs;
}

function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  if (!a.location || !b.location) return Number(Boolean(a.location)) - Number(Boolean(b.location));
  return compareCodeUnits(a.location.file, b.location.file) || a.location.line - b.location.line || a.location.column - b.location.column;
}
