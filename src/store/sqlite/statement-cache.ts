// Kysely's SQLite dialect prepares every query anew; the service runs the same few queries all the
// time, so each SQL text keeps its prepared statement. better-sqlite3 runs a statement to the end
// before the next one starts, so one statement per text can serve every query of that text.
import type SqliteDatabase from 'better-sqlite3';
import type { SqliteDatabase as KyselySqliteDatabase } from '../kysely.js';

/** SQL texts kept at most; past it the cache starts again (bulk writes build texts by row count). */
export const STATEMENT_CACHE_SIZE = 256;

export function withStatementCache(
  database: SqliteDatabase.Database,
  size = STATEMENT_CACHE_SIZE,
): KyselySqliteDatabase & { cached(): number } {
  const statements = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => {
      statements.clear();
      database.close();
    },
    prepare: (text: string) => {
      let statement = statements.get(text);
      if (!statement) {
        if (statements.size >= size) statements.clear();
        statement = database.prepare(text);
        statements.set(text, statement);
      }
      return statement;
    },
    cached: () => statements.size,
  };
}
