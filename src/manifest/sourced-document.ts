// The documents the checks of a manifest set read, and how a message points into them: shared by
// the checks of the set (validate.ts), of unique values (unique-values.ts) and of `moved` blocks
// (moved-check.ts).
import type { Diagnostic, Location } from '../model.js';
import { CREDENTIAL_SPECS } from '../model.js';
import { quoteForMessage } from '../util/strings.js';
import { locate, type LazyPositions, type PositionSource } from './positions.js';
import type { ManifestCredential, ManifestDeveloper } from './schema.js';
import type { DocumentSummary, EntrySummary } from './summary.js';

/**
 * A document that passed the schema. Its developer entries and its positions may still be on disk
 * (a cache entry): they are read by calling `developers.load()` or `readPositions()`, and only then.
 */
export interface SourcedDocument {
  file: string;
  /** Everything it says but its developers (`portal`, `moved`). */
  fields: DocumentSummary['rest'];
  /** A summary of each developer entry, in order (summary.ts): what the checks of the set read. */
  entries: EntrySummary[];
  /** Whether it passed the checks of one document already (on the fast path, perhaps in an earlier run). */
  checked: boolean;
  developers: LazyDevelopers;
  /** Its positions, for a message during the load. */
  readPositions(): PositionSource;
  /** Its positions, for messages after the load: holds no position tree until one is read. */
  positions: LazyPositions;
}

/** A document's developer entries, which may have to be read from disk (the first time only). */
export interface LazyDevelopers {
  load(): ManifestDeveloper[];
}

/** What the checks of one document need besides its entries: where it is written, for messages. */
export type DocumentSite = Pick<SourcedDocument, 'file' | 'readPositions'>;

export interface ValidationContext {
  /** Paths in messages are relative to it. */
  cwd: string;
  /** The resolved value of a credential's secret field, when known. */
  secretValue(doc: SourcedDocument, developer: number, credential: number, field: string): string | undefined;
}

/** A developer entry; its pointer is built only for a message. */
export interface DeclaredDeveloper {
  doc: SourcedDocument;
  index: number;
  entry: EntrySummary;
  /** Lower-case. */
  email: string;
}

/** A developer entry with its value, for the checks of one document. */
export interface WrittenDeveloper {
  doc: DocumentSite;
  index: number;
  value: ManifestDeveloper;
}

export function pointerOf(developer: { index: number }, rest = ''): string {
  return `/developers/${developer.index}${rest}`;
}

export function quoted(value: string): string {
  return quoteForMessage(value, 'double');
}

export function at(doc: DocumentSite, pointer: string, part: 'key' | 'value' = 'value'): Location {
  return locate(doc.file, doc.readPositions(), pointer, part);
}

export function error(message: string, location: Location): Diagnostic {
  return { severity: 'error', message, location };
}

export function identityOf(credential: ManifestCredential): string {
  return String((credential as Record<string, unknown>)[CREDENTIAL_SPECS[credential.type].identityField]);
}
