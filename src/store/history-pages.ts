// The console's reads of the two hash chains (docs/portal-service.md): a page of the timeline, a
// large entry in slices, each chain's size and head. A large entry's text is never loaded whole:
// its size comes from the row's header (SQLite) or the TOAST pointer (PostgreSQL).
import type { Backend, Conn } from './backend.js';
import { sql } from './kysely.js';
import { readHistory } from './read.js';
import type { HistoryRow } from './types.js';

/** The applies' chain and the chain of every other event (self-service, invites, reveals, exports). */
export type ChainName = 'apply' | 'events';

const TABLES = { apply: 'pf_history', events: 'pf_events' } as const;

export interface TimelineRow {
  seq: number;
  kind: string;
  serial: number;
  at: string;
  actor: string;
  hash: string;
  bytes: number;
  /** The entry's text; null when it is above the size the caller reads whole. */
  entry: string | null;
}

/** Characters of an entry read from its start, its end, and from an offset (1-based, as SQL's substr). */
export interface EntrySlices {
  head: number;
  tail: number;
  /** Where a further slice starts, and how long it is; absent: no further slice. */
  from?: { start: number; length: number };
}

export interface EntryText {
  seq: number;
  hash: string;
  bytes: number;
  head: string;
  tail: string;
  slice: string | null;
}

/** The chains this state has: the events chain came with the portal's tables. */
export async function presentChains(backend: Backend, conn: Conn): Promise<ChainName[]> {
  return (await backend.tableExists(conn, TABLES.events)) ? ['apply', 'events'] : ['apply'];
}

/** A chain's entries newest first, `limit` of them, older than `before`; entries above `wholeBytes` without their text. */
export async function readTimelineRows(
  conn: Conn,
  chain: ChainName,
  options: { before?: string; limit: number; wholeBytes: number },
): Promise<TimelineRow[]> {
  let select = conn
    .selectFrom(TABLES[chain])
    .select(['seq', 'kind', 'serial', 'at', 'actor', 'hash', sql<number>`octet_length(entry)`.as('bytes')])
    .select(sql<string | null>`case when octet_length(entry) <= ${options.wholeBytes} then entry end`.as('entry'));
  if (options.before) select = select.where('at', '<', options.before);
  const rows = await select.orderBy('at', 'desc').orderBy('seq', 'desc').limit(options.limit).execute();
  return rows.map((r) => ({
    seq: Number(r.seq),
    kind: r.kind,
    serial: Number(r.serial),
    at: r.at,
    actor: r.actor,
    hash: r.hash,
    bytes: Number(r.bytes),
    entry: r.entry,
  }));
}

/** Pieces of one entry's text: its first and last characters, and a slice from an offset; null when there is no such entry. */
export async function readEntrySlices(
  conn: Conn,
  dialect: 'sqlite' | 'postgres',
  chain: ChainName,
  seq: number,
  slices: EntrySlices,
): Promise<EntryText | null> {
  const tail =
    dialect === 'postgres' ? sql<string>`right(entry, ${slices.tail})` : sql<string>`substr(entry, ${-slices.tail})`;
  const from = slices.from;
  const row = await conn
    .selectFrom(TABLES[chain])
    .select([
      'seq',
      'hash',
      sql<number>`octet_length(entry)`.as('bytes'),
      sql<string>`substr(entry, 1, ${slices.head})`.as('head'),
      tail.as('tail'),
    ])
    .select(sql<string | null>`${from ? sql`substr(entry, ${from.start}, ${from.length})` : null}`.as('slice'))
    .where('seq', '=', seq)
    .executeTakeFirst();
  if (!row) return null;
  return {
    seq: Number(row.seq),
    hash: row.hash,
    bytes: Number(row.bytes),
    head: row.head,
    tail: row.tail,
    slice: row.slice,
  };
}

/** The bytes of every entry of a chain together. */
export async function readChainBytes(conn: Conn, chain: ChainName): Promise<number> {
  const size = await conn
    .selectFrom(TABLES[chain])
    .select(sql<number>`coalesce(sum(octet_length(entry)), 0)`.as('bytes'))
    .executeTakeFirst();
  return Number(size?.bytes ?? 0);
}

/** A chain's last entry; null when it has none. */
export async function readChainHead(conn: Conn, chain: ChainName): Promise<{ seq: number; hash: string } | null> {
  const last = await conn
    .selectFrom(TABLES[chain])
    .select(['seq', 'hash'])
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  return last ? { seq: Number(last.seq), hash: last.hash } : null;
}

/** Every entry of a chain, in order. */
export function readChain(conn: Conn, chain: ChainName): Promise<HistoryRow[]> {
  return readHistory(conn, TABLES[chain]);
}
