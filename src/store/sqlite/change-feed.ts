import type SqliteDatabase from 'better-sqlite3';
import type { ChangeFeed } from '../change-feed.js';

/**
 * `pragma data_version` moves when any other connection (an apply, another service) commits to the
 * file; the reader's own commits do not move it, and the reader drops what they touch itself.
 * Asked on the same connection as the reads, synchronously, so no commit can slip in between.
 */
export function dataVersionFeed(database: SqliteDatabase.Database): ChangeFeed {
  const statement = database.prepare('pragma data_version').pluck();
  let open = true;
  return {
    generation: () => (open && database.open ? (statement.get() as number) : null),
    async close() {
      open = false;
    },
  };
}
