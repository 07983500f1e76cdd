// Parses one large manifest in pieces: the items of its top-level `developers:` block sequence in
// chunks (on the parse workers), the rest as a small skeleton, then stitches the pieces into
// exactly the document a whole-file parse gives. Composing a 36 MB file as one yaml Document
// takes about 3 GB and one core; in chunks it takes one chunk's syntax tree per worker.
//
// The item boundaries come from yaml's own Lexer, so they are exact: an item starts at a line
// whose first token is the `-` indicator, outside any flow collection, at the sequence's indent.
// Anything unusual (several documents, directives, anchors, aliases, tags, explicit keys, tabs
// in indentation, a byte order mark, a top level other than a block mapping holding `developers`
// as a block sequence) makes `scanDevelopers` give up: the file is then parsed whole, so a split
// parse never gives a result a whole-file parse would not. A piece with any diagnostic sends
// the file to the full path, which reports every diagnostic as always.
import { Lexer } from 'yaml';
import { MAPPING, parseFragment, parseManifestText, SEQUENCE, type ParsedDocument, type PositionTree } from './parse.js';

/** Items parsed together on one worker: enough to amortise a message, few enough to keep its syntax tree small. */
export const ITEMS_PER_CHUNK = 2000;

/** A run of whole items: `text.slice(start, end)` is a block sequence at the items' indent. */
export interface Chunk {
  start: number;
  end: number;
  items: number;
}

export interface DevelopersSplit {
  /** Where the line of the first item starts. */
  cutStart: number;
  /** Where the sequence ends: the start of the next top-level key's line, or the end of the text. */
  cutEnd: number;
  chunks: Chunk[];
}

/** A chunk's items, their position trees in whole-file offsets, and where their sequence starts. */
export interface ChunkResult {
  items: unknown[];
  trees: PositionTree[];
  offset: number;
}

type TreeNode = number | string | PositionTree;

const DOCUMENT = '\x02';
const SCALAR = '\x1f';
const FLOW_END = '\x18';
/** What stands in for the items in the skeleton: an empty sequence, indented to be the key's value. */
const EMPTY_SEQUENCE = ' []\n';
/** The items of `developers` sit two levels below the document's top (mapping, sequence). */
const ITEM_SEQUENCE_DEPTH = 1;

type Phase = 'head' | 'key' | 'after-key' | 'value' | 'items' | 'tail';
type TokenKind = 'scalar' | 'block-content' | 'space' | 'newline' | 'comment' | 'seq-item' | 'indicator' | 'flow-open' | 'flow-close' | 'block-header';

/** The split of a text's developers, all at once (see `scanDevelopers`); null: parse it whole. */
export function splitDevelopers(text: string, itemsPerChunk = ITEMS_PER_CHUNK): DevelopersSplit | null {
  const scan = scanDevelopers(text, itemsPerChunk);
  const chunks: Chunk[] = [];
  for (let step = scan.next(); ; step = scan.next()) {
    if (step.done) return step.value && { ...step.value, chunks };
    chunks.push(step.value);
  }
}

/**
 * Lexes the text, yielding each chunk of `itemsPerChunk` developers as soon as it is complete (so
 * that workers can parse it while the rest is lexed); returns where the sequence is cut, or null
 * when the file is not one this split handles (the chunks yielded must then be dropped).
 */
export function* scanDevelopers(text: string, itemsPerChunk: number): Generator<Chunk, Omit<DevelopersSplit, 'chunks'> | null> {
  if (text.includes('\uFEFF')) return null;
  let phase: Phase = 'head';
  let offset = 0;
  let documents = 0;
  let flowLevel = 0;
  let nextIsScalar = false;
  let blockScalarOpen = false;
  let lineIndent = -1; // -1: the current line's first token has been seen
  let itemIndent = -1;
  let cutStart = -1;
  let cutEnd = text.length;
  let chunk: Chunk | null = null;

  for (const token of new Lexer().lex(text)) {
    if (token === DOCUMENT) {
      if (++documents > 1) return null;
      continue;
    }
    if (token === FLOW_END) return null;
    if (token === SCALAR) {
      nextIsScalar = true;
      continue;
    }
    const at = offset;
    offset += token.length;
    const kind = nextIsScalar ? (blockScalarOpen ? 'block-content' : 'scalar') : kindOf(token);
    if (nextIsScalar) blockScalarOpen = nextIsScalar = false;
    if (kind === null || (kind === 'space' && token.includes('\t'))) return null;
    if (kind === 'block-header') blockScalarOpen = true;
    if (kind === 'flow-open') flowLevel++;
    if (kind === 'flow-close') flowLevel--;

    if (at === 0 || text.charCodeAt(at - 1) === 10) lineIndent = 0;
    if (lineIndent < 0 || kind === 'newline' || kind === 'comment' || kind === 'block-content') {
      if (phase === 'key') {
        if (token !== ':') return null;
        phase = 'after-key';
      } else if (phase === 'after-key') {
        if (kind === 'newline') phase = 'value';
        else if (kind !== 'space' && kind !== 'comment') return null;
      }
      continue;
    }
    if (kind === 'space') {
      lineIndent = token.length;
      continue;
    }
    // The first token of a line that holds more than a comment.
    const indent = lineIndent;
    const lineStart = at - indent;
    lineIndent = -1;
    if (phase === 'head') {
      if (indent === 0 && flowLevel === 0 && kind === 'scalar' && token === 'developers') phase = 'key';
    } else if (phase === 'value') {
      if (kind !== 'seq-item' || flowLevel > 0) return null;
      phase = 'items';
      itemIndent = indent;
      cutStart = lineStart;
      chunk = { start: lineStart, end: -1, items: 1 };
    } else if (phase === 'items') {
      if (flowLevel > 0) {
        if (indent <= itemIndent) return null;
      } else if (indent === itemIndent && kind === 'seq-item') {
        if (chunk!.items < itemsPerChunk) chunk!.items++;
        else {
          yield { ...chunk!, end: lineStart };
          chunk = { start: lineStart, end: -1, items: 1 };
        }
      } else if (indent === 0 && kind === 'scalar') {
        phase = 'tail';
        cutEnd = lineStart;
        yield { ...chunk!, end: cutEnd };
      } else if (indent <= itemIndent) {
        return null;
      }
    } else if (phase !== 'tail') {
      return null;
    }
  }
  if (phase === 'items') yield { ...chunk!, end: cutEnd };
  return documents === 1 && (phase === 'items' || phase === 'tail') ? { cutStart, cutEnd } : null;
}

/** What a lexer token is, from its source; null for anything this split does not handle. */
function kindOf(token: string): TokenKind | null {
  switch (token) {
    case '':
    case '\n':
    case '\r\n':
      return 'newline';
    case '-':
      return 'seq-item';
    case ':':
    case ',':
      return 'indicator';
    case '[':
    case '{':
      return 'flow-open';
    case ']':
    case '}':
      return 'flow-close';
  }
  switch (token[0]) {
    case ' ':
    case '\t':
      return 'space';
    case '#':
      return 'comment';
    case '"':
    case "'":
      return 'scalar';
    case '|':
    case '>':
      return 'block-header';
  }
  return null; // anchors, aliases, tags, `?`, directives, `---`, `...`
}

/** The file without its items: `developers` holds an empty sequence, the rest is untouched. */
export function skeletonText(text: string, split: Pick<DevelopersSplit, 'cutStart' | 'cutEnd'>): string {
  return text.slice(0, split.cutStart) + EMPTY_SEQUENCE + text.slice(split.cutEnd);
}

/** Parses one chunk: its items, or null when it has any diagnostic or not the items the lexer counted. */
export function parseChunk(text: string, base: number, items: number): ChunkResult | null {
  const parsed = parseFragment(text, base, ITEM_SEQUENCE_DEPTH);
  if (!parsed || !Array.isArray(parsed.value) || parsed.value.length !== items) return null;
  const tree = parsed.positions as PositionTree[];
  return { items: parsed.value, trees: tree.slice(2), offset: tree[1] as number };
}

/**
 * The whole file's document from its skeleton and its chunks' results (in order); null when the
 * skeleton has any diagnostic or is not the mapping the scan saw.
 */
export function stitchDocument(file: string, text: string, split: Omit<DevelopersSplit, 'chunks'>, chunks: ChunkResult[]): ParsedDocument | null {
  const skeleton = parseManifestText(file, skeletonText(text, split));
  const doc = skeleton.documents[0];
  if (skeleton.diagnostics.length > 0 || skeleton.documents.length !== 1 || !doc) return null;
  const tree = doc.positions;
  const value = doc.value as Record<string, unknown> | null;
  const entry = Array.isArray(tree) && tree[0] === MAPPING ? developersEntry(tree) : -1;
  const placeholder = entry < 0 ? undefined : (tree as TreeNode[])[entry + 2];
  if (!Array.isArray(placeholder) || placeholder.length !== 2 || !Array.isArray(value?.developers) || value.developers.length > 0) return null;

  const shifted = shiftAfter(tree, split.cutStart, split.cutEnd - split.cutStart - EMPTY_SEQUENCE.length) as TreeNode[];
  const items: unknown[] = [];
  const itemTrees: PositionTree[] = [SEQUENCE, chunks[0]?.offset ?? -1];
  for (const chunk of chunks) {
    for (let i = 0; i < chunk.items.length; i++) {
      items.push(chunk.items[i]);
      itemTrees.push(chunk.trees[i]!);
    }
  }
  shifted[entry + 2] = itemTrees;
  value!.developers = items;
  return { value, positions: shifted, lineStarts: lineStartsOf(text) };
}

function developersEntry(tree: TreeNode[]): number {
  for (let j = 2; j < tree.length; j += 3) if (tree[j] === 'developers') return j;
  return -1;
}

/** The tree with every offset at or after `from` moved by `delta` (keys and -1 untouched). */
function shiftAfter(tree: PositionTree, from: number, delta: number): PositionTree {
  if (typeof tree === 'number') return tree >= from ? tree + delta : tree;
  const mapping = tree[0] === MAPPING;
  return tree.map((node, i) => {
    if (i === 0 || (mapping && i >= 2 && (i - 2) % 3 === 0)) return node;
    return shiftAfter(node as PositionTree, from, delta);
  });
}

/** Where each line starts, as yaml's LineCounter records them: after every line feed. */
export function lineStartsOf(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

/** The split parse on this thread: the file's document, or null (see `splitDevelopers`, `stitchDocument`). */
export function parseSplitText(file: string, text: string, itemsPerChunk = ITEMS_PER_CHUNK): ParsedDocument | null {
  const split = splitDevelopers(text, itemsPerChunk);
  if (!split) return null;
  const chunks: ChunkResult[] = [];
  for (const chunk of split.chunks) {
    const result = parseChunk(text.slice(chunk.start, chunk.end), chunk.start, chunk.items);
    if (!result) return null;
    chunks.push(result);
  }
  return stitchDocument(file, text, split, chunks);
}
