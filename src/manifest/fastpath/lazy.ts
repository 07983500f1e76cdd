// What the fast path hands the loader: documents whose value and positions may still be on disk
// (a cache entry) or gone (a fresh parse keeps none of a worker's positions). Nothing is read until
// a method asks: `value.load()`, `positions.read()`.
import type { LazyPositions, PositionSource } from '../positions.js';
import type { DocumentSummary } from '../summary.js';

/** A document's value that may have to be read from disk (the first time only). */
export interface LazyValue {
  load(): unknown;
}

/** A document the fast path checked: it parsed without any diagnostic and passed the schema. */
export interface LazyDocument {
  /** Present when it passed the checks of one document too (../validate.ts `checkDocument`). */
  readonly summary: DocumentSummary | undefined;
  /** Its value: in memory, or read from its cache entry (the file parsed again when that is damaged). */
  readonly value: LazyValue;
  /** Its positions: read from its cache entry, or by parsing the file again; holds no tree until read. */
  readonly positions: LazyPositions;
  /** A fresh parse's own positions, for messages while loading; undefined when none are in memory. */
  readonly heldPositions: PositionSource | undefined;
}

/**
 * One reader for each of a file's `count` documents; `load` runs once, when the first is called.
 * (Its own scope: what the readers keep is `load` and its result, nothing of their caller's.)
 */
export function readersOfFile<T>(count: number, load: () => T[]): Array<() => T> {
  let loaded: T[] | undefined;
  return Array.from({ length: count }, (_, i) => () => (loaded ??= load())[i]!);
}

/** The positions part of parsed documents, without their values (a reader keeps only what it needs). */
export function positionSources(documents: PositionSource[]): PositionSource[] {
  return documents.map(({ positions, lineStarts }) => ({ positions, lineStarts }));
}

export function heldValue(value: unknown): LazyValue {
  return { load: () => value };
}
