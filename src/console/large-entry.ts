// A history entry too large to read whole for a page: a 100,000-developer first apply records
// 400,000 changes, about 90 MB of canonical JSON (keys sorted, no spaces, history.ts). The console
// reads such an entry in pieces: its first characters hold the fields before `changes` and the
// first changes, its last ones the fields after (`summary` among them); a page of changes further
// on starts at a character offset the previous page ended at.

/** Entries above this many bytes are never read whole by a console page. */
export const LARGE_ENTRY_BYTES = 1 << 20;
/** Characters read from the start of a large entry, or from a page's offset: enough for a page of changes. */
export const ENTRY_SLICE = 1 << 18;
/** Characters read from the end: the fields after `changes` are a few hundred bytes. */
export const ENTRY_TAIL = 1 << 14;

export interface ChangesPage {
  changes: unknown[];
  /** The character offset (1-based, as SQL's substr) where the next page starts; null after the last change. */
  next: number | null;
}

/**
 * The fields of an entry around its changes, from its start (`head`, through the opening of the
 * changes) and its end (`tail`); null when the text does not have that shape.
 */
export function entryFrame(head: string, tail: string): { fields: Record<string, unknown>; changesAt: number } | null {
  const key = topLevelKey(head, 'changes');
  if (key < 0 || head[key + '"changes":'.length] !== '[') return null;
  const before = head.slice(0, key).replace(/,$/, '');
  const after = fieldsAfterChanges(tail);
  if (after === null) return null;
  try {
    const fields = { ...(JSON.parse(`${before}}`) as Record<string, unknown>), ...after };
    return { fields, changesAt: key + '"changes":['.length + 1 }; // 1-based, as substr counts
  } catch {
    return null;
  }
}

/**
 * Up to `limit` whole changes from `text`, which starts at a change of the changes array (`base`
 * is its 1-based offset in the entry); a change cut off at the end of `text` is left for the next page.
 */
export function changesFrom(text: string, base: number, limit: number): ChangesPage {
  const changes: unknown[] = [];
  let depth = 0;
  let inString = false;
  let escaped = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (escaped) escaped = false;
      else if (c === 0x5c) escaped = true;
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) {
      if (depth > 0) {
        depth--;
        continue;
      }
      if (i > start) changes.push(JSON.parse(text.slice(start, i))); // the array's end
      return { changes, next: null };
    } else if (c === 0x2c && depth === 0) {
      changes.push(JSON.parse(text.slice(start, i)));
      start = i + 1;
      if (changes.length >= limit) return { changes, next: base + start };
    }
  }
  // Cut off: the last change, unfinished, starts the next page (a change longer than a page ends the paging).
  return { changes, next: changes.length > 0 ? base + start : null };
}

/** Where `"key":` starts among the top-level members of the object `text` begins (which may be cut off). */
function topLevelKey(text: string, key: string): number {
  const needle = `${JSON.stringify(key)}:`;
  let depth = 0;
  let inString = false;
  let escaped = false;
  for (let i = 1; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (c === '\\') escaped = true;
      else if (c === '"') inString = false;
    } else if (c === '"') {
      if (depth === 0 && text.startsWith(needle, i)) return i;
      inString = true;
    } else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
  }
  return -1;
}

/**
 * The members after the changes array, from the entry's last characters. The array's end is the
 * first `],"` after which the rest reads as the end of one object: inside a string a quote is
 * escaped, and from inside a change the rest would close that change first and not parse.
 */
function fieldsAfterChanges(tail: string): Record<string, unknown> | null {
  for (let i = tail.indexOf('],"'); i >= 0; i = tail.indexOf('],"', i + 1)) {
    try {
      const value: unknown = JSON.parse(`{${tail.slice(i + 2)}`);
      if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
    } catch {
      // not the array's end
    }
  }
  return null;
}

/** How many changes an entry records, from its summary's counts (each change is counted once). */
export function summaryCount(summary: unknown): number | null {
  if (!summary || typeof summary !== 'object') return null;
  const counts = Object.values(summary as Record<string, unknown>);
  return counts.every((n) => typeof n === 'number') ? counts.reduce<number>((sum, n) => sum + (n as number), 0) : null;
}
