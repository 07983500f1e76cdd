// Loads a manifest set: discover files → parse → check the schema → resolve references →
// validate the set → build the desired state. Every problem found is reported; the desired state
// exists only when there is no error.
import { createHash } from 'node:crypto';
import { readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { CREDENTIAL_SPECS, CREDENTIAL_TYPES } from '../model.js';
import type { CredentialType, DesiredCredential, DesiredDeveloper, DesiredState, Diagnostic, MovedBlock, ResolvedSecret } from '../model.js';
import { compareCodeUnits, discoverManifestFiles, formatLocation } from './files.js';
import { timed } from '../timing.js';
import { defaultCacheDir, ParseCache } from './cache.js';
import { parseValidFiles } from './parse-pool.js';
import { locate, parseManifestFile, type ParsedDocument } from './parse.js';
import { checkDocumentSchema } from './schema.js';
import type { ManifestCredential, ManifestDeveloper, ManifestDocument, SecretRef } from './schema.js';
import { resolvePublicKey, resolveSecret } from './secrets.js';
import type { ReferenceSite, SecretContext } from './secrets.js';
import { validateManifestSet } from './validate.js';
import { isPlanFileContent } from '../plan/planfile.js';
import type { SourcedDocument } from './validate.js';

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

/** Resolved references of one document, by the JSON pointer of the field. */
interface References {
  secrets: Map<string, ResolvedSecret>;
  publicKeys: Map<string, string>;
}

interface ManifestFile {
  path: string;
  bytes: Uint8Array;
}

export function loadManifests(opts: LoadOptions): Promise<LoadResult> {
  return timed('load manifests', () => load(opts));
}

async function load(opts: LoadOptions): Promise<LoadResult> {
  const cwd = path.resolve(opts.cwd ?? process.cwd());
  const discovered = await discoverManifestFiles(opts.paths, cwd);
  const diagnostics = [...discovered.diagnostics];
  const secretsDirs = await resolveSecretsDirs(opts.secretsDirs ?? [], cwd, diagnostics);
  const files = await timed('load: read files', () => readFiles(discovered.files, diagnostics));
  const env = opts.env ?? process.env;
  const cacheDir = opts.cacheDir === undefined ? defaultCacheDir(cwd, env) : opts.cacheDir;
  const docs = await timed('load: parse', () => parseAndCheckSchema(files, diagnostics, cacheDir ? new ParseCache(cacheDir) : null));

  const ctx: SecretContext = { env, cwd, roots: [...discovered.roots, ...secretsDirs], readFiles: new Map() };
  const references = timed('load: references', () => new Map(docs.map((doc) => [doc, resolveReferences(doc, ctx, opts.resolveSecrets ?? true, diagnostics)])));
  const secretValue = (doc: SourcedDocument, pointer: string) => references.get(doc)?.secrets.get(pointer)?.value;
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

/** Reads every manifest; a saved plan found among them (recognised by its content) is skipped with a warning. */
async function readFiles(paths: string[], diagnostics: Diagnostic[]): Promise<ManifestFile[]> {
  const files: ManifestFile[] = [];
  for (const file of paths) {
    try {
      const bytes = await readFile(file);
      if (isPlanFileContent(Buffer.from(bytes.subarray(0, 64)).toString('utf8'))) {
        diagnostics.push({ severity: 'warning', location: { file, line: 1, column: 1 }, message: 'this is a saved plan, not a manifest: skipped' });
        continue;
      }
      files.push({ path: file, bytes });
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
  const keys = cache ? files.map((file) => cache.keyOf(file.bytes)) : [];
  const reparse = (file: ManifestFile) => () => parseManifestFile(file.path, file.bytes).documents;
  const found: Array<ParsedDocument[] | null | undefined> = files.map((file, i) => passesSchema(file, cache?.get(keys[i]!, reparse(file))));
  const missing = files.flatMap((_, i) => (found[i] === undefined ? [i] : []));
  const parsed = await parseValidFiles(
    missing.map((i) => ({ path: files[i]!.path, bytes: files[i]!.bytes, ...(cache ? { cache: { file: cache.entryPath(keys[i]!), key: keys[i]! } } : {}) })),
  );
  missing.forEach((fileIndex, j) => (found[fileIndex] = parsed[j]));
  if (missing.length > 0) cache?.prune();

  const docs: SourcedDocument[] = [];
  files.forEach((file, i) => {
    const parsed = found[i];
    if (!parsed) return docs.push(...parseAndCheckFile(file, diagnostics));
    for (const doc of parsed) docs.push({ file: file.path, parsed: doc, manifest: doc.value as ManifestDocument });
  });
  return docs;
}

/** A cached entry is checked like a fresh parse: one that fails (damaged, or not this tool's) is parsed again. */
function passesSchema(file: ManifestFile, cached: ParsedDocument[] | undefined): ParsedDocument[] | undefined {
  if (!cached) return undefined;
  return cached.every((doc) => checkDocumentSchema(file.path, doc).diagnostics.length === 0) ? cached : undefined;
}

function parseAndCheckFile(file: ManifestFile, diagnostics: Diagnostic[]): SourcedDocument[] {
  const docs: SourcedDocument[] = [];
  const parsed = parseManifestFile(file.path, file.bytes);
  diagnostics.push(...parsed.diagnostics);
  for (const doc of parsed.documents) {
    const schema = checkDocumentSchema(file.path, doc);
    diagnostics.push(...schema.diagnostics);
    if (schema.manifest) docs.push({ file: file.path, parsed: doc, manifest: schema.manifest });
  }
  return docs;
}

function resolveReferences(doc: SourcedDocument, ctx: SecretContext, withSecrets: boolean, diagnostics: Diagnostic[]): References {
  const references: References = { secrets: new Map(), publicKeys: new Map() };
  forEachCredential(doc, (credential, credentialPointer) => {
    const fields = credential as Record<string, unknown>;
    const referenced = withSecrets ? CREDENTIAL_SPECS[credential.type].secretFields.filter((f) => fields[f] !== undefined) : [];
    for (const field of referenced) {
      const pointer = `${credentialPointer}/${field}`;
      const resolution = resolveSecret(fields[field] as SecretRef, siteOf(doc, pointer), ctx);
      if (resolution.diagnostic) diagnostics.push(resolution.diagnostic);
      if (resolution.value) references.secrets.set(pointer, resolution.value);
    }
    if (credential.type === 'jwt' && credential.rsaPublicKey !== undefined) {
      const pointer = `${credentialPointer}/rsaPublicKey`;
      const resolution = resolvePublicKey(credential.rsaPublicKey, siteOf(doc, pointer), ctx);
      if (resolution.diagnostic) diagnostics.push(resolution.diagnostic);
      if (resolution.value !== undefined) references.publicKeys.set(pointer, resolution.value);
    }
  });
  return references;
}

function siteOf(doc: SourcedDocument, pointer: string): ReferenceSite {
  return { file: doc.file, locate: () => locate(doc.file, doc.parsed, pointer) };
}

function forEachCredential(doc: SourcedDocument, visit: (credential: ManifestCredential, pointer: string) => void): void {
  (doc.manifest.developers ?? []).forEach((developer, i) =>
    (developer.credentials ?? []).forEach((credential, j) => visit(credential, `/developers/${i}/credentials/${j}`)),
  );
}

function buildDesiredState(docs: SourcedDocument[], references: Map<SourcedDocument, References>, files: ManifestFile[], cwd: string): DesiredState {
  const developers = docs.flatMap((doc) =>
    (doc.manifest.developers ?? []).map((developer, i) => toDesiredDeveloper(doc, `/developers/${i}`, developer, references.get(doc)!)),
  );
  const moved = docs.flatMap((doc) =>
    (doc.manifest.moved ?? []).map((move, i): MovedBlock => ({
      from: move.from.toLowerCase(),
      to: move.to.toLowerCase(),
      location: locate(doc.file, doc.parsed, `/moved/${i}`),
    })),
  );
  const portal = docs.find((doc) => doc.manifest.portal)?.manifest.portal;
  const enabled = new Set<CredentialType>(portal?.credentialTypes ?? CREDENTIAL_TYPES);
  return {
    credentialTypes: CREDENTIAL_TYPES.filter((type) => enabled.has(type)),
    developers: developers.sort((a, b) => compareCodeUnits(a.email, b.email)),
    moved,
    manifestDigest: digestOf(files, cwd),
    files: files.map((file) => file.path),
  };
}

function toDesiredDeveloper(doc: SourcedDocument, pointer: string, developer: ManifestDeveloper, references: References): DesiredDeveloper {
  const credentials = (developer.credentials ?? []).map((credential, i) =>
    toDesiredCredential(doc, `${pointer}/credentials/${i}`, credential, references),
  );
  return {
    email: developer.email.toLowerCase(),
    fullName: developer.fullName,
    status: developer.status,
    customId: developer.customId ?? null,
    meta: { ...developer.meta },
    credentials: credentials.sort((a, b) => compareCodeUnits(a.type, b.type) || compareCodeUnits(a.identity, b.identity)),
    location: locate(doc.file, doc.parsed, pointer),
  };
}

function toDesiredCredential(doc: SourcedDocument, pointer: string, credential: ManifestCredential, references: References): DesiredCredential {
  const spec = CREDENTIAL_SPECS[credential.type];
  const fields = defaultFields(credential.type);
  const secrets: Record<string, ResolvedSecret> = {};
  for (const name in credential) {
    if (name === 'type') continue;
    const value = (credential as Record<string, unknown>)[name];
    if (spec.secretFields.includes(name)) {
      const secret = references.secrets.get(`${pointer}/${name}`);
      if (secret) secrets[name] = secret;
    } else if (name === 'rsaPublicKey') {
      fields[name] = references.publicKeys.get(`${pointer}/${name}`);
    } else {
      // Copied: an alias in the manifest makes several credentials share one array.
      fields[name] = Array.isArray(value) ? [...value] : value;
    }
  }
  return {
    type: credential.type,
    identity: String(fields[spec.identityField]),
    fields,
    secrets,
    location: locate(doc.file, doc.parsed, pointer),
  };
}

function defaultFields(type: CredentialType): Record<string, unknown> {
  if (type === 'jwt') return { algorithm: 'HS256' };
  if (type === 'oauth2') return { clientType: 'confidential', hashSecret: false, redirectUris: [] };
  return {};
}

/** SHA-256 over `relativePath \0 content \0` of each file, in order. */
function digestOf(files: ManifestFile[], cwd: string): string {
  const hash = createHash('sha256');
  for (const file of files) {
    hash.update(path.relative(cwd, file.path).split(path.sep).join('/'));
    hash.update('\0');
    hash.update(file.bytes);
    hash.update('\0');
  }
  return hash.digest('hex');
}

function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  if (!a.location || !b.location) return Number(Boolean(a.location)) - Number(Boolean(b.location));
  return compareCodeUnits(a.location.file, b.location.file) || a.location.line - b.location.line || a.location.column - b.location.column;
}
