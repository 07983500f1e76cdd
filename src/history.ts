import { timed } from './timing.js';
import type { StateWriter } from './store/index.js';
import type { HistoryRow } from './store/types.js';
import { sha256 } from './hash.js';
import { appendChainedEvent } from './store/event-chain.js';
import type { Conn } from './store/backend.js';

export const GENESIS_HASH = '0'.repeat(64);

/** A JSON text with object keys sorted at every depth: the same entry always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol') return JSON.stringify(value);
  const chunks: string[] = [];
  // Reading a character flattens the chunk, built by appending many short pieces, into one plain
  // string: kept as it was built, every piece would cost its own node until the final join.
  writeCanonical(value, (chunk) => chunks.push(chunk.charCodeAt(0) >= 0 ? chunk : chunk));
  return chunks.join('');
}

const CHUNK = 1 << 16;

/**
 * Writes the text of JSON.stringify(value with every object's keys sorted) in chunks, building no
 * sorted copy. As in that copy, array-index keys ("0", "7") come first in numeric order, then the
 * others sorted by code unit; undefined, functions and symbols are left out of objects and are
 * null in arrays.
 */
function writeCanonical(root: unknown, emit: (chunk: string) => void): void {
  let buffer = '';
  const write = (text: string) => {
    buffer += text;
    if (buffer.length >= CHUNK) {
      emit(buffer);
      buffer = '';
    }
  };
  const visit = (value: unknown, inArray: boolean): void => {
    if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
      value = (value as { toJSON: () => unknown }).toJSON();
    }
    if (Array.isArray(value)) {
      write('[');
      value.forEach((item, i) => {
        if (i > 0) write(',');
        visit(item, true);
      });
      write(']');
    } else if (value !== null && typeof value === 'object') {
      write('{');
      let first = true;
      for (const key of canonicalKeys(value as object)) {
        const item = (value as Record<string, unknown>)[key];
        if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue;
        write(first ? `${JSON.stringify(key)}:` : `,${JSON.stringify(key)}:`);
        first = false;
        visit(item, false);
      }
      write('}');
    } else if (value === undefined || typeof value === 'function' || typeof value === 'symbol') {
      if (inArray) write('null');
    } else {
      write(JSON.stringify(value));
    }
  };
  visit(root, false);
  if (buffer) emit(buffer);
}

const ARRAY_INDEX = /^(?:0|[1-9]\d*)$/;

function canonicalKeys(object: object): string[] {
  const keys = Object.keys(object).sort();
  if (!keys.some((key) => ARRAY_INDEX.test(key) && Number(key) < 4294967295)) return keys;
  const isIndex = (key: string) => ARRAY_INDEX.test(key) && Number(key) < 4294967295;
  return [...keys.filter(isIndex).sort((a, b) => Number(a) - Number(b)), ...keys.filter((key) => !isIndex(key))];
}

/** hash = SHA-256(previous hash ‖ canonical entry): changing, removing or reordering a row breaks the chain. */
export function chainHash(prevHash: string, canonicalEntry: string): string {
  return sha256(prevHash + canonicalEntry);
}

export interface HistoryEntry {
  kind: string;
  serial: number;
  at: string;
  actor: string;
  [field: string]: unknown;
}

export function sealEntry(entry: HistoryEntry, prevHash: string): Omit<HistoryRow, 'seq'> {
  const text = timed('seal history entry', () => canonicalJson(entry));
  return {
    kind: entry.kind,
    serial: entry.serial,
    at: entry.at,
    actor: entry.actor,
    entry: text,
    prevHash,
    hash: chainHash(prevHash, text),
  };
}

/**
 * The two chains docs/cli.md keeps: the applies, and every other kind (reveal, export, invite,
 * self-service), so that a long apply never holds the others up.
 */
export type HistoryChain = 'apply' | 'events';

/** The chain an entry of this kind belongs to. */
export function chainOf(kind: string): HistoryChain {
  return kind === 'apply' ? 'apply' : 'events';
}

/**
 * Appends an entry to its chain inside the caller's transaction: links it to the chain's last
 * hash (the genesis hash for the first entry) and seals it. Every writer of the history goes
 * through here: the applies' chain, and the other kinds' (appendEvent).
 */
export async function appendEntry(
  writer: Pick<StateWriter, 'lastHistoryHash' | 'appendHistory' | 'conn' | 'dialect'>,
  chain: HistoryChain,
  entry: HistoryEntry,
): Promise<void> {
  if (chainOf(entry.kind) !== chain) throw new Error(`a ${entry.kind} entry does not belong to the ${chain} chain`);
  if (chain === 'events') return appendEvent(writer.conn, writer.dialect, entry);
  const prevHash = (await writer.lastHistoryHash()) ?? GENESIS_HASH;
  await writer.appendHistory(sealEntry(entry, prevHash));
}

export type VerifyResult = { ok: true; entries: number; head: string } | { ok: false; seq: number; reason: string };

/** Recomputes the chain from the first row; names the first row that does not fit. */
export function verifyChain(rows: HistoryRow[]): VerifyResult {
  let prev = GENESIS_HASH;
  let expectedSeq = 1;
  for (const row of rows) {
    if (row.seq !== expectedSeq)
      return { ok: false, seq: row.seq, reason: `entry ${expectedSeq} is missing or out of order` };
    if (row.prevHash !== prev)
      return {
        ok: false,
        seq: row.seq,
        reason: 'its link to the previous entry does not match (a row was deleted, inserted or reordered)',
      };
    if (chainHash(prev, row.entry) !== row.hash)
      return { ok: false, seq: row.seq, reason: 'its content does not match its hash (the row was altered)' };
    let entry: HistoryEntry;
    try {
      entry = JSON.parse(row.entry);
    } catch {
      return { ok: false, seq: row.seq, reason: 'its content is not valid JSON' };
    }
    if (entry.kind !== row.kind || entry.serial !== row.serial || entry.at !== row.at || entry.actor !== row.actor) {
      return { ok: false, seq: row.seq, reason: 'its columns differ from its hashed content (the row was altered)' };
    }
    prev = row.hash;
    expectedSeq++;
  }
  return { ok: true, entries: rows.length, head: prev };
}

/**
 * Appends a non-apply entry (self-service, invite, …) to the second chain, inside the caller's
 * transaction, linked to the entry committed before it.
 */
export async function appendEvent(conn: Conn, dialect: 'sqlite' | 'postgres', entry: HistoryEntry): Promise<void> {
  await appendChainedEvent(conn, dialect, (prevHash) => sealEntry(entry, prevHash));
}

/** Verifies the second chain, and that its head row names its last entry (a cut-off tail shows). */
export function verifyEventChain(rows: HistoryRow[], head: { seq: number; hash: string } | null): VerifyResult {
  const result = verifyChain(rows);
  if (!result.ok || head === null) return result;
  if (head.seq !== rows.length || head.hash !== result.head) {
    return {
      ok: false,
      seq: head.seq,
      reason: `the chain's head names entry ${head.seq}, but the chain ends at entry ${rows.length} (entries were removed or the head was altered)`,
    };
  }
  return result;
}
