// The console's read queries (SPEC §9): access requests, developers, the history and its chains.
// Every list is paged by a key and backed by an index (migration 0004_console_indexes), so a
// state of 100,000 developers answers without a full scan.
import { stringify } from 'yaml';
import { GENESIS_HASH, verifyChain, type VerifyResult } from '../history.js';
import { STATUSES, type Status } from '../model.js';
import { SENSITIVE_CHANGED } from '../plan/types.js';
import { sql, type Kysely } from '../store/kysely.js';
import type { Store } from '../store/index.js';
import type { HistoryRow } from '../store/types.js';
import { readAccessRequests } from '../store/read.js';
import {
  changesFrom,
  ENTRY_SLICE,
  ENTRY_TAIL,
  entryFrame,
  LARGE_ENTRY_BYTES,
  summaryCount,
  type ChangesPage,
} from './large-entry.js';

export const ORIGINS = ['manifest', 'self-service', 'released'] as const;

export interface AccessRequest {
  email: string;
  fullName: string;
  createdAt: string;
  /** The manifest entry that approves the request, ready to paste under `developers:`. */
  manifest: string;
}

export interface DeveloperRow {
  email: string;
  fullName: string;
  status: Status;
  origin: string;
  createdAt: string;
  credentials: number;
}

export interface DeveloperQuery {
  /** Matches the start of the email or of the full name, ignoring case. */
  search?: string;
  status?: Status;
  origin?: string;
  /** Keyset paging: the last email of the previous page. */
  after?: string;
  limit?: number;
}

export interface CredentialRow {
  id: string;
  type: string;
  identity: string;
  /** The non-secret fields by manifest name; secrets are never read. */
  fields: Record<string, unknown>;
  active: boolean;
  origin: string;
  createdAt: string;
}

export type ChainName = 'apply' | 'events';

export interface TimelineEntry {
  chain: ChainName;
  seq: number;
  kind: string;
  serial: number;
  at: string;
  actor: string;
  hash: string;
  /** The entry's recorded fields (already redacted when written), its changes cut to the first TIMELINE_CHANGES; empty for a large entry. */
  entry: Record<string, unknown>;
  /** How many changes the entry records in all; null for a large entry, which the timeline does not read. */
  changeCount: number | null;
  /** The entry's size in bytes: above LARGE_ENTRY_BYTES it is shown on a page of its own (`entryPage`). */
  bytes: number;
}

/** A large entry's page: its fields (summary included), and one page of its changes. */
export interface EntryPage extends ChangesPage {
  chain: ChainName;
  seq: number;
  hash: string;
  fields: Record<string, unknown>;
  changeCount: number | null;
  bytes: number;
}

/** Changes a timeline entry keeps for display; `portalform history` shows them all. */
export const TIMELINE_CHANGES = 200;
const TIMELINE_CACHE = 200;

export type ChainStatus =
  | { chain: ChainName; result: VerifyResult }
  /** A chain too large to verify while a page waits: verified in the background, its head shown meanwhile. */
  | { chain: ChainName; pending: { entries: number; head: string } };

/** Chains up to this many bytes are verified while the page waits; larger ones in the background. */
const INLINE_VERIFY_BYTES = 4 << 20;

export interface StatusPoint {
  at: string;
  counts: Record<Status, number>;
}

const DEFAULT_PAGE = 50;
const VERIFY_TTL_MS = 30_000;
const TABLES: Record<ChainName, string> = { apply: 'pf_history', events: 'pf_events' };

export class ConsoleReadModel {
  private verified = new Map<ChainName, { key: string; checkedAt: number; result: VerifyResult }>();
  private series: { key: string; points: StatusPoint[] } | null = null;
  /** Parsed, trimmed entries by chain, seq and hash: an apply's entry can hold 100,000s of changes. */
  private parsed = new Map<string, { entry: Record<string, unknown>; changeCount: number }>();
  private running = new Map<ChainName, { key: string; done: Promise<void> }>();
  /** Characters of entry text the queries returned: what a page costs, whatever the machine. */
  readonly readStats = { entryChars: 0 };

  constructor(private readonly store: Store) {}

  private db(): Kysely<any> {
    const db = this.store.backend.db();
    if (!db) throw new Error('the state is not open');
    return db as Kysely<any>;
  }

  private get dialect(): 'sqlite' | 'postgres' {
    return this.store.backend.kind;
  }

  /** Unmanaged pending developers, oldest first. */
  async accessRequests(limit = 500): Promise<AccessRequest[]> {
    const rows = await readAccessRequests(this.db(), limit);
    return rows.map((r) => ({
      email: r.email,
      fullName: r.full_name,
      createdAt: r.created_at,
      manifest: approvalEntry(r.email, r.full_name),
    }));
  }

  async statusCounts(): Promise<Record<Status, number>> {
    const rows = await this.db()
      .selectFrom('pf_developers')
      .select(['status', sql<number>`count(*)`.as('n')])
      .groupBy('status')
      .execute();
    const counts = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<Status, number>;
    for (const row of rows) counts[row.status as Status] = Number(row.n);
    return counts;
  }

  /** One page of developers ordered by email; `next` is the key of the following page, null at the end. */
  async developers(query: DeveloperQuery): Promise<{ developers: DeveloperRow[]; next: string | null }> {
    const limit = Math.min(Math.max(query.limit ?? DEFAULT_PAGE, 1), 200);
    let select = this.db()
      .selectFrom('pf_developers as d')
      .select(['d.email', 'd.full_name', 'd.status', 'd.origin', 'd.created_at'])
      .select((eb) =>
        eb
          .selectFrom('pf_credentials as c')
          .select(sql<number>`count(*)`.as('n'))
          .whereRef('c.developer_id', '=', 'd.id')
          .as('credentials'),
      );
    if (query.status) select = select.where('d.status', '=', query.status);
    if (query.origin) select = select.where('d.origin', '=', query.origin);
    if (query.after) select = select.where('d.email', '>', query.after);
    const search = query.search?.trim().toLowerCase();
    if (search) select = select.where(this.prefixMatch(search));
    const rows = await select
      .orderBy('d.email')
      .limit(limit + 1)
      .execute();
    const page = rows.slice(0, limit).map((r) => ({
      email: r.email,
      fullName: r.full_name,
      status: r.status as Status,
      origin: r.origin,
      createdAt: r.created_at,
      credentials: Number(r.credentials),
    }));
    return { developers: page, next: rows.length > limit ? page.at(-1)!.email : null };
  }

  /**
   * The start of the email or of the lower-cased name: a range on SQLite (whose LIKE ignores
   * case and so cannot use the indexes), LIKE on PostgreSQL (text_pattern_ops indexes).
   */
  private prefixMatch(prefix: string) {
    if (this.dialect === 'postgres') {
      const pattern = `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      return sql<boolean>`(d.email like ${pattern} or lower(d.full_name) like ${pattern})`;
    }
    const end = `${prefix}\u{10FFFF}`;
    return sql<boolean>`((d.email >= ${prefix} and d.email < ${end}) or (lower(d.full_name) >= ${prefix} and lower(d.full_name) < ${end}))`;
  }

  async developer(email: string): Promise<{
    developer: DeveloperRow & { customId: string | null; meta: Record<string, string> };
    credentials: CredentialRow[];
  } | null> {
    const row = await this.db()
      .selectFrom('pf_developers')
      .select(['id', 'email', 'full_name', 'status', 'origin', 'created_at', 'custom_id', 'meta'])
      .where('email', '=', email.toLowerCase())
      .executeTakeFirst();
    if (!row) return null;
    const credentials = await this.db()
      .selectFrom('pf_credentials')
      .select(['id', 'type', 'identity', 'fields', 'active', 'origin', 'created_at'])
      .where('developer_id', '=', row.id)
      .orderBy('type')
      .orderBy('identity')
      .execute();
    return {
      developer: {
        email: row.email,
        fullName: row.full_name,
        status: row.status as Status,
        origin: row.origin,
        createdAt: row.created_at,
        customId: row.custom_id,
        meta: JSON.parse(row.meta),
        credentials: credentials.length,
      },
      credentials: credentials.map((c) => ({
        id: c.id,
        type: c.type,
        identity: c.identity,
        fields: JSON.parse(c.fields),
        active: Number(c.active) === 1,
        origin: c.origin,
        createdAt: c.created_at,
      })),
    };
  }

  private async chains(): Promise<ChainName[]> {
    const db = this.db();
    return (await this.store.backend.tableExists(db as never, TABLES.events)) ? ['apply', 'events'] : ['apply'];
  }

  /** Both chains' entries, newest first; `before` pages by the time of the last entry shown. */
  async timeline(
    options: { before?: string; limit?: number } = {},
  ): Promise<{ entries: TimelineEntry[]; next: string | null }> {
    const limit = Math.min(Math.max(options.limit ?? 20, 1), 100);
    const entries: TimelineEntry[] = [];
    for (const chain of await this.chains()) {
      // A large entry's text is not even loaded: its size comes from the row's header (SQLite) or
      // the TOAST pointer (PostgreSQL).
      let select = this.db()
        .selectFrom(TABLES[chain])
        .select(['seq', 'kind', 'serial', 'at', 'actor', 'hash', sql<number>`octet_length(entry)`.as('bytes')])
        .select(sql<string | null>`case when octet_length(entry) <= ${LARGE_ENTRY_BYTES} then entry end`.as('entry'));
      if (options.before) select = select.where('at', '<', options.before);
      const rows = await select
        .orderBy('at', 'desc')
        .orderBy('seq', 'desc')
        .limit(limit + 1)
        .execute();
      for (const r of rows) {
        const bytes = Number(r.bytes);
        const content =
          r.entry === null ? { entry: {}, changeCount: null } : this.trimmed(chain, Number(r.seq), r.hash, r.entry);
        entries.push({
          chain,
          seq: Number(r.seq),
          kind: r.kind,
          serial: Number(r.serial),
          at: r.at,
          actor: r.actor,
          hash: r.hash,
          bytes,
          ...content,
        });
      }
    }
    entries.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : b.seq - a.seq));
    const page = entries.slice(0, limit);
    return { entries: page, next: entries.length > limit ? page.at(-1)!.at : null };
  }

  /**
   * One entry's fields and a page of its changes, from `from` (a character offset an earlier page
   * returned as `next`): read in slices, so that an entry of 400,000 changes is never read whole.
   */
  async entryPage(chain: ChainName, seq: number, from?: number): Promise<EntryPage | null> {
    const start = from !== undefined && Number.isSafeInteger(from) && from > 1 ? from : null;
    const last =
      this.dialect === 'postgres'
        ? sql<string>`right(entry, ${ENTRY_TAIL})`
        : sql<string>`substr(entry, ${-ENTRY_TAIL})`;
    const row = await this.db()
      .selectFrom(TABLES[chain])
      .select([
        'seq',
        'hash',
        sql<number>`octet_length(entry)`.as('bytes'),
        sql<string>`substr(entry, 1, ${start === null ? ENTRY_SLICE : 4096})`.as('head'),
        last.as('tail'),
      ])
      .select(sql<string | null>`${start === null ? null : sql`substr(entry, ${start}, ${ENTRY_SLICE})`}`.as('slice'))
      .where('seq', '=', seq)
      .executeTakeFirst();
    if (!row) return null;
    this.readStats.entryChars += row.head.length + row.tail.length + (row.slice?.length ?? 0);
    const frame = entryFrame(row.head, row.tail);
    if (!frame || (start !== null && start < frame.changesAt)) return null;
    const at = start ?? frame.changesAt;
    const page = changesFrom(start === null ? row.head.slice(at - 1) : (row.slice ?? ''), at, TIMELINE_CHANGES);
    return {
      chain,
      seq,
      hash: row.hash,
      bytes: Number(row.bytes),
      fields: frame.fields,
      changeCount: summaryCount(frame.fields.summary),
      ...page,
    };
  }

  private trimmed(
    chain: ChainName,
    seq: number,
    hash: string,
    text: string,
  ): { entry: Record<string, unknown>; changeCount: number } {
    const key = `${chain}:${seq}:${hash}`;
    const cached = this.parsed.get(key);
    if (cached) return cached;
    this.readStats.entryChars += text.length;
    const entry = JSON.parse(text) as Record<string, unknown>;
    const changes = changesOf(entry);
    const result = {
      entry: Array.isArray(entry.changes) ? { ...entry, changes: changes.slice(0, TIMELINE_CHANGES) } : entry,
      changeCount: changes.length,
    };
    if (this.parsed.size >= TIMELINE_CACHE) this.parsed.delete(this.parsed.keys().next().value!);
    this.parsed.set(key, result);
    return result;
  }

  /**
   * Each chain's verification (recomputed from its first entry) as a page shows it: the result
   * for the chain's current head when checked in the last VERIFY_TTL_MS, so an altered row shows
   * on a later view; a small chain verified now; a large one (hashing it takes seconds) verified in the
   * background, after this page is answered, and shown meanwhile by its head.
   */
  async verification(): Promise<ChainStatus[]> {
    const out: ChainStatus[] = [];
    for (const chain of await this.chains()) {
      const key = await this.headKey(chain);
      const cached = this.verified.get(chain);
      if (cached && cached.key === key && Date.now() - cached.checkedAt < VERIFY_TTL_MS) {
        out.push({ chain, result: cached.result });
        continue;
      }
      const size = await this.db()
        .selectFrom(TABLES[chain])
        .select(sql<number>`coalesce(sum(octet_length(entry)), 0)`.as('bytes'))
        .executeTakeFirst();
      if (Number(size?.bytes ?? 0) <= INLINE_VERIFY_BYTES) {
        const result = verifyChain(await this.rows(chain));
        this.verified.set(chain, { key, checkedAt: Date.now(), result });
        out.push({ chain, result });
        continue;
      }
      if (this.running.get(chain)?.key !== key)
        this.running.set(chain, { key, done: this.verifyLater(chain, key).catch(() => undefined) }); // a failed read: tried again on the next view
      const [entries, head] = key.split(':');
      out.push({ chain, pending: { entries: Number(entries), head: head! } });
    }
    return out;
  }

  /** Resolves once every background verification started so far has finished. */
  async settled(): Promise<void> {
    await Promise.all([...this.running.values()].map((job) => job.done));
  }

  private async verifyLater(chain: ChainName, key: string): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    try {
      const result = verifyChain(await this.rows(chain));
      this.verified.set(chain, { key, checkedAt: Date.now(), result });
    } finally {
      if (this.running.get(chain)?.key === key) this.running.delete(chain);
    }
  }

  private async headKey(chain: ChainName): Promise<string> {
    const last = await this.db()
      .selectFrom(TABLES[chain])
      .select(['seq', 'hash'])
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    return last ? `${last.seq}:${last.hash}` : `0:${GENESIS_HASH}`;
  }

  private async rows(chain: ChainName): Promise<HistoryRow[]> {
    const rows = await this.db().selectFrom(TABLES[chain]).selectAll().orderBy('seq').execute();
    return rows.map((r) => ({
      seq: Number(r.seq),
      kind: r.kind,
      serial: Number(r.serial),
      at: r.at,
      actor: r.actor,
      entry: r.entry,
      prevHash: r.prev_hash,
      hash: r.hash,
    }));
  }

  /** Developers per status after each recorded change, replayed from both chains in time order. */
  async statusSeries(): Promise<StatusPoint[]> {
    const chains = await this.chains();
    const key = (await Promise.all(chains.map((c) => this.headKey(c)))).join('|');
    if (this.series?.key === key) return this.series.points;
    const events: Array<{ at: string; seq: number; changes: unknown[] }> = [];
    for (const chain of chains) {
      for (const row of await this.rows(chain))
        events.push({ at: row.at, seq: row.seq, changes: changesOf(JSON.parse(row.entry)) });
    }
    events.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.seq - b.seq));
    const counts = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<Status, number>;
    const points: StatusPoint[] = [];
    for (const event of events) {
      let moved = false;
      for (const change of event.changes) moved = applyStatusChange(counts, change) || moved;
      if (moved) points.push({ at: event.at, counts: { ...counts } });
    }
    this.series = { key, points };
    return points;
  }
}

/** The entry that approves a pending request, keeping the name the developer gave. */
export function approvalEntry(email: string, fullName: string): string {
  return stringify([{ email, fullName, status: 'approved' }]).trimEnd();
}

/** What each self-service action (src/portal/engine.ts) does, in the plan's words. */
const ACTION_OPS: Record<string, 'create' | 'update' | 'delete'> = {
  register: 'create',
  'delete-account': 'delete',
  'create-credential': 'create',
  'delete-credential': 'delete',
};

/**
 * The redacted changes an entry records, as plan changes: an apply's own, or the one change of a
 * self-service event (`{action, address, before?, after?}`), so both render and replay alike.
 */
export function changesOf(entry: Record<string, unknown>): unknown[] {
  if (Array.isArray(entry.changes)) return entry.changes;
  if (typeof entry.action !== 'string' || typeof entry.address !== 'string') return [];
  const op = ACTION_OPS[entry.action] ?? 'update';
  const kind = entry.address.includes('.credential[') ? 'credential' : 'developer';
  const secretChange = entry.action.endsWith('-password')
    ? { password: SENSITIVE_CHANGED }
    : Array.isArray(entry.rotated)
      ? Object.fromEntries(entry.rotated.map((f) => [String(f), SENSITIVE_CHANGED]))
      : null;
  const before =
    op === 'create' ? null : ((entry.before as Record<string, unknown> | undefined) ?? (secretChange ? {} : null));
  const after = op === 'delete' ? null : ((entry.after as Record<string, unknown> | undefined) ?? secretChange ?? {});
  return [{ address: entry.address, kind, op, before, after }];
}

const isStatus = (value: unknown): value is Status =>
  typeof value === 'string' && (STATUSES as readonly string[]).includes(value);

function applyStatusChange(counts: Record<Status, number>, change: unknown): boolean {
  if (!change || typeof change !== 'object') return false;
  const { kind, op, before, after } = change as {
    kind?: string;
    op?: string;
    before?: { status?: unknown } | null;
    after?: { status?: unknown } | null;
  };
  if (kind !== undefined && kind !== 'developer') return false;
  if (op === 'move') return false;
  const from = op === 'create' ? undefined : before?.status;
  const to = op === 'delete' ? undefined : after?.status;
  if (from === to || (op === 'update' && !isStatus(from))) return false;
  if (isStatus(from)) counts[from] = Math.max(0, counts[from] - 1);
  if (isStatus(to)) counts[to]++;
  return isStatus(from) || isStatus(to);
}
