import { createHash } from 'node:crypto';
import type { HistoryRow } from './store/types.js';

export const GENESIS_HASH = '0'.repeat(64);

/** A JSON text with object keys sorted at every depth: the same entry always hashes the same. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeysDeep(value));
}

function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortKeysDeep((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
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
  const text = canonicalJson(entry);
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

export type VerifyResult = { ok: true; entries: number; head: string } | { ok: false; seq: number; reason: string };

/** Recomputes the chain from the first row; names the first row that does not fit. */
export function verifyChain(rows: HistoryRow[]): VerifyResult {
  let prev = GENESIS_HASH;
  let expectedSeq = 1;
  for (const row of rows) {
    if (row.seq !== expectedSeq) return { ok: false, seq: row.seq, reason: `entry ${expectedSeq} is missing or out of order` };
    if (row.prevHash !== prev) return { ok: false, seq: row.seq, reason: 'its link to the previous entry does not match (a row was deleted, inserted or reordered)' };
    if (chainHash(prev, row.entry) !== row.hash) return { ok: false, seq: row.seq, reason: 'its content does not match its hash (the row was altered)' };
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
