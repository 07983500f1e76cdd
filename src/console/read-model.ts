// The console's read model (docs/portal-service.md): access requests, developers, their
// applications, the APIs, the history and its chains, as data for the pages. The queries are the
// store's (src/store/developer-listing.ts, src/store/console-applications.ts,
// src/store/history-pages.ts, src/store/access-requests.ts); this module pages, caches, trims
// large entries and verifies the chains.
import { GENESIS_HASH, verifyChain, type VerifyResult } from '../history.js';
import type { Status } from '../model.js';
import { portalSettingsFromMeta } from '../portal-settings.js';
import {
  accessRequestOf,
  type AccessRequest,
  type RegistrationRequest as ListedRegistrationRequest,
  mergedEntries,
  registrationApprovalEntry,
} from '../requests.js';
import { readAccessRequests } from '../store/access-requests.js';
import type { Conn } from '../store/backend.js';
import {
  type ApiRegistrationQuery,
  type ApiRegistrationRow,
  type ApiSummary,
  type ApplicationRow,
  readApiRegistrations,
  readApiSummaries,
  readApiSummary,
  readDeveloperApplications,
  readRegistrationRequests,
} from '../store/console-applications.js';
import {
  type DeveloperDetail,
  type DeveloperQuery,
  type DeveloperRow,
  readDeveloperDetail,
  readDeveloperPage,
  readStatusCounts,
} from '../store/developer-listing.js';
import {
  type ChainName,
  presentChains,
  readChain,
  readChainBytes,
  readChainHead,
  readEntrySlices,
  readTimelineRows,
} from '../store/history-pages.js';
import type { Store } from '../store/index.js';
import { readMeta } from '../store/meta.js';
import {
  changesFrom,
  ENTRY_SLICE,
  ENTRY_TAIL,
  entryFrame,
  LARGE_ENTRY_BYTES,
  summaryCount,
  type ChangesPage,
} from './large-entry.js';
import { changesOf, type StatusPoint, statusPoints } from './status-series.js';

export type { AccessRequest } from '../requests.js';
export type { CredentialRow, DeveloperQuery, DeveloperRow } from '../store/developer-listing.js';
export type { ChainName } from '../store/history-pages.js';
export type { ApiRegistrationRow, ApiSummary, ApplicationRow } from '../store/console-applications.js';

/** A pending registration a reviewer decides, with the manifest entry that approves it (as `portalform requests` prints it). */
export interface RegistrationRequest extends ListedRegistrationRequest {
  fullName: string;
  /** Whether the manifests declare the developer: the entry's `applications` are then merged into theirs. */
  developerManaged: boolean;
}

/**
 * Every registration request's entry at once, one entry per developer merging its requests (as
 * `portalform requests --format manifest` prints them), so that pasting them all declares no developer twice.
 */
export function mergedRegistrationEntries(requests: RegistrationRequest[]): string {
  const declared = new Set(requests.filter((r) => r.developerManaged).map((r) => r.email));
  return mergedEntries({ requests: [], registrations: requests, declared }).join('\n');
}

/** One developer with its own credentials (never an application's) and its applications. */
export type DeveloperWithApplications = DeveloperDetail & { applications: ApplicationRow[] };
export { changesOf, type StatusPoint } from './status-series.js';

export const ORIGINS = ['manifest', 'self-service', 'released'] as const;

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
const VERIFY_TTL_MS = 30_000;

export class ConsoleReadModel {
  private verified = new Map<ChainName, { key: string; checkedAt: number; result: VerifyResult }>();
  private series: { key: string; points: StatusPoint[] } | null = null;
  /** Parsed, trimmed entries by chain, seq and hash: an apply's entry can hold 100,000s of changes. */
  private parsed = new Map<string, { entry: Record<string, unknown>; changeCount: number }>();
  private running = new Map<ChainName, { key: string; done: Promise<void> }>();
  /** Characters of entry text the queries returned: what a page costs, whatever the machine. */
  readonly readStats = { entryChars: 0 };

  constructor(private readonly store: Store) {}

  private db(): Conn {
    const db = this.store.backend.db();
    if (!db) throw new Error('the state is not open');
    return db;
  }

  /** Unmanaged pending developers whose address is verified, oldest first. */
  async accessRequests(limit = 500): Promise<AccessRequest[]> {
    return (await readAccessRequests(this.db(), limit, { verified: true })).map(accessRequestOf);
  }

  /** Sign-ups that have not verified their address, oldest first: listed apart, so that they never crowd out a request. */
  async unverifiedSignUps(limit = 500): Promise<AccessRequest[]> {
    return (await readAccessRequests(this.db(), limit, { verified: false })).map(accessRequestOf);
  }

  /** Unmanaged pending registrations, oldest first: listed right after the access requests. */
  async registrationRequests(limit = 500): Promise<RegistrationRequest[]> {
    return (await readRegistrationRequests(this.db(), limit)).map(({ origin: _origin, ...request }) => ({
      ...request,
      manifest: registrationApprovalEntry(request.email, [request], { declared: request.developerManaged }),
    }));
  }

  statusCounts(): Promise<Record<Status, number>> {
    return readStatusCounts(this.db());
  }

  /**
   * One page of developers ordered by email; `next` is the key of the following page, null at the end.
   * Each counts its own credentials, as its page lists them: its applications' are theirs.
   */
  async developers(query: DeveloperQuery): Promise<{ developers: DeveloperRow[]; next: string | null }> {
    return readDeveloperPage(this.db(), this.store.backend.kind, query);
  }

  /** One developer; the credentials its applications hold are shown under them, not among its own. */
  async developer(email: string): Promise<DeveloperWithApplications | null> {
    const [detail, applications] = await Promise.all([
      readDeveloperDetail(this.db(), email),
      readDeveloperApplications(this.db(), email),
    ]);
    if (!detail) return null;
    return { ...detail, applications };
  }

  /** The portal's `autoApproveRegistrations`, which decides for an API that does not set its own. */
  async portalAutoApprove(): Promise<boolean> {
    return portalSettingsFromMeta(await readMeta(this.db())).autoApproveRegistrations;
  }

  apis(): Promise<ApiSummary[]> {
    return readApiSummaries(this.db());
  }

  api(name: string): Promise<ApiSummary | null> {
    return readApiSummary(this.db(), name);
  }

  /** One page of an API's registrations in one status, oldest first. */
  apiRegistrations(
    api: string,
    query: ApiRegistrationQuery,
  ): Promise<{ registrations: ApiRegistrationRow[]; next: string | null }> {
    return readApiRegistrations(this.db(), api, query);
  }

  private chains(): Promise<ChainName[]> {
    return presentChains(this.store.backend, this.db());
  }

  /** Both chains' entries, newest first; `before` pages by the time of the last entry shown. */
  async timeline(
    options: { before?: string; limit?: number } = {},
  ): Promise<{ entries: TimelineEntry[]; next: string | null }> {
    const limit = Math.min(Math.max(options.limit ?? 20, 1), 100);
    const entries: TimelineEntry[] = [];
    for (const chain of await this.chains()) {
      const rows = await readTimelineRows(this.db(), chain, {
        before: options.before,
        limit: limit + 1,
        wholeBytes: LARGE_ENTRY_BYTES,
      });
      for (const { entry, ...row } of rows) {
        const content =
          entry === null ? { entry: {}, changeCount: null } : this.trimmed(chain, row.seq, row.hash, entry);
        entries.push({ chain, ...row, ...content });
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
    const row = await readEntrySlices(this.db(), this.store.backend.kind, chain, seq, {
      head: start === null ? ENTRY_SLICE : 4096,
      tail: ENTRY_TAIL,
      ...(start === null ? {} : { from: { start, length: ENTRY_SLICE } }),
    });
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
      bytes: row.bytes,
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
      if ((await readChainBytes(this.db(), chain)) <= INLINE_VERIFY_BYTES) {
        const result = verifyChain(await readChain(this.db(), chain));
        this.verified.set(chain, { key, checkedAt: Date.now(), result });
        out.push({ chain, result });
        continue;
      }
      // A failed read is tried again on the next view.
      if (this.running.get(chain)?.key !== key)
        this.running.set(chain, { key, done: this.verifyLater(chain, key).catch(() => undefined) });
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
      const result = verifyChain(await readChain(this.db(), chain));
      this.verified.set(chain, { key, checkedAt: Date.now(), result });
    } finally {
      if (this.running.get(chain)?.key === key) this.running.delete(chain);
    }
  }

  private async headKey(chain: ChainName): Promise<string> {
    const last = await readChainHead(this.db(), chain);
    return last ? `${last.seq}:${last.hash}` : `0:${GENESIS_HASH}`;
  }

  /** Developers per status after each recorded change, replayed from both chains in time order. */
  async statusSeries(): Promise<StatusPoint[]> {
    const chains = await this.chains();
    const key = (await Promise.all(chains.map((c) => this.headKey(c)))).join('|');
    if (this.series?.key === key) return this.series.points;
    const recorded = [];
    for (const chain of chains) {
      for (const row of await readChain(this.db(), chain))
        recorded.push({ at: row.at, seq: row.seq, changes: changesOf(JSON.parse(row.entry)) });
    }
    const points = statusPoints(recorded);
    this.series = { key, points };
    return points;
  }
}
