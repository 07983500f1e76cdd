// Parses one manifest file into plain data plus source positions.
//
// `parseManifestFile` is a pure function of (path, bytes) returning only plain, structured-clone
// friendly data, so it can be cached by content hash or run on a worker thread.
//
// Decisions:
// - Input is the raw bytes: decoding here (decode.ts) lets invalid UTF-8 and NUL bytes be reported
//   with a line and column. A UTF-8 byte order mark is dropped; CRLF line ends work as LF.
// - A file must hold at least one document. In a file with several, a document that is empty or
//   only comments (say, after a trailing `---`) is skipped; a file with none is an error.
// - YAML 1.2 core schema: no `<<` merge keys, no tags but the core ones (`!!str`…); mapping keys
//   must be scalars. A string may not hold a NUL or a lone surrogate (convert.ts).
// - Nesting depth is checked on the CST before composing, because yaml's composer recurses and
//   would overflow the stack (or worse) on a hostile file.
// - Aliases share the anchored value rather than copying it, so converting never expands them;
//   but every consumer that walks the value does, so the nodes that aliases would add are counted
//   and capped (an alias bomb is refused in linear time).
//
// Conversion to plain values is convert.ts; positions and locations, positions.ts.
import { Composer, Lexer, LineCounter, Parser, isScalar, visit } from 'yaml';
import type { CST, Document, YAMLError } from 'yaml';
import type { Diagnostic } from '../model.js';
import { escapeForMessage, quoteForMessage } from '../util/strings.js';
import { convertDocument, unsupportedTag } from './convert.js';
import { decodeManifestBytes } from './decode.js';
import type { ParsedDocument, Position } from './positions.js';

/** A parsed document: JSON-compatible data, and where each of its values is written. */
export type { ParsedDocument } from './positions.js';

export interface ParsedFile {
  file: string;
  documents: ParsedDocument[];
  diagnostics: Diagnostic[];
}

export const MAX_NESTING_DEPTH = 64;

export function parseManifestFile(file: string, bytes: Uint8Array): ParsedFile {
  const decoded = decodeManifestText(file, bytes);
  return 'text' in decoded ? parseManifestText(file, decoded.text) : decoded.failed;
}

/** The file's text, or the file's one diagnostic when it is not UTF-8 text. */
export function decodeManifestText(file: string, bytes: Uint8Array): { text: string } | { failed: ParsedFile } {
  const decoded = decodeManifestBytes(bytes);
  return 'text' in decoded ? decoded : { failed: failed(file, decoded.error.message, decoded.error.position) };
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
    return failed(
      file,
      `nesting deeper than ${MAX_NESTING_DEPTH} levels; a manifest needs far fewer`,
      position(tooDeep.offset),
    );
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
    result.diagnostics.push(
      error(
        file,
        'file has no manifest document; every *.yaml, *.yml and *.json file found must be a manifest starting with `version: 1`',
        { line: 1, column: 1 },
      ),
    );
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
  if (docs.length !== 1 || !doc || doc.errors.length > 0 || doc.warnings.length > 0 || isEmptyDocument(doc))
    return null;
  const converted = convertDocument(doc, '', () => ({ line: 0, column: 0 }), [], base);
  return 'error' in converted ? null : { value: converted.value, positions: converted.positions };
}
function failed(file: string, message: string, position: Position): ParsedFile {
  return { file, documents: [], diagnostics: [error(file, message, position)] };
}

function error(file: string, message: string, position: Position): Diagnostic {
  return { severity: 'error', message, location: { file, ...position } };
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
  const fromYaml =
    (severity: Diagnostic['severity']) =>
    (e: YAMLError): Diagnostic => {
      // A tag yaml cannot resolve is only a warning to yaml, and leaves a plain string: a manifest refuses it.
      const tag = e.code === 'TAG_RESOLVE_FAILED' ? /^Unresolved tag: (.*)$/s.exec(e.message)?.[1] : undefined;
      return {
        severity: tag === undefined ? severity : 'error',
        message:
          tag !== undefined
            ? unsupportedTag(tag)
            : e.code === 'DUPLICATE_KEY'
              ? `duplicate key ${quoteForMessage(keyAt(doc, e.pos[0]), 'code')}; a key may appear once per mapping`
              : escapeForMessage(e.message),
        location: { file, ...position(e.pos[0]) },
      };
    };
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
  return (
    contents === null || (isScalar(contents) && contents.value === null && contents.range[0] === contents.range[1])
  );
}
