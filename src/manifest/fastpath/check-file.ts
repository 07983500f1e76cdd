// The fast path of loading one file, shared by the main thread and the parse workers: parse and
// check the schema. A file with any diagnostic at all goes back to the main thread's full path,
// which reports it exactly as always; a clean one is stored in the cache when it may be.
import { isCacheable } from './cache.js';
import { readPreviousVersion, storeEntry } from './cache-entry.js';
import { decodeManifestText, parseManifestText } from '../parse.js';
import { itemDigestsOf, parseReusingItems } from './reuse.js';
import { checkDocumentSchema, type ManifestDocument } from '../schema.js';
import { summarizeDocument } from '../summary.js';
import { checkDocument } from '../validate.js';
import { parseChunk, type ChunkResult } from './split.js';
import type { CheckedDocument } from './checked.js';

export interface FastJob {
  path: string;
  bytes: Uint8Array;
  /**
   * Where to store the result in the cache, with its key, and the entry of the file's previous
   * version if there is one (reuse.ts); absent: not cached.
   */
  cache?: { file: string; key: string; previous?: string };
}

/** A chunk of a large file's developers (see split.ts): its text, where it starts in the file, how many items it holds. */
export interface ChunkJob {
  text: string;
  base: number;
  items: number;
}

/** What a parse worker is asked to do: a whole file, or a chunk of one. */
export type ParseRequest = { file: FastJob } | { chunk: ChunkJob };
export type ParseReply = CheckedDocument[] | ChunkResult | 'refused' | null;

export function handleParseRequest(request: ParseRequest): ParseReply {
  if ('file' in request) return parseValidFile(request.file);
  const { text, base, items } = request.chunk;
  return parseChunk(text, base, items);
}

/** The file's documents when it is valid as far as one file can be, else null. */
export function parseValidFile(job: FastJob): CheckedDocument[] | null {
  const decoded = decodeManifestText(job.path, job.bytes);
  if (!('text' in decoded)) return null;
  const reused = parseFromPreviousVersion(job, decoded.text);
  if (reused !== undefined) return reused;
  const parsed = parseManifestText(job.path, decoded.text);
  if (parsed.diagnostics.length > 0) return null;
  return acceptParsedFile(job, decoded.text, parsed.documents);
}

/**
 * The file's documents parsed reusing its previous version's entries (reuse.ts), else null as
 * `parseValidFile` gives it; undefined when there is no previous version to reuse.
 */
export function parseFromPreviousVersion(job: FastJob, text: string): CheckedDocument[] | null | undefined {
  const previous = job.cache?.previous === undefined ? undefined : readPreviousVersion(job.cache.previous);
  if (!previous) return undefined;
  const reused = parseReusingItems(job.path, text, previous);
  return reused && acceptParsedFile(job, text, reused.documents, reused.items);
}

/**
 * Documents of `text` parsed without any diagnostic, if they pass the schema too; else null. Those
 * that also pass the checks of one document get their summary (computed here, where a worker may
 * be doing it), and a file whose documents all have one is cached when it may be, with the
 * digests of its entries (`items`, computed now if not given) for its next version to reuse.
 */
export function acceptParsedFile(
  job: FastJob,
  text: string,
  documents: CheckedDocument[],
  items?: string[],
): CheckedDocument[] | null {
  for (const doc of documents) {
    if (checkDocumentSchema(job.path, doc).diagnostics.length > 0) return null;
  }
  for (const doc of documents) {
    const manifest = doc.value as ManifestDocument;
    if (checkDocument({ file: job.path, readPositions: () => doc }, manifest.developers ?? [], job.path).length === 0)
      doc.summary = summarizeDocument(manifest);
  }
  if (job.cache && isCacheable(documents)) {
    storeEntry(job.cache.file, job.cache.key, documents, {
      manifest: job.path,
      items: items ?? itemDigestsOfFile(text, documents),
    });
  }
  return documents;
}

/** The digests of a one-document file's items, when there is one per developer entry. */
function itemDigestsOfFile(text: string, documents: CheckedDocument[]): string[] | undefined {
  const developers = (documents[0]?.value as ManifestDocument | undefined)?.developers;
  if (documents.length !== 1 || !developers?.length) return undefined;
  const items = itemDigestsOf(text);
  return items?.length === developers.length ? items : undefined;
}
