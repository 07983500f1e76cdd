// What the parts of the fast path pass each other: a parsed document that passed the schema, and
// its summary once it passed the checks of one document too.
import type { ParsedDocument } from '../parse.js';
import type { DocumentSummary } from '../summary.js';

export interface CheckedDocument extends ParsedDocument {
  /** Present once it passed the checks of one document (../validate.ts `checkDocument`). */
  summary?: DocumentSummary;
}

/**
 * The positions of a document that comes without them (its entries were reused, see reuse.ts, or
 * a parse worker left them out): whatever needs them reads them from the cache or parses the file
 * again. Such a document's `lineStarts` is empty.
 */
export const UNKNOWN_POSITIONS = -2;
