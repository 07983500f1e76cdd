// The fast path of loading one file, shared by the main thread and the parse workers: parse without
// positions and check the schema. Any diagnostic at all sends the file back to the full path
// (`parseManifestFile` with positions, `checkDocumentSchema`), which reports it exactly as always.
import { storeEntry, isCacheable } from './cache.js';
import { parseManifestFile } from './parse.js';
import { checkDocumentSchema } from './schema.js';

export interface FastJob {
  path: string;
  bytes: Uint8Array;
  /** Where to store the result in the cache, with its key; absent: not cached. */
  cache?: { file: string; key: string };
}

/** The documents' values when the file is valid as far as one file can be, else null. */
export function parseValidFile(job: FastJob): unknown[] | null {
  const parsed = parseManifestFile(job.path, job.bytes, { positions: false });
  if (parsed.diagnostics.length > 0) return null;
  const values: unknown[] = [];
  for (const doc of parsed.documents) {
    if (checkDocumentSchema(job.path, doc).diagnostics.length > 0) return null;
    values.push(doc.value);
  }
  if (job.cache && isCacheable(values)) storeEntry(job.cache.file, job.cache.key, values);
  return values;
}
