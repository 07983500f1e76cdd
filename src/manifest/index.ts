// Loads a manifest set: discover files → parse → check the schema → resolve references →
// validate the set → build the desired state. Every problem found is reported; the desired state
// exists only when there is no error. Parsing and the schema go through the fast path
// (fastpath/index.ts: the parse cache, reuse, split parses, workers) for every file it accepts.
import { realpath, stat } from '../util/fs-async.js';
import path from 'node:path';
import type { DesiredState, Diagnostic } from '../model.js';
import { timed } from '../timing.js';
import { buildDesiredState, type ManifestFile } from './desired.js';
import { defaultCacheDir, PARSE_FULLY, readFastPath, type LazyDocument, type LazyValue } from './fastpath/index.js';
import { discoverManifestFiles, formatLocation, readManifestBytes } from './files.js';
import { explainNonManifests, ownOutputKind, ownOutputNote } from './own-outputs.js';
import { compareCodeUnits, escapeForMessage } from '../util/strings.js';
import { parseManifestFile, type ParsedDocument } from './parse.js';
import type { LazyPositions, PositionSource } from './positions.js';
import { referenceOf, resolveReferences } from './references.js';
import { withoutRefusedDevelopers } from './salvage.js';
import { checkDocumentSchema, type ManifestDocument } from './schema.js';
import { summarizeDocument } from './summary.js';
import type { SecretContext } from './secrets.js';
import { validateManifestSet, type LazyDevelopers, type SourcedDocument } from './validate.js';
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
  /** Where to cache parsed, schema-checked files (see fastpath/cache.ts); null: no cache. Default: the user's cache directory, or $PORTALFORM_CACHE_DIR. */
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
  const parseDiagnostics: Diagnostic[] = [];
  const docs = await timed('load: parse', () => parseAndCheckSchema(files, parseDiagnostics, cacheDir || null));
  diagnostics.push(...explainNonManifests(files, parseDiagnostics));

  const ctx: SecretContext = {
    env,
    cwd,
    roots: [...discovered.roots, ...secretsDirs],
    readFiles: new Map(),
    realDirectories: new Map(),
  };
  const references = timed(
    'load: references',
    () => new Map(docs.map((doc) => [doc, resolveReferences(doc, ctx, opts.resolveSecrets ?? true, diagnostics)])),
  );
  const secretValue = (doc: SourcedDocument, developer: number, credential: number, field: string) =>
    referenceOf(references.get(doc)?.[developer], credential, field)?.secret?.value;
  diagnostics.push(...timed('load: validate', () => validateManifestSet(docs, { cwd, secretValue })));

  diagnostics.sort(compareDiagnostics);
  if (diagnostics.some((d) => d.severity === 'error')) return { desired: null, diagnostics };
  return { desired: timed('load: build', () => buildDesiredState(docs, references, files, cwd)), diagnostics };
}

/**
 * `path:line:col: error: message`, the path relative to `cwd` when inside it. Values in messages
 * are quoted where the message is made; escaping the whole line again covers the file's own path.
 */
export function formatDiagnostic(d: Diagnostic, cwd: string = process.cwd()): string {
  return escapeForMessage(
    d.location ? `${formatLocation(d.location, cwd)}: ${d.severity}: ${d.message}` : `${d.severity}: ${d.message}`,
  );
}

async function resolveSecretsDirs(dirs: string[], cwd: string, diagnostics: Diagnostic[]): Promise<string[]> {
  const roots: string[] = [];
  for (const dir of dirs) {
    const absolute = path.resolve(cwd, dir);
    const info = await stat(absolute).catch(() => undefined);
    if (info?.isDirectory()) roots.push(await realpath(absolute));
    else
      diagnostics.push({
        severity: 'error',
        message: `--secrets-dir ${dir}: ${info ? 'not a directory' : 'no such directory'}`,
      });
  }
  return roots;
}

/**
 * Reads every manifest (discovery found regular files; reading them at once beats a thread-pool
 * round trip per chunk); a file portalform wrote found among them (recognised by its content,
 * own-outputs.ts) is skipped with a warning.
 */
function readFiles(paths: string[], diagnostics: Diagnostic[]): ManifestFile[] {
  const files: ManifestFile[] = [];
  for (const file of paths) {
    try {
      const bytes = readManifestBytes(file);
      const own = ownOutputKind(bytes);
      if (own) {
        diagnostics.push(ownOutputNote(file, own));
        continue;
      }
      files.push({ path: file, bytes, sha256: sha256(bytes) });
    } catch (e) {
      diagnostics.push({
        severity: 'error',
        message: `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
      });
    }
  }
  return files;
}

/**
 * Each file's documents as the fast path gives them (fastpath/index.ts: cached, or parsed and
 * checked against the schema); a file it does not accept takes the full path here, which reports
 * every diagnostic.
 */
async function parseAndCheckSchema(
  files: ManifestFile[],
  diagnostics: Diagnostic[],
  cacheDir: string | null,
): Promise<SourcedDocument[]> {
  const fast = await readFastPath(files, cacheDir, diagnostics);
  const docs: SourcedDocument[] = [];
  files.forEach((file, i) => {
    const found = fast[i]!;
    if (found === PARSE_FULLY) docs.push(...parseAndCheckFile(file, diagnostics));
    else for (const doc of found) docs.push(fromFastPath(file.path, doc));
  });
  return docs;
}

/**
 * A document from the fast path. One that came with its summary (from the cache, or made where it
 * was parsed) is read through it: its developers' values are loaded only when an entry is built or
 * a message needs one.
 */
function fromFastPath(file: string, doc: LazyDocument): SourcedDocument {
  const { rest, entries } = doc.summary ?? summarizeDocument(doc.value.load() as ManifestDocument);
  return {
    file,
    fields: rest,
    entries,
    checked: doc.summary !== undefined,
    developers: developersOf(doc.value),
    readPositions: heldOrRead(doc.heldPositions, doc.positions),
    positions: doc.positions,
  };
}

/** (Scopes of their own: what a desired state keeps of a document holds nothing else of it.) */
function developersOf(value: LazyValue): LazyDevelopers {
  return { load: () => (value.load() as ManifestDocument).developers ?? [] };
}

function heldOrRead(held: PositionSource | undefined, positions: LazyPositions): () => PositionSource {
  return () => held ?? positions.read();
}

function parseAndCheckFile(file: ManifestFile, diagnostics: Diagnostic[]): SourcedDocument[] {
  const docs: SourcedDocument[] = [];
  const parsed = parseManifestFile(file.path, file.bytes);
  diagnostics.push(...parsed.diagnostics);
  for (const doc of parsed.documents) {
    const schema = checkDocumentSchema(file.path, doc);
    diagnostics.push(...schema.diagnostics);
    if (schema.manifest) {
      docs.push(fullyParsed(file.path, doc, schema.manifest));
      continue;
    }
    // Its other entries still go through every other check: one run reports every problem.
    const rest = withoutRefusedDevelopers(doc, schema.pointers);
    const checked = rest && checkDocumentSchema(file.path, rest);
    if (checked?.manifest) docs.push(fullyParsed(file.path, rest!, checked.manifest));
  }
  return docs;
}

function fullyParsed(file: string, parsed: ParsedDocument, manifest: ManifestDocument): SourcedDocument {
  const { rest, entries } = summarizeDocument(manifest);
  const positions: PositionSource = { positions: parsed.positions, lineStarts: parsed.lineStarts };
  const developers = manifest.developers ?? [];
  return {
    file,
    fields: rest,
    entries,
    checked: false,
    developers: { load: () => developers },
    readPositions: () => positions,
    positions: { read: () => positions },
  };
}

function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  if (!a.location || !b.location) return Number(Boolean(a.location)) - Number(Boolean(b.location));
  return (
    compareCodeUnits(a.location.file, b.location.file) ||
    a.location.line - b.location.line ||
    a.location.column - b.location.column
  );
}
