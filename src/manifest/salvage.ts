// A document the schema refused still has entries that passed it: they go on to the checks of the
// set (a bad email, a short key, a secret's source, a duplicate…), so that one run of `validate`
// reports every problem instead of one kind per run. Only whole developer entries are left out;
// a document with an error elsewhere is not salvaged, nor is a desired state ever built from one.
import { SEQUENCE, MAPPING, type ParsedDocument, type PositionTree } from './positions.js';

const DEVELOPER_POINTER = /^\/developers\/(\d+)(?:\/|$)/;

/**
 * The document without the developer entries the schema refused (`pointers`: where its errors
 * are), positions kept in step; null when an error lies outside the developer entries, or when no
 * entry is left to check. Its `moved` blocks go too: they may name a developer left out.
 */
export function withoutRefusedDevelopers(doc: ParsedDocument, pointers: readonly string[]): ParsedDocument | null {
  const refused = new Set<number>();
  for (const pointer of pointers) {
    const match = DEVELOPER_POINTER.exec(pointer);
    if (!match) return null;
    refused.add(Number(match[1]));
  }
  const value = doc.value as Record<string, unknown>;
  const developers = value.developers as unknown[];
  const kept = developers.flatMap((_, i) => (refused.has(i) ? [] : [i]));
  if (kept.length === 0) return null;
  const { moved: _moved, ...rest } = value;
  return {
    value: { ...rest, developers: kept.map((i) => developers[i]) },
    positions: keptPositions(doc.positions, kept),
    lineStarts: doc.lineStarts,
  };
}

/** The document's position tree with only the `kept` developer entries, and no `moved`. */
function keptPositions(tree: PositionTree, kept: number[]): PositionTree {
  if (!Array.isArray(tree) || tree[0] !== MAPPING) return tree;
  const entries: Array<number | string | PositionTree> = [MAPPING, tree[1]!];
  for (let j = 2; j < tree.length; j += 3) {
    const [key, keyOffset, child] = [tree[j]!, tree[j + 1]!, tree[j + 2] as PositionTree];
    if (key === 'moved') continue;
    const isDeveloperList = key === 'developers' && Array.isArray(child) && child[0] === SEQUENCE;
    entries.push(key, keyOffset, isDeveloperList ? keptItems(child, kept) : child);
  }
  return entries;
}

function keptItems(sequence: Array<number | string | PositionTree>, kept: number[]): PositionTree {
  return [SEQUENCE, sequence[1]!, ...kept.map((i) => sequence[2 + i]!)];
}
