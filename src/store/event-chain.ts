// The second hash chain: every history entry but an apply's (docs/state.md). Concurrent writers
// queue on the chain's head row (PostgreSQL: a row lock; SQLite has one writer at a time), so each
// entry links to the one committed before it, and an apply, which writes the other chain, never
// holds them up.
import type { Backend, Conn } from './backend.js';
import { EVENTS_CHAIN } from './schema.js';
import type { HistoryRow } from './types.js';

/** Appends the entry `seal` makes from the chain's last hash, inside the caller's transaction. */
export async function appendChainedEvent(
  conn: Conn,
  dialect: Backend['kind'],
  seal: (prevHash: string) => Omit<HistoryRow, 'seq'>,
): Promise<void> {
  let query = conn.selectFrom('pf_chain_heads').select(['seq', 'hash']).where('chain', '=', EVENTS_CHAIN);
  if (dialect === 'postgres') query = query.forUpdate();
  const head = await query.executeTakeFirstOrThrow();
  const row = seal(head.hash);
  const seq = Number(head.seq) + 1;
  await conn.insertInto('pf_events').values(chainTableRow(seq, row)).execute();
  await conn.updateTable('pf_chain_heads').set({ seq, hash: row.hash }).where('chain', '=', EVENTS_CHAIN).execute();
}

/** A chained entry as either chain's table (pf_history, pf_events) stores it. */
export function chainTableRow(seq: number, row: Omit<HistoryRow, 'seq'>) {
  return {
    seq,
    kind: row.kind,
    serial: row.serial,
    at: row.at,
    actor: row.actor,
    entry: row.entry,
    prev_hash: row.prevHash,
    hash: row.hash,
  };
}
