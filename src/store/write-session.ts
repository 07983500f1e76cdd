import type { Backend, Conn } from './backend.js';
import { sql } from './kysely.js';
import { readHistory, readSnapshot } from './read.js';
import type { HistoryRow, ReadScope, StateSnapshot } from './types.js';
import { StateWriter } from './writer.js';

/** One connection holding the lock; apply runs its transaction here. */
export class WriteSession {
  constructor(
    readonly conn: Conn,
    private readonly backend: Backend,
  ) {}

  /** The state as it is under the lock (migrated: sync digests exist). */
  read(scope?: ReadScope): Promise<StateSnapshot> {
    return readSnapshot(this.conn, scope);
  }

  readHistory(): Promise<HistoryRow[]> {
    return readHistory(this.conn);
  }

  /** All-or-nothing: commits when `fn` returns, rolls back when it throws. */
  async transaction<T>(fn: (writer: StateWriter) => Promise<T>): Promise<T> {
    await sql.raw(this.backend.beginWrite).execute(this.conn);
    try {
      const result = await fn(new StateWriter(this.conn, this.backend.maxParams, this.backend.kind));
      await sql`commit`.execute(this.conn);
      return result;
    } catch (error) {
      await sql`rollback`.execute(this.conn).catch(() => undefined);
      throw error;
    }
  }
}
