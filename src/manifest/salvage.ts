// A document the schema refused still has entries that passed it: they go on to the checks of the
// set (a bad email, a short key, a secret's source, a duplicate, a registration's API…), so that one
// run of `validate` reports every problem instead of one kind per run. Only whole entries are left
// out (an application, else its developer entry; an API; a `removed` entry; `moved` as a whole); a
// document with an error elsewhere is not salvaged, nor is a desired state ever built from one.
import { MAPPING, type ParsedDocument, type PositionTree } from './positions.js';

/** The entries an error may be confined to, innermost first: its path, then the rest of the pointer. */
const ENTRY_POINTERS = [
  /^\/developers\/(\d+)\/applications\/(\d+)(?:\/|$)/,
  /^\/developers\/(\d+)(?:\/|$)/,
  /^\/(apis|removed)\/(\d+)(?:\/|$)/,
  /^\/moved(?:\/|$)/,
];

type Path = Array<string | number>;
type Node = Array<number | string | PositionTree>;

/**
 * The document without the entries the schema refused (`pointers`: where its errors are),
 * positions kept in step; null when an error lies outside such entries. Its `moved` blocks go
 * too: they may name an entry left out.
 */
export function withoutRefusedDevelopers(doc: ParsedDocument, pointers: readonly string[]): ParsedDocument | null {
  const refused = new Map<string, Path>();
  for (const pointer of pointers) {
    const path = entryPath(pointer);
    if (!path) return null;
    refused.set(path.join('/'), path);
  }
  // Entries inside a refused developer go with it; the others are removed last index first, so
  // that the indices of those still to remove hold.
  const paths = [...refused.values()]
    .filter((path) => path.length === 2 || (path.length > 2 && !refused.has(path.slice(0, 2).join('/'))))
    .sort((a, b) => comparePaths(b, a));
  const { moved: _moved, ...rest } = doc.value as Record<string, unknown>;
  let value: unknown = rest;
  let positions = withoutKey(doc.positions, 'moved');
  for (const path of paths) [value, positions] = withoutItem(value, positions, path);
  return { value, positions, lineStarts: doc.lineStarts };
}

function entryPath(pointer: string): Path | undefined {
  const [application, developer, listed, moved] = ENTRY_POINTERS.map((pattern) => pattern.exec(pointer));
  if (application) return ['developers', Number(application[1]), 'applications', Number(application[2])];
  if (developer) return ['developers', Number(developer[1])];
  if (listed) return [listed[1]!, Number(listed[2])];
  // `moved` goes whole (below).
  return moved ? ['moved'] : undefined;
}

function comparePaths(a: Path, b: Path): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const [x, y] = [a[i]!, b[i]!];
    if (x !== y) return typeof x === 'number' && typeof y === 'number' ? x - y : String(x) < String(y) ? -1 : 1;
  }
  return a.length - b.length;
}

/** The value and its position tree without the sequence item at `path` (keys, then the item's index), copied along the path only. */
function withoutItem(value: unknown, tree: PositionTree, path: Path): [unknown, PositionTree] {
  const [step, ...below] = path;
  if (typeof step === 'number') {
    const items = [...(value as unknown[])];
    const node = [...(tree as Node)];
    if (below.length === 0) {
      items.splice(step, 1);
      node.splice(2 + step, 1);
      return [items, node];
    }
    [items[step], node[2 + step]] = withoutItem(items[step], node[2 + step] as PositionTree, below);
    return [items, node];
  }
  const record = { ...(value as Record<string, unknown>) };
  const node = [...(tree as Node)];
  const j = keyIndex(node, step!);
  [record[step!], node[j + 2]] = withoutItem(record[step!], node[j + 2] as PositionTree, below);
  return [record, node];
}

/** Where a mapping's tree holds `key` (its entries are key, key offset, value's tree). */
function keyIndex(node: Node, key: string): number {
  if (node[0] !== MAPPING) return -1;
  for (let j = 2; j < node.length; j += 3) if (node[j] === key) return j;
  return -1;
}

function withoutKey(tree: PositionTree, key: string): PositionTree {
  if (!Array.isArray(tree) || tree[0] !== MAPPING) return tree;
  const j = keyIndex(tree, key);
  return j < 0 ? tree : [...tree.slice(0, j), ...tree.slice(j + 3)];
}
