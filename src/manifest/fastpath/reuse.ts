// Parses a changed file from its previous version: the developer entries whose text is unchanged
// are taken from the previous version's parse (kept in the parse cache), and only the others are
// parsed. A plan after one developer changed parses one entry, not its whole file.
//
// Sound because an item of the top-level `developers` sequence means the same wherever it stands
// in a file the split handles (split.ts: one document, no directives, a block mapping holding
// `developers` as a block sequence) that has no alias (an alias reads an anchor written
// elsewhere): its text alone gives its value. So item digests are kept only for a version of a
// file that passes those checks, and reused only in a version that passes them too; every entry
// that is parsed passes the split's token checks, and the whole document passes the schema and
// the checks of one document afterwards as any other.
import type { ParsedDocument } from '../parse.js';
import { parseChunk, splitDevelopers, stitchValues, type DevelopersSplit } from './split.js';
import { sha256 } from '../../hash.js';

/** What a file's previous version left in the cache. */
export interface PreviousVersion {
  /** SHA-256 of each item's text. */
  items: string[];
  /** The items' values, in the same order. */
  developers: unknown[];
}

/** Below this share of entries unchanged, parsing the file whole is as quick. */
const MIN_REUSED_SHARE = 0.5;

/** The digests of a file's items, when a later version may reuse them; else undefined. */
export function itemDigestsOf(text: string): string[] | undefined {
  const split = reusableSplit(text);
  return split ? digestsOf(text, split) : undefined;
}

/**
 * The file's document, parsed reusing `previous`; null when an entry parsed has a diagnostic
 * (the full path reports it), undefined when reuse does not apply (parse the file whole).
 */
export function parseReusingItems(
  file: string,
  text: string,
  previous: PreviousVersion,
): { documents: ParsedDocument[]; items: string[] } | null | undefined {
  const split = reusableSplit(text);
  if (!split) return undefined;
  const items = digestsOf(text, split);
  const before = new Map<string, number>();
  for (const [i, digest] of previous.items.entries()) if (!before.has(digest)) before.set(digest, i);
  const matches = items.map((digest) => before.get(digest));
  if (matches.filter((m) => m !== undefined).length < items.length * MIN_REUSED_SHARE) return undefined;

  const values: unknown[] = [];
  const taken = new Set<number>();
  for (let i = 0; i < items.length; ) {
    const match = matches[i];
    if (match !== undefined) {
      // An entry repeated in the file is copied: no two items share one object.
      values.push(taken.has(match) ? structuredClone(previous.developers[match]) : previous.developers[match]);
      taken.add(match);
      i++;
      continue;
    }
    let end = i + 1; // a run of changed entries is parsed as one piece
    while (end < items.length && matches[end] === undefined) end++;
    const { start } = split.chunks[i]!;
    const parsed = parseChunk(text.slice(start, split.chunks[end - 1]!.end), start, end - i);
    if (parsed === 'refused') return undefined;
    if (!parsed) return null;
    values.push(...parsed.items);
    i = end;
  }
  const doc = stitchValues(file, text, split, values);
  return doc && { documents: [doc], items };
}

function reusableSplit(text: string): DevelopersSplit | null {
  return text.includes('*') ? null : splitDevelopers(text, 1);
}

function digestsOf(text: string, split: DevelopersSplit): string[] {
  return split.chunks.map(({ start, end }) => sha256(text.slice(start, end), 'base64url'));
}
