// Parses one manifest file into plain data plus source positions.
//
// `parseManifestFile` is a pure function of (path, bytes) returning only plain, structured-clone
// friendly data, so it can be cached by content hash or run on a worker thread.
//
// Decisions:
// - Input is the raw bytes: decoding here lets invalid UTF-8 and NUL bytes be reported with a
//   line and column. A UTF-8 byte order mark is dropped; CRLF line ends work as LF.
// - A file must hold at least one document. In a file with several, a document that is empty or
//   only comments (say, after a trailing `---`) is skipped; a file with none is an error.
// - YAML 1.2 core schema: no `<<` merge keys, no custom tags; mapping keys must be scalars.
// - Nesting depth is checked on the CST before composing, because yaml's composer recurses and
//   would overflow the stack (or worse) on a hostile file.
// - Aliases share the anchored value rather than copying it, so converting never expands them;
//   but every consumer that walks the value does, so the nodes that aliases would add are counted
//   and capped (an alias bomb is refused in linear time).
import { Composer, isAlias, isMap, isScalar, isSeq, Lexer, LineCounter, Parser, visit } from 'yaml';
import type { CST, Document, ParsedNode, YAMLError } from 'yaml';
import type { Diagnostic, Location } from '../model.js';
import type { DocumentSummary } from './summary.js';

export interface Position {
  line: number;
  column: number;
}

export interface ParsedDocument {
  /** JSON-compatible data; a value reached through an alias is shared, not copied. */
  value: unknown;
  /** Where each value and mapping key starts, as offsets in a tree shaped like the value (see `PositionTree`). */
  positions: PositionTree;
  /** The offset where each line of the file starts (shared by the file's documents). */
  lineStarts: number[];
  /**
   * What a load needs of the document besides its value (summary.ts); present only once the
   * document passed the schema and the checks of one document (validate.ts `checkDocument`).
   */
  summary?: DocumentSummary;
  /** The positions without the value, read only when asked (the parse cache's entries have it). */
  positionSource?: PositionSource;
}

/** What a location needs of a document. */
export type PositionSource = Pick<ParsedDocument, 'positions' | 'lineStarts'>;

/**
 * A document's positions, to keep for messages after its value is gone: the cache's lazy ones, or
 * a fresh parse's own.
 */
export function positionSourceOf(doc: ParsedDocument): PositionSource {
  return doc.positionSource ?? { positions: doc.positions, lineStarts: doc.lineStarts };
}

/** The positions of a file's `count` documents, produced by `load` only when one is first read. */
export function lazyPositionSources(count: number, load: () => PositionSource[]): PositionSource[] {
  let loaded: PositionSource[] | undefined;
  const at = (i: number) => (loaded ??= load())[i]!;
  return Array.from({ length: count }, (_, i) => ({
    get positions() {
      return at(i).positions;
    },
    get lineStarts() {
      return at(i).lineStarts;
    },
  }));
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
/**
 * The positions of a document that come without them (its entries were reused, see reuse.ts, or
 * a parse worker left them out): whatever needs them reads them from the cache or parses the file
 * again. Such a document's `lineStarts` is empty.
 */
export const UNKNOWN_POSITIONS = -2;

export interface ParsedFile {
  file: string;
  documents: ParsedDocument[];
  diagnostics: Diagnostic[];
}

export const MAX_NESTING_DEPTH = 64;
/** How many nodes the aliases of one document may add when expanded. */
export const MAX_ALIAS_EXPANSION = 100_000;

export function parseManifestFile(file: string, bytes: Uint8Array): ParsedFile {
  const decoded = decodeManifestText(file, bytes);
  return 'text' in decoded ? parseManifestText(file, decoded.text) : decoded.failed;
}

/** The file's text, or the file's one diagnostic when it is not UTF-8 text. */
export function decodeManifestText(file: string, bytes: Uint8Array): { text: string } | { failed: ParsedFile } {
  const decoded = decodeUtf8(bytes);
  if (decoded.error) return { failed: failed(file, decoded.error.message, decoded.error.position) };
  const text = decoded.text;
  const nul = text.indexOf('\0');
  if (nul >= 0) {
    return { failed: failed(file, 'file contains a NUL byte; manifests must be UTF-8 text', positionInText(text, nul)) };
  }
  return { text };
}

export function parseManifestText(file: string, text: string): ParsedFile {
  const lineCounter = new LineCounter();
  const position = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  let tokens: CST.Token[] | null = Array.from(new Parser(lineCounter.addNewLine).parse(text));
  const tooDeep = findTooDeepToken(tokens, MAX_NESTING_DEPTH);
  if (tooDeep) {
    return failed(file, `nesting deeper than ${MAX_NESTING_DEPTH} levels; a manifest needs far fewer`, position(tooDeep.offset));
  }

  const result: ParsedFile = { file, documents: [], diagnostics: [] };
  const composer = new Composer({ uniqueKeys: true });
  const docs: Array<Document.Parsed | null> = Array.from(composer.compose(tokens, true, text.length));
  // Neither the syntax tree once composed nor a document once converted is needed any more: for
  // a large file, holding them while converting would double the memory it takes.
  tokens = null;
  for (let i = 0; i < docs.length; i++) {
    const doc = docs[i]!;
    docs[i] = null;
    const diagnostics = yamlDiagnostics(doc, file, position);
    result.diagnostics.push(...diagnostics);
    if (diagnostics.some((d) => d.severity === 'error') || isEmptyDocument(doc)) continue;
    const converted = convertDocument(doc, file, position, lineCounter.lineStarts);
    if ('error' in converted) result.diagnostics.push(converted.error);
    else result.documents.push(converted);
  }
  if (result.documents.length === 0 && !result.diagnostics.some((d) => d.severity === 'error')) {
    result.diagnostics.push(error(file, 'file has no manifest document; every *.yaml, *.yml and *.json file found must be a manifest starting with `version: 1`', { line: 1, column: 1 }));
  }
  return result;
}

/**
 * Parses a piece of a file: one YAML node that sits `depth` levels deep in the file and starts
 * at `base`, so that its positions are the file's and the depth limit counts as in the file.
 * `accept` sees every lexical token first and may refuse the piece. Null when the piece has any
 * diagnostic, or is not exactly one non-empty document.
 */
export function parseFragment(
  text: string,
  base: number,
  depth: number,
  accept: (lexeme: string) => boolean,
): Pick<ParsedDocument, 'value' | 'positions'> | 'refused' | null {
  let tokens: CST.Token[] | null = [];
  const parser = new Parser();
  for (const lexeme of new Lexer().lex(text)) {
    if (!accept(lexeme)) return 'refused';
    for (const token of parser.next(lexeme)) tokens.push(token);
  }
  for (const token of parser.end()) tokens.push(token);
  if (findTooDeepToken(tokens, MAX_NESTING_DEPTH - depth)) return null;
  const docs = Array.from(new Composer({ uniqueKeys: true }).compose(tokens, true, text.length));
  tokens = null;
  const doc = docs[0];
  if (docs.length !== 1 || !doc || doc.errors.length > 0 || doc.warnings.length > 0 || isEmptyDocument(doc)) return null;
  const converted = convertDocument(doc, '', () => ({ line: 0, column: 0 }), [], base);
  return 'error' in converted ? null : { value: converted.value, positions: converted.positions };
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
  return '/' + String(key).replace(/~/g, '~0').replace(/\//g, '~1');
}

function failed(file: string, message: string, position: Position): ParsedFile {
  return { file, documents: [], diagnostics: [error(file, message, position)] };
}

function error(file: string, message: string, position: Position): Diagnostic {
  return { severity: 'error', message, location: { file, ...position } };
}

type Decoded = { text: string; error?: undefined } | { text?: undefined; error: { message: string; position: Position } };

function decodeUtf8(bytes: Uint8Array): Decoded {
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    return { error: { message: 'file is not valid UTF-8; save it as UTF-8 text', position: locateInvalidUtf8(bytes) } };
  }
}

/** Newline bytes never occur inside a multi-byte UTF-8 sequence, so the first bad line can be decoded alone. */
function locateInvalidUtf8(bytes: Uint8Array): Position {
  for (let start = 0, line = 1; start <= bytes.length; line++) {
    const newline = bytes.indexOf(0x0a, start);
    const end = newline < 0 ? bytes.length : newline;
    const lineBytes = bytes.subarray(start, end);
    if (!decodesAsUtf8(lineBytes, false)) return { line, column: validPrefixText(lineBytes).length + 1 };
    start = end + 1;
  }
  return { line: 1, column: 1 };
}

function decodesAsUtf8(bytes: Uint8Array, stream: boolean): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream });
    return true;
  } catch {
    return false;
  }
}

/** The text of the longest prefix that is valid UTF-8 (ignoring a sequence cut short at its end). */
function validPrefixText(bytes: Uint8Array): string {
  let low = 0;
  let high = bytes.length;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (decodesAsUtf8(bytes.subarray(0, mid), true)) low = mid;
    else high = mid - 1;
  }
  return new TextDecoder('utf-8').decode(bytes.subarray(0, low), { stream: true });
}

function positionInText(text: string, offset: number): Position {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return { line, column: offset - lineStart + 1 };
}

/** Walks the CST iteratively: the first token nested deeper than allowed, if any. */
function findTooDeepToken(tokens: CST.Token[], maxDepth: number): CST.Token | undefined {
  const stack: Array<{ token: CST.Token; depth: number }> = tokens.map((token) => ({ token, depth: 0 }));
  for (let entry = stack.pop(); entry; entry = stack.pop()) {
    const { token, depth } = entry;
    if (depth > maxDepth) return token;
    if (token.type === 'document' && token.value) stack.push({ token: token.value, depth });
    if (token.type === 'block-map' || token.type === 'block-seq' || token.type === 'flow-collection') {
      for (const item of token.items) {
        if (item.key) stack.push({ token: item.key, depth: depth + 1 });
        if (item.value) stack.push({ token: item.value, depth: depth + 1 });
      }
    }
  }
  return undefined;
}

function yamlDiagnostics(doc: Document.Parsed, file: string, position: (offset: number) => Position): Diagnostic[] {
  const fromYaml = (severity: Diagnostic['severity']) => (e: YAMLError): Diagnostic => ({
    severity,
    message: e.code === 'DUPLICATE_KEY' ? `duplicate key \`${keyAt(doc, e.pos[0])}\`; a key may appear once per mapping` : e.message,
    location: { file, ...position(e.pos[0]) },
  });
  return [...doc.errors.map(fromYaml('error')), ...doc.warnings.map(fromYaml('warning'))];
}

function keyAt(doc: Document.Parsed, offset: number): string {
  let key = '';
  visit(doc, {
    Pair(_, pair) {
      if (!isScalar(pair.key) || pair.key.range?.[0] !== offset) return undefined;
      key = String(pair.key.value);
      return visit.BREAK;
    },
  });
  return key;
}

function isEmptyDocument(doc: Document.Parsed): boolean {
  const contents = doc.contents;
  return contents === null || (isScalar(contents) && contents.value === null && contents.range[0] === contents.range[1]);
}

class ConversionError extends Error {
  constructor(message: string, readonly offset: number) {
    super(message);
  }
}

type Converted = { value: unknown; size: number; tree: PositionTree };

/** Converts a composed document to plain values, recording where each one starts. */
function convertDocument(
  doc: Document.Parsed,
  file: string,
  position: (offset: number) => Position,
  lineStarts: number[],
  base = 0,
): ParsedDocument | { error: Diagnostic } {
  const anchors = new Map<string, Converted>();
  const openAnchors = new Set<string>();
  let aliasExpansion = 0;

  const convert = (node: ParsedNode | null): Converted => {
    if (node === null) return { value: null, size: 1, tree: -1 };
    if (isAlias(node)) {
      const target = anchors.get(node.source);
      if (!target) {
        const why = openAnchors.has(node.source) ? 'refers to a node that contains it' : 'has no anchor defined before it';
        throw new ConversionError(`alias *${node.source} ${why}`, node.range[0]);
      }
      aliasExpansion += target.size;
      if (aliasExpansion > MAX_ALIAS_EXPANSION) {
        throw new ConversionError(`aliases expand to more than ${MAX_ALIAS_EXPANSION} values; refusing a likely alias bomb`, node.range[0]);
      }
      // Positions inside an alias are those of the alias itself.
      return { value: target.value, size: target.size, tree: base + node.range[0] };
    }
    if (!node.anchor) return convertValue(node);
    openAnchors.add(node.anchor);
    const result = convertValue(node);
    openAnchors.delete(node.anchor);
    anchors.set(node.anchor, result);
    return result;
  };

  const convertValue = (node: ParsedNode): Converted => {
    if (isScalar(node)) {
      if (isPlainScalar(node.value)) return { value: node.value, size: 1, tree: base + node.range[0] };
      const tag = node.tag?.replace('tag:yaml.org,2002:', '!!');
      throw new ConversionError(`unsupported YAML tag ${tag}; write a plain string, number or boolean`, node.range[0]);
    }
    if (isSeq(node)) {
      const value: unknown[] = [];
      const tree: Array<number | string | PositionTree> = [SEQUENCE, base + node.range[0]];
      let size = 1;
      for (const item of node.items) {
        const child = convert(item as ParsedNode | null);
        value.push(child.value);
        tree.push(child.tree);
        size += child.size;
      }
      return { value, size, tree };
    }
    if (isMap(node)) {
      const value: Record<string, unknown> = {};
      const tree: Array<number | string | PositionTree> = [MAPPING, base + node.range[0]];
      let size = 1;
      for (const pair of node.items) {
        const keyNode = pair.key as ParsedNode | null;
        const key = mappingKey(keyNode, node.range[0]);
        const child = convert(pair.value as ParsedNode | null);
        setOwn(value, key, child.value);
        tree.push(key, base + (keyNode?.range[0] ?? node.range[0]), child.tree);
        size += child.size;
      }
      return { value, size, tree };
    }
    throw new ConversionError('unsupported YAML node', node.range[0]);
  };

  try {
    const { value, tree } = convert(doc.contents);
    return { value, positions: tree, lineStarts };
  } catch (e) {
    if (!(e instanceof ConversionError)) throw e;
    return { error: error(file, e.message, position(e.offset)) };
  }
}

/** Assigning a `__proto__` key would replace the prototype; defining it is slower, so only for that key. */
function setOwn(object: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
  else object[key] = value;
}

function isPlainScalar(value: unknown): value is string | number | boolean | null {
  return value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function mappingKey(key: ParsedNode | null, mapOffset: number): string {
  if (isScalar(key) && key.value !== null && isPlainScalar(key.value)) return String(key.value);
  throw new ConversionError('mapping keys must be plain strings', key?.range[0] ?? mapOffset);
}
