// The parse cache's entries on disk (the layout is described in cache.ts): written atomically,
// readable by the owner only, and each part checked against the digest in the entry's first line
// when it is read; that line is authenticated by an HMAC under the cache's key (cache-trust.ts).
import { closeSync, constants, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { CredentialType } from '../../model.js';
import { sha256 } from '../../hash.js';
import type { PositionSource } from '../positions.js';
import type { ApplicationSummary, DocumentSummary, EntrySummary, WrittenReference } from '../summary.js';
import { UNKNOWN_POSITIONS, type CheckedDocument } from './checked.js';
import type { PreviousVersion } from './reuse.js';
import { entryMac, isAuthentic } from './cache-trust.js';
import { makeDirectories } from '../../util/directories.js';

export const FORMAT = 'portalform-parse-cache v5';

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
  const positions = documents.some((d) => d.positions === UNKNOWN_POSITIONS)
    ? null
    : JSON.stringify(documents.map((d) => [d.positions, d.lineStarts]));
  const values = JSON.stringify({
    values: documents.map((d) => d.value),
    ...(extras.items ? { items: extras.items } : {}),
  });
  if (
    (positions !== null && !writeAtomically(positionsPath(file), positions)) ||
    !writeAtomically(valuesPath(file), values)
  )
    return;
  const summaries = JSON.stringify(documents.map((d) => storedSummary(d.summary!)));
  const head = {
    format: FORMAT,
    key,
    positionsDigest: positions && sha256(positions),
    valuesDigest: sha256(values),
    summaryDigest: sha256(summaries),
  };
  const mac = entryMac(cacheDirOf(file), authenticated(head));
  if (mac === undefined) return;
  if (writeAtomically(file, `${JSON.stringify({ ...head, mac })}\n${summaries}`))
    writeAtomically(pointerPath(cacheDirOf(file), extras.manifest), key);
}

/** The previous version of a file (reuse.ts), from its entry; undefined when it kept none or it is damaged. */
export function readPreviousVersion(entry: string): PreviousVersion | undefined {
  try {
    const found = readHead(entry);
    const stored = found && readValues(entry, found.head.valuesDigest);
    const developers = (stored?.values[0] as { developers?: unknown } | undefined)?.developers;
    const items = stored?.items;
    if (
      stored?.values.length !== 1 ||
      !Array.isArray(developers) ||
      !Array.isArray(items) ||
      items.length !== developers.length
    )
      return undefined;
    return { items: items as string[], developers };
  } catch {
    return undefined;
  }
}

export function writeAtomically(file: string, text: string): boolean {
  const temp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    makeDirectories(path.dirname(file), 0o700);
    const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
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
export function pointerPath(dir: string, manifest: string): string {
  return path.join(dir, 'paths', sha256(manifest));
}

export function valuesPath(entry: string): string {
  return entry.replace(/\.json$/, '.values.json');
}

export function positionsPath(entry: string): string {
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
export function readEntry(file: string, key: string): Entry | undefined {
  const found = readHead(file, key);
  if (!found) return undefined;
  const { head, rest: line } = found;
  if (sha256(line) !== head.summaryDigest) return undefined;
  const stored: unknown = JSON.parse(line.toString('utf8'));
  const summaries = Array.isArray(stored) ? stored.map(summaryFromStored) : [];
  if (summaries.length === 0 || summaries.includes(undefined)) return undefined;
  return {
    positionsDigest: head.positionsDigest,
    valuesDigest: head.valuesDigest,
    summaries: summaries as DocumentSummary[],
  };
}

interface EntryHead {
  format: unknown;
  key: unknown;
  positionsDigest: unknown;
  valuesDigest: unknown;
  summaryDigest: unknown;
  mac?: unknown;
}

/** The cache directory an entry file is in (entries sit in a bucket directory below it). */
function cacheDirOf(entry: string): string {
  return path.dirname(path.dirname(entry));
}

/** What an entry's MAC covers: its head, which names the digests of every part. */
function authenticated(head: EntryHead): string {
  return JSON.stringify([head.format, head.key, head.positionsDigest, head.valuesDigest, head.summaryDigest]);
}

/** An entry's first line, if it names this format (and `key`, when given) and is authentic, and the bytes after it. */
export function readHead(file: string, key?: string): { head: EntryHead; rest: Buffer } | undefined {
  const bytes = readFileSync(file);
  const newline = bytes.indexOf(10);
  if (newline < 0) return undefined;
  const head = JSON.parse(bytes.toString('utf8', 0, newline)) as EntryHead | null;
  if (head?.format !== FORMAT || (key !== undefined && head.key !== key)) return undefined;
  // A copied or edited entry (a planted one) fails here, whatever digests it carries.
  if (!isAuthentic(cacheDirOf(file), authenticated(head), head.mac)) return undefined;
  return { head, rest: bytes.subarray(newline + 1) };
}

/** What the values file holds, if it is the one written with the summaries (checked only now, when needed). */
export function readValues(file: string, digest: unknown): { values: unknown[]; items?: unknown } | undefined {
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
export function readPositions(
  file: string,
  expected: { digest: unknown; count: number },
): PositionSource[] | undefined {
  try {
    const text = readFileSync(positionsPath(file), 'utf8');
    if (sha256(text) !== expected.digest) return undefined;
    const entries: unknown = JSON.parse(text);
    if (!Array.isArray(entries) || entries.length !== expected.count) return undefined;
    const valid = entries.every(
      (e) => Array.isArray(e) && (typeof e[0] === 'number' || Array.isArray(e[0])) && Array.isArray(e[1]),
    );
    return valid ? entries.map(([positions, lineStarts]) => ({ positions, lineStarts })) : undefined;
  } catch {
    return undefined;
  }
}

// On disk each entry is a tuple, not an object: a hundred thousand entries repeat no key names.

type StoredEntry = [
  string,
  string,
  string | null,
  CredentialType[],
  EntrySummary['claims'],
  WrittenReference[],
  ApplicationSummary[],
];

function storedSummary(summary: DocumentSummary): unknown {
  return {
    rest: summary.rest,
    entries: summary.entries.map(
      (e): StoredEntry => [e.email, e.digest, e.customId, e.types, e.claims, e.references, e.applications],
    ),
  };
}

/** A summary read back from the cache (whose entries are checked by digest, so their shape is the one written). */
function summaryFromStored(stored: unknown): DocumentSummary | undefined {
  const { rest, entries } = (stored ?? {}) as { rest?: DocumentSummary['rest']; entries?: StoredEntry[] };
  if (!rest || !Array.isArray(entries)) return undefined;
  return {
    rest,
    entries: entries.map(([email, digest, customId, types, claims, references, applications]) => ({
      email,
      digest,
      customId,
      types,
      claims,
      references,
      applications,
    })),
  };
}
