// A content-addressed cache of parsed and schema-checked manifest files, so that a plan after a
// small change parses only the files that changed.
//
// - Where: the user's cache directory ($XDG_CACHE_HOME/portalform, else ~/.cache/portalform), or
//   $PORTALFORM_CACHE_DIR; `PORTALFORM_CACHE_DIR=off` disables it. Never the working directory by
//   default: there anyone who can commit to the manifests' repository could plant an entry that
//   says something other than the file it is keyed by, and apply would trust it.
// - Key: SHA-256 of the file's content hash together with the tool version, the JSON Schema and the
//   digest of the loader's code (code-digest.ts). A changed byte, schema or portalform gives another
//   key: an entry is never stale, only unused.
// - Entry: for each of the file's documents, its summary (../summary.ts: what the set-wide checks,
//   the references and the sync digests need), and beside it, in files of their own, the values
//   and the source positions. A load reads the summaries; the values only of a document whose
//   entries it builds, and the positions only when a message needs a location. Each part is
//   checked, when it is read, against a digest in the entry's first line: damaged or missing, the
//   file is parsed again.
// - Stored only for a file that parsed, passed the schema and the checks of one document
//   (validate.ts) without any diagnostic, and holds no literal secret. A secret *reference*
//   (`fromEnv`, `fromFile`) is part of the manifest and may be stored; a secret value never is:
//   references are resolved on every run, after the cache. What was checked before it was stored
//   is not checked again.
// - Safe to delete at any time; a missing, unreadable or corrupt entry is parsed again. Entries
//   unused for CACHE_MAX_AGE_DAYS are removed.
import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { CREDENTIAL_SPECS } from '../../model.js';
import type { CredentialType } from '../../model.js';
import { packageRoot, TOOL_VERSION } from '../../package-info.js';
import type { ParsedDocument } from '../parse.js';
import type { PositionSource } from '../positions.js';
import type { DocumentSummary, EntrySummary, WrittenReference } from '../summary.js';
import { UNKNOWN_POSITIONS, type CheckedDocument } from './checked.js';
import { positionSources, readersOfFile, type LazyDocument } from './lazy.js';
import type { PreviousVersion } from './reuse.js';
import { sha256 } from '../../hash.js';
import { loaderDigest } from './code-digest.js';

const FORMAT = 'portalform-parse-cache v4';
const CACHE_MAX_AGE_DAYS = 30;

/** The cache directory, or null when disabled. */
export function defaultCacheDir(cwd: string, env: Record<string, string | undefined>): string | null {
  const setting = env.PORTALFORM_CACHE_DIR;
  if (setting !== undefined && setting !== '') {
    return /^(off|0|false|no|none)$/i.test(setting) ? null : path.resolve(cwd, setting);
  }
  const base = env.XDG_CACHE_HOME || path.join(env.HOME || homedir(), '.cache');
  return path.join(base, 'portalform');
}

let salt: string | undefined;

/** What every key depends on besides the file: format, tool version, schema and the loader's code. */
function keySalt(): string {
  if (salt !== undefined) return salt;
  const hash = createHash('sha256').update(FORMAT).update('\0').update(TOOL_VERSION).update('\0');
  hash.update(readFileSync(path.join(packageRoot(), 'schemas', 'manifest.schema.json')));
  salt = hash.update('\0').update(loaderDigest()).digest('hex');
  return salt;
}

export class ParseCache {
  constructor(readonly dir: string) {}

  /** The key of a file whose bytes have this SHA-256 (hex). */
  keyOf(contentSha256: string): string {
    return createHash('sha256').update(keySalt()).update('\0').update(contentSha256).digest('hex');
  }

  entryPath(key: string): string {
    return path.join(this.dir, key.slice(0, 2), `${key}.json`);
  }

  /** The positions stored with an entry (just written by a parse), if they are there and intact. */
  storedPositions(key: string, count: number): PositionSource[] | undefined {
    try {
      const file = this.entryPath(key);
      const entry = readHead(file, key);
      return entry && readPositions(file, { digest: entry.head.positionsDigest, count });
    } catch {
      return undefined;
    }
  }

  /** The entry last stored for a manifest at this path, if any: the previous version of a changed file. */
  previousEntry(manifest: string): string | undefined {
    try {
      const key = readFileSync(pointerPath(this.dir, manifest), 'utf8');
      return /^[0-9a-f]{64}$/.test(key) ? this.entryPath(key) : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * The documents of a cached file, or undefined. Each has its summary at once; its value and
   * positions are read (for all the file's documents at once) only when first asked for.
   * `reparse` stands in for either, found damaged or missing when they are finally read.
   */
  get(key: string, reparse: () => ParsedDocument[]): LazyDocument[] | undefined {
    const file = this.entryPath(key);
    try {
      const entry = readEntry(file, key);
      if (!entry) return undefined;
      for (const part of [file, valuesPath(file), positionsPath(file)]) touch(part);
      const count = entry.summaries.length;
      // Read again only when needed: holding every entry's text would cost more than rereading one.
      // What reads them keeps the digests and the count, never the text.
      const positionsAt = readersOfFile(count, () => readPositions(file, { digest: entry.positionsDigest, count }) ?? positionSources(reparse()));
      const valueAt = readersOfFile(count, () => {
        const stored = readValues(file, entry.valuesDigest)?.values;
        return stored?.length === count ? stored : reparse().map((d) => d.value);
      });
      return entry.summaries.map((summary, i) => ({ summary, value: { load: valueAt[i]! }, positions: { read: positionsAt[i]! }, heldPositions: undefined }));
    } catch {
      return undefined;
    }
  }

  /** Removes entries unused for a while; called once by a load that parsed files (and so may have written entries). */
  prune(now = Date.now()): void {
    // Once a day is enough (entries live for weeks), and a scan stats every file of the cache.
    const marker = path.join(this.dir, 'last-pruned');
    try {
      if (now - statSync(marker).mtimeMs < 86_400_000) return;
    } catch {
      // never pruned yet
    }
    const limit = now - CACHE_MAX_AGE_DAYS * 86_400_000;
    try {
      for (const bucket of readdirSync(this.dir, { withFileTypes: true })) {
        if (!bucket.isDirectory()) continue;
        const dir = path.join(this.dir, bucket.name);
        for (const name of readdirSync(dir)) {
          const file = path.join(dir, name);
          if (statSync(file).mtimeMs < limit) rmSync(file, { force: true });
        }
      }
      writeAtomically(marker, '');
      utimesSync(marker, new Date(now), new Date(now));
    } catch {
      // best effort
    }
  }
}

/** What is stored with an entry besides its documents. */
export interface EntryExtras {
  /** The manifest's path: the entry becomes the previous version of the file found there. */
  manifest: string;
  /** The digests of its items, when a later version may reuse them (reuse.ts). */
  items?: string[];
}

/**
 * Writes an entry, readable by the owner only: the positions and the values first, then the
 * summaries with the digests of all three, each file atomically (temp file, then rename), then
 * the pointer from the manifest's path. Only documents with a summary (they passed the checks of
 * one document) are stored. Best effort: a cache never fails a run.
 */
export function storeEntry(file: string, key: string, documents: CheckedDocument[], extras: EntryExtras): void {
  if (!documents.every((d) => d.summary)) return;
  // Unknown positions (an entry reused from the previous version) are left for a reader to parse again.
  const positions = documents.some((d) => d.positions === UNKNOWN_POSITIONS) ? null : JSON.stringify(documents.map((d) => [d.positions, d.lineStarts]));
  const values = JSON.stringify({ values: documents.map((d) => d.value), ...(extras.items ? { items: extras.items } : {}) });
  if ((positions !== null && !writeAtomically(positionsPath(file), positions)) || !writeAtomically(valuesPath(file), values)) return;
  const summaries = JSON.stringify(documents.map((d) => storedSummary(d.summary!)));
  const head = { format: FORMAT, key, positionsDigest: positions && sha256(positions), valuesDigest: sha256(values), summaryDigest: sha256(summaries) };
  if (writeAtomically(file, `${JSON.stringify(head)}\n${summaries}`)) writeAtomically(pointerPath(path.dirname(path.dirname(file)), extras.manifest), key);
}

/** The previous version of a file (reuse.ts), from its entry; undefined when it kept none or it is damaged. */
export function readPreviousVersion(entry: string): PreviousVersion | undefined {
  try {
    const found = readHead(entry);
    const stored = found && readValues(entry, found.head.valuesDigest);
    const developers = (stored?.values[0] as { developers?: unknown } | undefined)?.developers;
    const items = stored?.items;
    if (stored?.values.length !== 1 || !Array.isArray(developers) || !Array.isArray(items) || items.length !== developers.length) return undefined;
    return { items: items as string[], developers };
  } catch {
    return undefined;
  }
}

function writeAtomically(file: string, text: string): boolean {
  const temp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const fd = openSync(temp, 'w', 0o600);
    try {
      writeSync(fd, text);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, file);
    return true;
  } catch {
    rmSync(temp, { force: true });
    return false;
  }
}

/** Where the key of the entry last stored for a manifest path is kept. */
function pointerPath(dir: string, manifest: string): string {
  return path.join(dir, 'paths', sha256(manifest));
}

function valuesPath(entry: string): string {
  return entry.replace(/\.json$/, '.values.json');
}

function positionsPath(entry: string): string {
  return entry.replace(/\.json$/, '.positions.json');
}

interface Entry {
  positionsDigest: unknown;
  valuesDigest: unknown;
  summaries: DocumentSummary[];
}

/**
 * An entry is a line naming its format, key and the digests of its parts, then a line of the
 * documents' summaries, read now; their values and positions are files of their own, read when
 * needed. A damaged or foreign entry is never used (it was parsed and checked before it was stored).
 */
function readEntry(file: string, key: string): Entry | undefined {
  const found = readHead(file, key);
  if (!found) return undefined;
  const { head, rest: line } = found;
  if (sha256(line) !== head.summaryDigest) return undefined;
  const stored: unknown = JSON.parse(line.toString('utf8'));
  const summaries = Array.isArray(stored) ? stored.map(summaryFromStored) : [];
  if (summaries.length === 0 || summaries.includes(undefined)) return undefined;
  return { positionsDigest: head.positionsDigest, valuesDigest: head.valuesDigest, summaries: summaries as DocumentSummary[] };
}

interface EntryHead {
  format: unknown;
  key: unknown;
  positionsDigest: unknown;
  valuesDigest: unknown;
  summaryDigest: unknown;
}

/** An entry's first line, if it names this format (and `key`, when given), and the bytes after it. */
function readHead(file: string, key?: string): { head: EntryHead; rest: Buffer } | undefined {
  const bytes = readFileSync(file);
  const newline = bytes.indexOf(10);
  if (newline < 0) return undefined;
  const head = JSON.parse(bytes.toString('utf8', 0, newline)) as EntryHead | null;
  if (head?.format !== FORMAT || (key !== undefined && head.key !== key)) return undefined;
  return { head, rest: bytes.subarray(newline + 1) };
}

/** What the values file holds, if it is the one written with the summaries (checked only now, when needed). */
function readValues(file: string, digest: unknown): { values: unknown[]; items?: unknown } | undefined {
  try {
    const text = readFileSync(valuesPath(file), 'utf8');
    if (sha256(text) !== digest) return undefined;
    const stored = JSON.parse(text) as { values?: unknown; items?: unknown } | null;
    return Array.isArray(stored?.values) ? { values: stored.values, items: stored.items } : undefined;
  } catch {
    return undefined;
  }
}

/** The positions, if they are the ones written with these values (checked only now, when needed). */
function readPositions(file: string, expected: { digest: unknown; count: number }): PositionSource[] | undefined {
  try {
    const text = readFileSync(positionsPath(file), 'utf8');
    if (sha256(text) !== expected.digest) return undefined;
    const entries: unknown = JSON.parse(text);
    if (!Array.isArray(entries) || entries.length !== expected.count) return undefined;
    const valid = entries.every((e) => Array.isArray(e) && (typeof e[0] === 'number' || Array.isArray(e[0])) && Array.isArray(e[1]));
    return valid ? entries.map(([positions, lineStarts]) => ({ positions, lineStarts })) : undefined;
  } catch {
    return undefined;
  }
}

function touch(file: string): void {
  try {
    const now = new Date();
    // Only once a day: the age of an entry needs no more precision than that.
    if (now.getTime() - statSync(file).mtimeMs > 86_400_000) utimesSync(file, now, now);
  } catch {
    // best effort
  }
}

/**
 * A file may be cached when it holds no literal secret (a secret written as a plain string) and
 * its values survive JSON unchanged (no NaN, infinity or negative zero).
 */
export function isCacheable(documents: ParsedDocument[]): boolean {
  for (const { value } of documents) {
    if (!jsonSafe(value)) return false;
    const developers = (value as { developers?: unknown }).developers;
    if (!Array.isArray(developers)) continue;
    for (const developer of developers) {
      for (const credential of (developer as { credentials?: Array<Record<string, unknown>> }).credentials ?? []) {
        const spec = CREDENTIAL_SPECS[credential.type as CredentialType];
        if (spec?.secretFields.some((field) => typeof credential[field] === 'string')) return false;
      }
    }
  }
  return true;
}

function jsonSafe(value: unknown): boolean {
  if (typeof value === 'number') return Number.isFinite(value) && !Object.is(value, -0);
  if (Array.isArray(value)) return value.every(jsonSafe);
  if (value !== null && typeof value === 'object') return Object.values(value).every(jsonSafe);
  return true;
}

// On disk each entry is a tuple, not an object: a hundred thousand entries repeat no key names.

type StoredEntry = [string, string, string | null, CredentialType[], EntrySummary['claims'], WrittenReference[]];

function storedSummary(summary: DocumentSummary): unknown {
  return { rest: summary.rest, entries: summary.entries.map((e): StoredEntry => [e.email, e.digest, e.customId, e.types, e.claims, e.references]) };
}

/** A summary read back from the cache (whose entries are checked by digest, so their shape is the one written). */
function summaryFromStored(stored: unknown): DocumentSummary | undefined {
  const { rest, entries } = (stored ?? {}) as { rest?: DocumentSummary['rest']; entries?: StoredEntry[] };
  if (!rest || !Array.isArray(entries)) return undefined;
  return {
    rest,
    entries: entries.map(([email, digest, customId, types, claims, references]) => ({ email, digest, customId, types, claims, references })),
  };
}
