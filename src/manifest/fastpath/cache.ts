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
//   (../validate.ts) without any diagnostic, and holds no literal secret. A secret *reference*
//   (`fromEnv`, `fromFile`) is part of the manifest and may be stored; a secret value never is:
//   references are resolved on every run, after the cache. What was checked before it was stored
//   is not checked again.
// - On disk (cache-entry.ts): `<key>.json`, `<key>.values.json`, `<key>.positions.json`, and
//   `paths/<SHA-256 of the manifest's path>` naming the key last stored for it.
// - Trusted only in a directory of the user's that group and others cannot write, and each entry is
//   authenticated by an HMAC under the cache's own key (cache-trust.ts): otherwise one warning, and
//   the run goes on without the cache.
// - Safe to delete at any time; a missing, unreadable or corrupt entry is parsed again. Entries
//   unused for CACHE_MAX_AGE_DAYS are removed.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, statSync, utimesSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { CREDENTIAL_SPECS } from '../../model.js';
import type { CredentialType } from '../../model.js';
import { packageRoot, TOOL_VERSION } from '../../package-info.js';
import type { ParsedDocument } from '../parse.js';
import type { PositionSource } from '../positions.js';
import {
  FORMAT,
  pointerPath,
  positionsPath,
  readEntry,
  readHead,
  readPositions,
  readValues,
  valuesPath,
  writeAtomically,
} from './cache-entry.js';
import { loaderDigest } from './code-digest.js';
import { trustCacheDirectory } from './cache-trust.js';
import { positionSources, readersOfFile, type LazyDocument } from './lazy.js';

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

/** The cache in `dir` if it may be trusted; else null, after saying why. */
export function openParseCache(dir: string | null, warn: (message: string) => void): ParseCache | null {
  if (dir === null) return null;
  const trust = trustCacheDirectory(dir);
  if ('key' in trust) return new ParseCache(trust.dir);
  warn(
    `not using the parse cache at ${dir}: ${trust.refusal}; every file is parsed instead (set PORTALFORM_CACHE_DIR to a private directory of yours, or to off)`,
  );
  return null;
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
      const positionsAt = readersOfFile(
        count,
        () => readPositions(file, { digest: entry.positionsDigest, count }) ?? positionSources(reparse()),
      );
      const valueAt = readersOfFile(count, () => {
        const stored = readValues(file, entry.valuesDigest)?.values;
        return stored?.length === count ? stored : reparse().map((d) => d.value);
      });
      return entry.summaries.map((summary, i) => ({
        summary,
        value: { load: valueAt[i]! },
        positions: { read: positionsAt[i]! },
        heldPositions: undefined,
      }));
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
    for (const developer of developers as WrittenOwner[]) {
      const owners = [developer, ...(Array.isArray(developer.applications) ? developer.applications : [])];
      if (owners.some(holdsLiteralSecret)) return false;
    }
  }
  return true;
}

/** A developer entry or an application: both hold credentials. */
interface WrittenOwner {
  credentials?: Array<Record<string, unknown>>;
  applications?: WrittenOwner[];
}

function holdsLiteralSecret(owner: WrittenOwner): boolean {
  return (owner.credentials ?? []).some((credential) =>
    CREDENTIAL_SPECS[credential.type as CredentialType]?.secretFields.some(
      (field) => typeof credential[field] === 'string',
    ),
  );
}

function jsonSafe(value: unknown): boolean {
  if (typeof value === 'number') return Number.isFinite(value) && !Object.is(value, -0);
  if (Array.isArray(value)) return value.every(jsonSafe);
  if (value !== null && typeof value === 'object') return Object.values(value).every(jsonSafe);
  return true;
}
