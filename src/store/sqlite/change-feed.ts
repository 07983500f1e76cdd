import type SqliteDatabase from 'better-sqlite3';
import type { ChangeFeed } from '../change-feed.js';

/**
 * How long one answer of the file stands. Asking costs a read of the WAL index, on every request
 * of a busy service; within a millisecond the answer is the same as far as any client can tell.
 */
const RECHECK_MS = 1;

/**
 * `pragma data_version` moves when any other connection (an apply, another service) commits to the
 * file; the reader's own commits do not move it, and the reader drops what they touch itself.
 * Asked on the same connection as the reads, synchronously, at most once a millisecond.
 */
export function dataVersionFeed(database: SqliteDatabase.Database): ChangeFeed {
  const statement = database.prepare('pragma data_version').pluck();
  let open = true;
  let askedAt = Number.NEGATIVE_INFINITY;
  let version = 0;
  return {
    generation(exact = false) {
      if (!open || !database.open) return null;
      const now = performance.now(); // the global: node:perf_hooks loads on first use, in `serve` only
      if (exact || now - askedAt >= RECHECK_MS) {
        version = statement.get() as number;
        askedAt = now;
      }
      return version;
    },
    async close() {
      open = false;
    },
  };
}
