// Parses one large manifest in pieces: the items of its top-level `developers:` block sequence in
// chunks (on the parse workers), the rest as a small skeleton, then stitches the pieces into
// exactly the document a whole-file parse gives. Composed as one yaml Document, a large file holds
// its whole syntax tree at once on one core; in chunks it takes one chunk's tree per worker.
//
// Where the pieces are cut:
// - the head, up to the line of the first item, is followed with yaml's own Lexer, exactly;
// - the items are cut by their lines, without lexing them here (lexing a large file on the main
//   thread would cost a good part of what the workers save): an item starts at a line of exactly the first
//   item's indent followed by `- `, and the sequence ends at the first line indented less (a
//   top-level key). A line like that is an item start (or the end) in any valid file: a block
//   scalar ends at a line indented that little, and a quoted scalar or flow collection open
//   across such a line is an error in the file and, cut there, an unterminated one in the chunk;
// - each chunk is lexed and parsed on a worker, must have no diagnostic and hold exactly the items
//   counted for it; the skeleton likewise on the main thread.
// Anything unusual (several documents, directives, anchors, aliases, tags, explicit keys, tabs
// in indentation, a byte order mark, a top level other than a block mapping holding `developers`
// as a block sequence) makes the split give up and the file be parsed whole, so a split parse
// never gives a result a whole-file parse would not. A piece with any diagnostic sends the file
// to the full path, which reports every diagnostic as always.
import { Lexer } from 'yaml';
import { parseFragment, parseManifestText, type ParsedDocument } from '../parse.js';
import { MAPPING, SEQUENCE, type PositionTree } from '../positions.js';
import { UNKNOWN_POSITIONS } from './checked.js';

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
type TokenKind =
  | 'scalar'
  | 'block-content'
  | 'space'
  | 'newline'
  | 'comment'
  | 'seq-item'
  | 'indicator'
  | 'flow-open'
  | 'flow-close'
  | 'block-header';

const DOCUMENT = '\x02';
const SCALAR = '\x1f';
const FLOW_END = '\x18';
/** What stands in for the items in the skeleton: an empty sequence, indented to be the key's value. */
const EMPTY_SEQUENCE = ' []\n';
/** The items of `developers` sit two levels below the document's top (mapping, sequence). */
const ITEM_SEQUENCE_DEPTH = 1;

/** Where a text's developers are cut into chunks of `itemsPerChunk`; null: parse it whole. */
export function splitDevelopers(text: string, itemsPerChunk = ITEMS_PER_CHUNK): DevelopersSplit | null {
  if (text.includes('\uFEFF')) return null;
  const first = findFirstItem(text);
  const split = first && cutItems(text, first.lineStart, first.indent, itemsPerChunk);
  return split && acceptsAllTokens(skeletonText(text, split)) ? split : null;
}

/**
 * Reads the lexer's tokens one at a time, as yaml's Parser counts them: the offset, the nesting
 * of flow collections and, for each line that holds more than a comment, its indent and first
 * token. Refuses what the split does not handle.
 */
class TokenWalk {
  offset = 0;
  documents = 0;
  flowLevel = 0;
  /** Set by `step` when the token is the first of a line with content. */
  lineFirst: { kind: TokenKind; indent: number; lineStart: number } | null = null;
  private nextIsScalar = false;
  private blockScalarOpen = false;
  private lineIndent = -1; // -1: the current line's first token has been seen

  constructor(private readonly text: string) {}

  /** False once the walk meets a token it refuses. */
  step(token: string): boolean {
    this.lineFirst = null;
    if (token === DOCUMENT) return ++this.documents === 1;
    if (token === FLOW_END) return false;
    if (token === SCALAR) return (this.nextIsScalar = true);
    const at = this.offset;
    this.offset += token.length;
    const kind = this.nextIsScalar ? (this.blockScalarOpen ? 'block-content' : 'scalar') : kindOf(token);
    if (this.nextIsScalar) this.blockScalarOpen = this.nextIsScalar = false;
    if (kind === null || (kind === 'space' && token.includes('\t'))) return false;
    if (kind === 'block-header') this.blockScalarOpen = true;
    else if (kind === 'flow-open') this.flowLevel++;
    else if (kind === 'flow-close') this.flowLevel--;

    if (at === 0 || this.text.charCodeAt(at - 1) === 10) this.lineIndent = 0;
    if (this.lineIndent < 0 || kind === 'newline' || kind === 'comment' || kind === 'block-content') return true;
    if (kind === 'space') {
      this.lineIndent = token.length;
      return true;
    }
    this.lineFirst = { kind, indent: this.lineIndent, lineStart: at - this.lineIndent };
    this.lineIndent = -1;
    return true;
  }
}

/** Whether every token of the text is one the split handles, in one document. */
function acceptsAllTokens(text: string): boolean {
  const walk = new TokenWalk(text);
  for (const token of new Lexer().lex(text)) if (!walk.step(token)) return false;
  return walk.documents === 1;
}

/** A filter for `parseFragment`: accepts the tokens of a chunk while they are all ones the split handles. */
function chunkTokenFilter(text: string): (token: string) => boolean {
  const walk = new TokenWalk(text);
  return (token) => walk.step(token);
}

/**
 * The line of the first item of the top-level `developers:` block sequence, and its indent: the
 * key must be a plain `developers` at the start of a line, with nothing but a comment after
 * its colon, and the next line with content must start with `-`.
 */
function findFirstItem(text: string): { lineStart: number; indent: number } | null {
  const walk = new TokenWalk(text);
  let phase: 'head' | 'key' | 'after-key' | 'value' = 'head';
  for (const token of new Lexer().lex(text)) {
    if (!walk.step(token)) return null;
    const first = walk.lineFirst;
    if (phase === 'head') {
      if (first?.indent === 0 && first.kind === 'scalar' && token === 'developers' && walk.flowLevel === 0)
        phase = 'key';
    } else if (phase === 'key') {
      if (token !== ':') return null;
      phase = 'after-key';
    } else if (phase === 'after-key') {
      if (token === '\n' || token === '\r\n') phase = 'value';
      else if (token[0] !== ' ' && token[0] !== '#') return null;
    } else if (first) {
      return first.kind === 'seq-item' && walk.flowLevel === 0
        ? { lineStart: first.lineStart, indent: first.indent }
        : null;
    }
  }
  return null;
}

/**
 * Cuts the sequence's items into chunks by their lines (see the top of this file); null at a line
 * indented no more than the items that neither starts an item nor ends the sequence.
 */
function cutItems(text: string, cutStart: number, indent: number, itemsPerChunk: number): DevelopersSplit | null {
  const chunks: Chunk[] = [];
  let chunk: Chunk = { start: cutStart, end: -1, items: 0 };
  let cutEnd = text.length;
  for (let lineStart = cutStart; lineStart < text.length; ) {
    const newline = text.indexOf('\n', lineStart);
    const nextLine = newline < 0 ? text.length : newline + 1;
    const line = classifyLine(text, lineStart, nextLine, indent);
    if (line === 'unusual') return null;
    if (line === 'end') {
      cutEnd = lineStart;
      break;
    }
    if (line === 'item') {
      if (chunk.items === itemsPerChunk) {
        chunks.push({ ...chunk, end: lineStart });
        chunk = { start: lineStart, end: -1, items: 0 };
      }
      chunk.items++;
    }
    lineStart = nextLine;
  }
  chunks.push({ ...chunk, end: cutEnd });
  return { cutStart, cutEnd, chunks };
}

/** What a line of the items is: an item's first line, inside an item (or blank, or a comment), the sequence's end, or unusual. */
function classifyLine(
  text: string,
  lineStart: number,
  nextLine: number,
  itemIndent: number,
): 'item' | 'inside' | 'end' | 'unusual' {
  let i = lineStart;
  while (text.charCodeAt(i) === 32) i++;
  const indent = i - lineStart;
  const c = text[i];
  if (i >= nextLine || c === '\n' || c === '#' || (c === '\r' && text[i + 1] === '\n')) return 'inside';
  if (indent > itemIndent) return 'inside';
  const after = text[i + 1];
  if (indent === itemIndent && c === '-' && (after === ' ' || after === '\n' || after === '\r' || after === undefined))
    return 'item';
  if (indent === 0 && c !== '\t' && c !== '\r') return 'end';
  return 'unusual';
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

/**
 * Parses one chunk: its items; 'refused' when it holds a token the split does not handle (parse
 * the file whole); null when it has any diagnostic or not the items counted for it.
 */
export function parseChunk(text: string, base: number, items: number): ChunkResult | 'refused' | null {
  const parsed = parseFragment(text, base, ITEM_SEQUENCE_DEPTH, chunkTokenFilter(text));
  if (parsed === 'refused') return parsed;
  if (!parsed || !Array.isArray(parsed.value) || parsed.value.length !== items) return null;
  const tree = parsed.positions as PositionTree[];
  return { items: parsed.value, trees: tree.slice(2), offset: tree[1] as number };
}

/**
 * The whole file's document from its skeleton and its chunks' results (in order); null when the
 * skeleton has any diagnostic or is not the mapping the scan saw.
 */
export function stitchDocument(
  file: string,
  text: string,
  split: Omit<DevelopersSplit, 'chunks'>,
  chunks: ChunkResult[],
): ParsedDocument | null {
  const skeleton = parseSkeleton(file, text, split);
  if (!skeleton) return null;
  const { value, tree, entry } = skeleton;
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
  value.developers = items;
  return { value, positions: shifted, lineStarts: lineStartsOf(text) };
}

/**
 * The whole file's value from its skeleton and the values of its items, without positions (see
 * UNKNOWN_POSITIONS); null as for `stitchDocument`.
 */
export function stitchValues(
  file: string,
  text: string,
  split: Omit<DevelopersSplit, 'chunks'>,
  items: unknown[],
): ParsedDocument | null {
  const skeleton = parseSkeleton(file, text, split);
  if (!skeleton) return null;
  skeleton.value.developers = items;
  return { value: skeleton.value, positions: UNKNOWN_POSITIONS, lineStarts: [] };
}

/** The skeleton's value and positions, and where `developers` is among the positions; null unless it is the mapping the scan saw. */
function parseSkeleton(
  file: string,
  text: string,
  split: Omit<DevelopersSplit, 'chunks'>,
): { value: Record<string, unknown>; tree: TreeNode[]; entry: number } | null {
  const skeleton = parseManifestText(file, skeletonText(text, split));
  const doc = skeleton.documents[0];
  if (skeleton.diagnostics.length > 0 || skeleton.documents.length !== 1 || !doc) return null;
  const tree = doc.positions;
  const value = doc.value as Record<string, unknown> | null;
  const entry = Array.isArray(tree) && tree[0] === MAPPING ? developersEntry(tree) : -1;
  const placeholder = entry < 0 ? undefined : (tree as TreeNode[])[entry + 2];
  if (
    !Array.isArray(placeholder) ||
    placeholder.length !== 2 ||
    !Array.isArray(value?.developers) ||
    value.developers.length > 0
  )
    return null;
  return { value: value!, tree: tree as TreeNode[], entry };
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

/** The split parse on this thread: the file's document, or null when it is refused or has a diagnostic. */
export function parseSplitText(file: string, text: string, itemsPerChunk = ITEMS_PER_CHUNK): ParsedDocument | null {
  const split = splitDevelopers(text, itemsPerChunk);
  if (!split) return null;
  const chunks: ChunkResult[] = [];
  for (const chunk of split.chunks) {
    const result = parseChunk(text.slice(chunk.start, chunk.end), chunk.start, chunk.items);
    if (!result || result === 'refused') return null;
    chunks.push(result);
  }
  return stitchDocument(file, text, split, chunks);
}
