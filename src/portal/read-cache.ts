// What the service keeps in memory between requests: the live sessions it has looked up and each
// developer's credential list, the two reads every authenticated page and API call makes. Kept only
// while the state's change feed (store/change-feed.ts) says nobody else has committed since, and
// dropped by this instance's own writes, so an answer from here is never older than the last
// commit the instance could know of. Only ever trusted to say yes: a session that looks expired or
// due for a refresh here is read again from the state before anything is decided on it.
import type { ChangeFeed } from '../store/change-feed.js';
import type { SessionRow } from '../store/session-rows.js';
import type { PublicCredential } from './contract.js';

/** Past this many entries of a kind, that kind starts over: memory stays bounded. */
const MAX_ENTRIES = 50_000;

export class ReadCache {
  private readonly sessions = new Map<string, SessionRow>();
  private readonly credentials = new Map<string, readonly PublicCredential[]>();
  /** Moves at every drop: a read that began before it must not be kept. */
  private epoch = 0;
  private seen: number | null = null;

  constructor(private readonly feed: ChangeFeed | null) {}

  /**
   * Call before a read: drops everything when someone else committed since. Returns the epoch to
   * hand back to `keep…` with the read's result, or null when nothing may be kept now.
   */
  begin(): number | null {
    const generation = this.feed?.generation() ?? null;
    if (generation === null || generation !== this.seen) {
      this.drop();
      this.seen = generation;
      if (generation === null) return null;
    }
    return this.epoch;
  }

  /** Whether nothing was dropped since `begin` returned `epoch`: what was checked then still holds. */
  isCurrent(epoch: number): boolean {
    return epoch === this.epoch;
  }

  /** After a write of this instance (or one that may have happened): nothing kept survives it. */
  drop(): void {
    this.epoch++;
    this.sessions.clear();
    this.credentials.clear();
  }

  session(digest: string): SessionRow | undefined {
    return this.sessions.get(digest);
  }

  keepSession(epoch: number | null, digest: string, row: SessionRow): void {
    if (epoch === this.epoch) keep(this.sessions, digest, row);
  }

  forgetSession(digest: string): void {
    this.sessions.delete(digest);
  }

  credentialsOf(developerId: string): readonly PublicCredential[] | undefined {
    return this.credentials.get(developerId);
  }

  keepCredentials(epoch: number | null, developerId: string, list: readonly PublicCredential[]): void {
    if (epoch === this.epoch) keep(this.credentials, developerId, list);
  }

  close(): Promise<void> {
    this.drop();
    return this.feed?.close() ?? Promise.resolve();
  }
}

function keep<T>(map: Map<string, T>, key: string, value: T): void {
  if (map.size >= MAX_ENTRIES) map.clear();
  map.set(key, value);
}
