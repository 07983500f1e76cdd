// Failed basic-auth and hmac-auth checks per username and original client address, in this
// instance's memory (docs/access-checks.md): a check never writes the state, so N instances allow up
// to N times the limit. Past the limit a check is refused before any hash is computed.

const WINDOW_MS = 15 * 60 * 1000;
/** Past this many counted pairs, the expired ones go; memory stays bounded. */
const MAX_PAIRS = 100_000;

interface Count {
  failures: number;
  since: number;
}

export class FailureThrottle {
  private readonly counts = new Map<string, Count>();

  constructor(
    private readonly limit: number,
    private readonly now: () => number,
  ) {}

  /** Seconds until the pair may try again, or 0 when it may now. */
  retryAfter(username: string, address: string): number {
    const count = this.live(pairOf(username, address));
    if (!count || count.failures < this.limit) return 0;
    return (count.since + WINDOW_MS - this.now()) / 1000;
  }

  fail(username: string, address: string): void {
    const key = pairOf(username, address);
    const count = this.live(key);
    if (count) count.failures++;
    else {
      if (this.counts.size >= MAX_PAIRS) this.sweep();
      this.counts.set(key, { failures: 1, since: this.now() });
    }
  }

  succeed(username: string, address: string): void {
    this.counts.delete(pairOf(username, address));
  }

  private live(key: string): Count | undefined {
    const count = this.counts.get(key);
    if (count && this.now() - count.since >= WINDOW_MS) {
      this.counts.delete(key);
      return undefined;
    }
    return count;
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, count] of this.counts) if (now - count.since >= WINDOW_MS) this.counts.delete(key);
    // Still full: the oldest pair goes first (a Map iterates in insertion order).
    while (this.counts.size >= MAX_PAIRS) {
      const oldest = this.counts.keys().next().value;
      if (oldest === undefined) break;
      this.counts.delete(oldest);
    }
  }
}

function pairOf(username: string, address: string): string {
  return `${username}\0${address}`;
}
