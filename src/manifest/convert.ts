// Converts a composed YAML document to plain values and a position tree (positions.ts), refusing
// what a manifest may not hold: tags, non-scalar keys, and aliases that expand too far.
import { isAlias, isMap, isScalar, isSeq } from 'yaml';
import type { Document, ParsedNode } from 'yaml';
import type { Diagnostic } from '../model.js';
import { codePointName, quoteForMessage } from '../util/strings.js';
import { MAPPING, SEQUENCE, type ParsedDocument, type Position, type PositionTree } from './positions.js';

/** How many nodes the aliases of one document may add when expanded. */
export const MAX_ALIAS_EXPANSION = 100_000;

class ConversionError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

type Converted = { value: unknown; size: number; tree: PositionTree };

/** Converts a composed document to plain values, recording where each one starts. */
export function convertDocument(
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
        const why = openAnchors.has(node.source)
          ? 'refers to a node that contains it'
          : 'has no anchor defined before it';
        throw new ConversionError(`alias *${quoteForMessage(node.source)} ${why}`, node.range[0]);
      }
      aliasExpansion += target.size;
      if (aliasExpansion > MAX_ALIAS_EXPANSION) {
        throw new ConversionError(
          `aliases expand to more than ${MAX_ALIAS_EXPANSION} values; refusing a likely alias bomb`,
          node.range[0],
        );
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
    if (node.tag !== undefined && !CORE_TAGS.has(node.tag))
      throw new ConversionError(unsupportedTag(node.tag), node.range[0]);
    if (isScalar(node)) {
      if (isPlainScalar(node.value)) {
        if (typeof node.value === 'string') refuseUnstorableText(node.value, node.range[0]);
        return { value: node.value, size: 1, tree: base + node.range[0] };
      }
      throw new ConversionError(unsupportedTag(node.tag ?? '?'), node.range[0]);
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
    return { error: { severity: 'error', message: e.message, location: { file, ...position(e.offset) } } };
  }
}

/** The YAML 1.2 core schema's tags: written out (`!!str 42`) they change nothing a manifest can hold. */
const CORE_TAGS = new Set(
  ['str', 'int', 'float', 'bool', 'null', 'map', 'seq'].map((name) => `tag:yaml.org,2002:${name}`),
);

/** Any other tag (`!foo`, `!!js/function`, `!<tag:example.com,2026:x>`, `!`) is refused: a manifest holds plain data. */
export function unsupportedTag(tag: string): string {
  const written = tag.startsWith('tag:yaml.org,2002:')
    ? `!!${tag.slice('tag:yaml.org,2002:'.length)}`
    : tag.startsWith('!')
      ? tag
      : `!<${tag}>`;
  return `unsupported YAML tag ${quoteForMessage(written)}; write a plain string, number or boolean`;
}

/**
 * Text no state can store as written: a NUL (PostgreSQL refuses it, unlocated, at apply) or a lone
 * surrogate (stored as U+FFFD, so the stored value is not the one planned). Both can only be
 * written with an escape (`"\0"`, `"\ud800"`).
 */
function refuseUnstorableText(text: string, offset: number): void {
  if (!/[\0\ud800-\udfff]/.test(text)) return;
  if (text.includes('\0'))
    throw new ConversionError('this string holds a NUL character (\\0), which no state can store; remove it', offset);
  const lone = /\p{Cs}/u.exec(text);
  if (lone)
    throw new ConversionError(
      `this string holds a lone surrogate (${codePointName(lone[0])}), which is not a character and cannot be ` +
        `stored; write the character itself, or both halves of its pair`,
      offset,
    );
}

/** Assigning a `__proto__` key would replace the prototype; defining it is slower, so only for that key. */
function setOwn(object: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
  else object[key] = value;
}

function isPlainScalar(value: unknown): value is string | number | boolean | null {
  return value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function mappingKey(key: ParsedNode | null, mapOffset: number): string {
  if (key?.tag !== undefined && !CORE_TAGS.has(key.tag))
    throw new ConversionError(unsupportedTag(key.tag), key.range[0]);
  if (isScalar(key) && key.value !== null && isPlainScalar(key.value)) {
    const text = String(key.value);
    refuseUnstorableText(text, key.range[0]);
    return text;
  }
  throw new ConversionError('mapping keys must be plain strings', key?.range[0] ?? mapOffset);
}
