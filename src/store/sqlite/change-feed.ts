import type SqliteDatabase from 'better-sqlite3';
import type { ChangeFeed } from '../change-feed.js';
import { openWalIndexProbe } from './wal-index.js';

/**
 * How long one answer of the file stands. Asking costs a read of the WAL index, on every request
 * of a busy service; within a millisecond the answer is the same as far as any client can tell.
 */
const RECHECK_MS = 1;

/**
 * `pragma data_version` moves when any other connection (an apply, another service) commits to the
 * file; the reader's own commits do not move it, and the reader drops what they touch itself.
 * Asked on the same connection as the reads, synchronously, at most once a millisecond; an exact
 * call asks it again only when the WAL-index header moved since the last answer (wal-index.ts):
 * a commit moves the header before it returns, so no commit made before the call is missed.
 */
export function dataVersionFeed(database: SqliteDatabase.Database): ChangeFeed {
  const statement = database.prepare('pragma data_version').pluck();
  const probe = openWalIndexProbe(database.name);
  let open = true;
  let askedAt = Number.NEGATIVE_INFINITY;
  let version = 0;
  return {
    generation(exact = false) {
      if (!open || !database.open) return null;
      const now = performance.now(); // the global: node:perf_hooks loads on first use, in `serve` only
      // The header is read before the pragma: a commit after this read moves it again for the next call.
      const stale = exact ? probe?.moved() !== false : now - askedAt >= RECHECK_MS;
      if (stale) {
        version = statement.get() as number;
        askedAt = now;
      }
      return version;
    },
    async close() {
      open = false;
      probe?.close();
    },
  };
}
