// The fast path of loading one file, shared by the main thread and the parse workers: parse and
// check the schema. A file with any diagnostic at all goes back to the main thread's full path,
// which reports it exactly as always; a clean one is stored in the cache when it may be.
import { isCacheable, storeEntry } from './cache.js';
import { parseManifestFile, type ParsedDocument } from './parse.js';
import { checkDocumentSchema } from './schema.js';

export interface FastJob {
  path: string;
  bytes: Uint8Array;
  /** Where to store the result in the cache, with its key; absent: not cached. */
  cache?: { file: string; key: string };
}

/** The file's documents when it is valid as far as one file can be, else null. */
export function parseValidFile(job: FastJob): ParsedDocument[] | null {
  const parsed = parseManifestFile(job.path, job.bytes);
  if (parsed.diagnostics.length > 0) return null;
  for (const doc of parsed.documents) {
    if (checkDocumentSchema(job.path, doc).diagnostics.length > 0) return null;
  }
  if (job.cache && isCacheable(parsed.documents)) storeEntry(job.cache.file, job.cache.key, parsed.documents);
  return parsed.documents;
}
