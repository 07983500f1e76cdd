// The loader's fast path, behind one function: for each file, its documents already parsed and
// checked against the schema, or "parse it fully". A file comes from the parse cache (cache.ts)
// when its entry is there; else it is parsed here, reusing its previous version's entries
// (reuse.ts), in chunks (split.ts) or whole, on worker threads when there are many (parse-pool.ts).
// A file with any diagnostic at all takes the loader's full path, which reports every one.
import type { Diagnostic } from '../../model.js';
import type { ManifestFile } from '../desired.js';
import { parseManifestFile, type ParsedDocument } from '../parse.js';
import type { PositionSource } from '../positions.js';
import { openParseCache, type ParseCache } from './cache.js';
import { UNKNOWN_POSITIONS, type CheckedDocument } from './checked.js';
import { heldValue, positionSources, readersOfFile, type LazyDocument } from './lazy.js';
import { parseValidFiles } from './parse-pool.js';

export { defaultCacheDir } from './cache.js';
export type { LazyDocument, LazyValue } from './lazy.js';

/** What the fast path says of a file it did not accept: parse it on the full path, which reports its diagnostics. */
export const PARSE_FULLY = 'parse fully';

/** For each file, in order: its documents, or PARSE_FULLY. `cacheDir` null: no cache; one that cannot be trusted adds a warning to `diagnostics`. */
export async function readFastPath(
  files: ManifestFile[],
  cacheDir: string | null,
  diagnostics: Diagnostic[] = [],
): Promise<Array<LazyDocument[] | typeof PARSE_FULLY>> {
  const cache = openParseCache(cacheDir, (message) => diagnostics.push({ severity: 'warning', message }));
  const keys = cache ? files.map((file) => cache.keyOf(file.sha256)) : [];
  const found: Array<LazyDocument[] | typeof PARSE_FULLY | undefined> = files.map((file, i) =>
    cache?.get(keys[i]!, reparser(file)),
  );
  const missing = files.flatMap((_, i) => (found[i] === undefined ? [i] : []));
  const parsed = await parseValidFiles(
    missing.map((i) => {
      const { path, bytes } = files[i]!;
      return {
        path,
        bytes,
        ...(cache
          ? { cache: { file: cache.entryPath(keys[i]!), key: keys[i]!, previous: cache.previousEntry(path) } }
          : {}),
      };
    }),
  );
  missing.forEach((fileIndex, j) => {
    const documents = parsed[j];
    found[fileIndex] = documents
      ? freshDocuments(documents, positionsRereader(files[fileIndex]!, documents.length, cache, keys[fileIndex]))
      : PARSE_FULLY;
  });
  if (missing.length > 0) cache?.prune();
  return found as Array<LazyDocument[] | typeof PARSE_FULLY>;
}

function reparser(file: ManifestFile): () => ParsedDocument[] {
  return () => parseManifestFile(file.path, file.bytes).documents;
}

/** A fresh parse's positions, read again for a message: from the cache entry just stored, else by parsing the file again. */
function positionsRereader(
  file: ManifestFile,
  count: number,
  cache: ParseCache | null,
  key: string | undefined,
): () => PositionSource[] {
  return () =>
    (key === undefined ? undefined : cache?.storedPositions(key, count)) ??
    positionSources(parseManifestFile(file.path, file.bytes).documents);
}

/**
 * A freshly parsed file's documents. Their positions are held only while the load runs
 * (`heldPositions`, when a worker sent them at all): what outlives it reads them again when a
 * message first needs one, rather than keeping position trees, which take several times the
 * memory of the values.
 */
function freshDocuments(documents: CheckedDocument[], reread: () => PositionSource[]): LazyDocument[] {
  const positionsAt = readersOfFile(documents.length, reread);
  return documents.map((doc, i) => ({
    summary: doc.summary,
    value: heldValue(doc.value),
    positions: { read: positionsAt[i]! },
    heldPositions:
      doc.positions === UNKNOWN_POSITIONS ? undefined : { positions: doc.positions, lineStarts: doc.lineStarts },
  }));
}
