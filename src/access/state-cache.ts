// What the checks keep in memory, and the one rule that keeps it from ever serving a stale answer
// (docs/access-checks.md#the-cache-and-its-guarantee): every check asks the state's change feed
// first, and whatever was kept is dropped when anyone committed since. SQLite's feed is asked
// exactly (no recheck interval): a commit before the check began moves `data_version`. PostgreSQL's
// moves when the commit's notification arrives; a feed that lost its connection answers null and
// then nothing is kept or served from memory: every check reads the state.
import type { PortalSettings } from '../model.js';
import type { ChangeFeed } from '../store/change-feed.js';
import type { StoredSecret } from '../store/types.js';
import type { AccessAnswer } from './answer.js';

/** Past this many credentials (or key-auth answers) kept, the cache starts over: memory stays bounded. */
const MAX_CREDENTIALS = 200_000;

/** What a check derives from a credential once and then reuses, dropped with the credential. */
export interface CredentialMemo {
  /** A keyed digest of the basic-auth password that last passed the slow hash. */
  verifier?: Buffer;
  /** A jwt's verification key, imported once. */
  jwtKey?: unknown;
  /** An hmac-auth or HS* jwt secret, decrypted once. */
  secret?: string;
  /** The answers that let it call, by the API asked about (null: `/api/v1/access`). */
  allowed?: Map<string | null, AccessAnswer>;
}

/** A credential and what its owner may call, as one check needs it. */
export interface AccessCredential {
  id: string;
  type: string;
  identity: string;
  fields: Record<string, unknown>;
  secrets: Record<string, StoredSecret>;
  active: boolean;
  developer: { id: string; email: string; status: string; customId: string | null; groups: readonly string[] };
  /** For an application's credential: its name and the APIs it holds an approved registration to. */
  application: { id: string; name: string; approvedApis: readonly string[] } | null;
  memo: CredentialMemo;
}

/**
 * What one check may reuse without a read: the settings once read, and the answers key-auth keys
 * earned. A key-auth answer depends on nothing but the key, the API and the state, so it stands
 * until the next change; the other types verify a password, a signature or a clock on every check.
 */
export interface KeptAnswers {
  /** The settings, when a read of them has completed since the last change. */
  settings: PortalSettings | undefined;
  /** Allowed key-auth answers by API and salted key digest (checker.ts), dropped at the next change. */
  answers: Map<string, AccessAnswer>;
}

/** The reads of the state a check may make (state-reads.ts); each throws StateUnreadable when it cannot. */
export interface AccessReads {
  settings(): Promise<PortalSettings>;
  /** Every API by name, with its acl groups. */
  apis(): Promise<ReadonlyMap<string, readonly string[]>>;
  credential(type: string, uniqueValue: string): Promise<AccessCredential | null>;
}

export class AccessCache {
  private settings: Promise<PortalSettings> | null = null;
  private apis: Promise<ReadonlyMap<string, readonly string[]>> | null = null;
  private readonly credentials = new Map<string, Promise<AccessCredential | null>>();
  private kept: KeptAnswers = { settings: undefined, answers: new Map() };
  private seen: number | null = null;

  constructor(
    private readonly reads: AccessReads,
    private readonly feed: ChangeFeed | null,
  ) {}

  /**
   * The state as one check sees it. Synchronous up to the feed's answer, so nothing committed
   * before the call (SQLite) or notified before it (PostgreSQL) can be answered from memory.
   */
  begin(): AccessReads {
    const generation = this.feed?.generation(true) ?? null;
    if (generation === null || generation !== this.seen) {
      this.clear();
      this.seen = generation;
    }
    return generation === null ? this.reads : this.view;
  }

  /**
   * What the last begin() lets a check reuse without a read; null when nothing may be kept (a feed
   * that lost its connection). Call it right after begin(), in the same synchronous step.
   */
  keptAnswers(): KeptAnswers | null {
    if (this.seen === null) return null;
    if (this.kept.answers.size >= MAX_CREDENTIALS) this.kept.answers.clear();
    return this.kept;
  }

  private readonly view: AccessReads = {
    settings: () => {
      if (!this.settings) {
        const read = this.reads.settings();
        this.settings = read;
        read.then(
          (settings) => this.settings === read && (this.kept.settings = settings),
          // A read that failed is not kept (unless a newer one took its place): the next check tries again.
          () => this.settings === read && (this.settings = null),
        );
      }
      return this.settings;
    },
    apis: () => {
      if (!this.apis) {
        const read = this.reads.apis();
        this.apis = read;
        read.catch(() => this.apis === read && (this.apis = null));
      }
      return this.apis;
    },
    credential: (type, uniqueValue) => {
      const key = `${type}\0${uniqueValue}`;
      let found = this.credentials.get(key);
      if (!found) {
        if (this.credentials.size >= MAX_CREDENTIALS) this.credentials.clear();
        const read = this.reads.credential(type, uniqueValue);
        read.catch(() => this.credentials.get(key) === read && this.credentials.delete(key));
        this.credentials.set(key, read);
        found = read;
      }
      return found;
    },
  };

  clear(): void {
    this.settings = null;
    this.apis = null;
    this.credentials.clear();
    // A new object, not the old one emptied: a check decided before the change and finishing after
    // it keeps its answer in the old one, which nothing reads any more.
    this.kept = { settings: undefined, answers: new Map() };
  }
}
