// Where a document's values and mapping keys are written, kept compactly, and how a message finds
// the line and column of a JSON pointer from them.
import type { Location } from '../model.js';

export interface Position {
  line: number;
  column: number;
}

/**
 * Source offsets, compact (no pointer strings, no objects per value), so that many large files'
 * positions stay cheap to build, keep, send between threads and cache:
 * - a scalar or an alias: the offset where it starts; -1 for no node at all;
 * - a sequence: [SEQUENCE, offset, ...the items' trees];
 * - a mapping: [MAPPING, offset, ...key, key offset, value's tree, for each entry in order].
 */
export type PositionTree = number | Array<number | string | PositionTree>;
export const SEQUENCE = 0;
export const MAPPING = 1;

/** What a location needs of a document: its position tree, and where each line of its file starts. */
export interface PositionSource {
  positions: PositionTree;
  /** The offset where each line of the file starts (shared by the file's documents). */
  lineStarts: number[];
}

/**
 * A document's positions that may not be in memory: `read()` may read a cache entry or parse the
 * file again, the first time only. Kept for messages; nothing reads them until one needs a location.
 */
export interface LazyPositions {
  read(): PositionSource;
}

/** The location of `pointer` in a document, or of its nearest ancestor that has one. */
export function locate(file: string, doc: PositionSource, pointer: string, at: 'value' | 'key' = 'value'): Location {
  let tree = doc.positions;
  let found = offsetOf(tree);
  // Walks the pointer's segments without splitting it: this runs for every developer and credential.
  for (let start = 1; start <= pointer.length && Array.isArray(tree); ) {
    let end = pointer.indexOf('/', start);
    if (end < 0) end = pointer.length;
    let segment = pointer.slice(start, end);
    if (segment.includes('~')) segment = segment.replace(/~1/g, '/').replace(/~0/g, '~');
    const last = end === pointer.length;
    start = end + 1;
    let child: PositionTree | undefined;
    let keyOffset: number | undefined;
    if (tree[0] === SEQUENCE) {
      const index = Number(segment);
      if (String(index) === segment && index >= 0 && index < tree.length - 2) child = tree[2 + index] as PositionTree;
    } else {
      for (let j = 2; j < tree.length; j += 3) {
        if (tree[j] !== segment) continue;
        keyOffset = tree[j + 1] as number;
        child = tree[j + 2] as PositionTree;
        break;
      }
    }
    if (child === undefined) break;
    if (at === 'key' && keyOffset !== undefined && last) return positionOf(file, doc.lineStarts, keyOffset);
    const offset = offsetOf(child);
    if (offset < 0) break;
    found = offset;
    tree = child;
  }
  return found < 0 ? { file, line: 1, column: 1 } : positionOf(file, doc.lineStarts, found);
}

function offsetOf(tree: PositionTree): number {
  return typeof tree === 'number' ? tree : (tree[1] as number);
}

/** 1-based line and column of an offset, as yaml's LineCounter computes them. */
function positionOf(file: string, lineStarts: number[], offset: number): Location {
  let low = 0;
  let high = lineStarts.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (lineStarts[mid]! < offset) low = mid + 1;
    else high = mid;
  }
  if (lineStarts[low] === offset) return { file, line: low + 1, column: 1 };
  if (low === 0) return { file, line: 0, column: offset };
  return { file, line: low, column: offset - lineStarts[low - 1]! + 1 };
}

export function pointerSegment(key: string | number): string {
  return `/${String(key).replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

/** One parsed YAML document: its value, with the positions of what it holds. */
export interface ParsedDocument extends PositionSource {
  /** JSON-compatible data; a value reached through an alias is shared, not copied. */
  value: unknown;
}
