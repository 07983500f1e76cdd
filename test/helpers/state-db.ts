// Direct access to a test state's database, for tests that tamper with it or inspect its rows.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import type { Workspace } from './cli.js';

export const STATE_TABLES = ['pf_meta', 'pf_developers', 'pf_credentials', 'pf_history'];

type Query = (sql: string) => Promise<unknown[]>;

/** Runs `fn` with a query function on the workspace's state, SQLite or PostgreSQL alike. */
export async function withStateDb<T>(
  w: Workspace,
  fn: (query: Query, schema: string | null) => Promise<T>,
): Promise<T> {
  if (!w.state.startsWith('postgres')) {
    const db = new Database(join(w.dir, 'portalform.db'));
    try {
      return await fn(async (sql) => {
        if (/^\s*select/i.test(sql)) return db.prepare(sql).all();
        db.exec(sql);
        return [];
      }, null);
    } finally {
      db.close();
    }
  }
  const url = new URL(w.state);
  const schema = url.searchParams.get('schema')!;
  url.searchParams.delete('schema');
  const client = new pg.Client({ connectionString: url.toString(), options: `-c search_path=${schema}` });
  await client.connect();
  try {
    return await fn(async (sql) => (await client.query(sql)).rows, schema);
  } finally {
    await client.end();
  }
}

export function runSql(w: Workspace, statements: string[]): Promise<void> {
  return withStateDb(w, async (query) => {
    for (const statement of statements) await query(statement);
  });
}

/** Every row of the given tables as JSON text: two dumps are equal when nothing changed. */
export function dumpTables(w: Workspace, tables: string[]): Promise<string> {
  return withStateDb(w, async (query) => {
    const dumps: string[] = [];
    for (const table of tables) dumps.push(JSON.stringify(await query(`select * from ${table} order by 1`)));
    return dumps.join('\n');
  });
}
