// The floor the benchmark compares portalform with, run as a process of its own like portalform:
//   node dist/bench/floor.js read-parse <manifest dir> <sqlite state>   parse every manifest with `yaml`, read the stored rows with a bare query
//   node dist/bench/floor.js bulk-insert <sqlite state> <scratch db>    insert the same rows into an empty copy of the schema
//   node dist/bench/floor.js pg-read <url> <schema> | pg-bulk-insert <url> <schema> <scratch schema>
// Prints one JSON line of in-process timings (ms) on stdout.
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import pg from 'pg';
import { parseAllDocuments } from 'yaml';

const [command, ...args] = process.argv.slice(2);

/** The tables a plan reads and a first apply writes, parents first (foreign keys). */
const TABLES = ['pf_developers', 'pf_apis', 'pf_applications', 'pf_credentials', 'pf_registrations'];

function manifestFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith('.')) continue;
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...manifestFiles(full));
    else if (/\.(ya?ml|json)$/i.test(name)) out.push(full);
  }
  return out;
}

function parseAll(dir: string): { ms: number; documents: number } {
  const start = performance.now();
  let documents = 0;
  for (const file of manifestFiles(dir)) {
    for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
      if (!('toJS' in doc)) continue;
      doc.toJS();
      documents++;
    }
  }
  return { ms: performance.now() - start, documents };
}

function sqliteRead(file: string): { ms: number; rows: number } {
  const start = performance.now();
  const db = new Database(file, { readonly: true, fileMustExist: true });
  let rows = 0;
  for (const table of TABLES) rows += db.prepare(`select * from ${table}`).all().length;
  db.close();
  return { ms: performance.now() - start, rows };
}

function sqliteBulkInsert(source: string, target: string): { ms: number; rows: number } {
  const from = new Database(source, { readonly: true, fileMustExist: true });
  const schemaOf = from.prepare(
    "select sql from sqlite_master where tbl_name = ? and type in ('table', 'index') and sql is not null order by type desc",
  );
  const schema = TABLES.flatMap((table) => schemaOf.all(table) as Array<{ sql: string }>);
  const data = TABLES.map(
    (table) => [table, from.prepare(`select * from ${table}`).raw().all() as unknown[][]] as const,
  );
  from.close();
  for (const suffix of ['', '-wal', '-shm']) rmSync(target + suffix, { force: true });
  const db = new Database(target);
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.pragma('synchronous = FULL');
  for (const { sql } of schema) db.exec(sql);
  const start = performance.now();
  const insert = (table: string, rows: unknown[][]) => {
    if (rows.length === 0) return;
    const statement = db.prepare(`insert into ${table} values (${rows[0]!.map(() => '?').join(', ')})`);
    for (const row of rows) statement.run(row);
  };
  db.transaction(() => {
    for (const [table, rows] of data) insert(table, rows);
  })();
  const ms = performance.now() - start;
  db.close();
  return { ms, rows: data.reduce((n, [, rows]) => n + rows.length, 0) };
}

async function pgClient(url: string, schema: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, options: `-c search_path="${schema}"` });
  await client.connect();
  return client;
}

async function pgRead(url: string, schema: string): Promise<{ ms: number; rows: number }> {
  const start = performance.now();
  const client = await pgClient(url, schema);
  let rows = 0;
  for (const table of TABLES) rows += (await client.query(`select * from ${table}`)).rowCount!;
  await client.end();
  return { ms: performance.now() - start, rows };
}

async function pgBulkInsert(url: string, schema: string, scratch: string): Promise<{ ms: number; rows: number }> {
  const client = await pgClient(url, schema);
  const data: Array<[string, pg.QueryResult]> = [];
  for (const table of TABLES)
    data.push([table, await client.query({ text: `select * from ${table}`, rowMode: 'array' })]);
  await client.query(`drop schema if exists "${scratch}" cascade`);
  await client.query(`create schema "${scratch}"`);
  for (const table of TABLES)
    await client.query(`create table "${scratch}".${table} (like "${schema}".${table} including all)`);
  const start = performance.now();
  await client.query('begin');
  for (const [table, result] of data) {
    const rows = result.rows as unknown[][];
    const columns = result.fields.length;
    const per = Math.floor(60_000 / columns);
    for (let i = 0; i < rows.length; i += per) {
      const chunk = rows.slice(i, i + per);
      const values = chunk.map(
        (_, r) => `(${Array.from({ length: columns }, (_, c) => `$${r * columns + c + 1}`).join(', ')})`,
      );
      await client.query(`insert into "${scratch}".${table} values ${values.join(', ')}`, chunk.flat());
    }
  }
  await client.query('commit');
  const ms = performance.now() - start;
  await client.query(`drop schema "${scratch}" cascade`);
  await client.end();
  return { ms, rows: data.reduce((n, [, result]) => n + result.rowCount!, 0) };
}

async function main(): Promise<void> {
  switch (command) {
    case 'read-parse': {
      const parse = parseAll(args[0]!);
      const read = sqliteRead(args[1]!);
      return print({ parseMs: parse.ms, readMs: read.ms, documents: parse.documents, rows: read.rows });
    }
    case 'parse':
      return print({ parseMs: parseAll(args[0]!).ms });
    case 'bulk-insert': {
      const result = sqliteBulkInsert(args[0]!, args[1]!);
      return print({ insertMs: result.ms, rows: result.rows });
    }
    case 'pg-read-parse': {
      const parse = parseAll(args[0]!);
      const read = await pgRead(args[1]!, args[2]!);
      return print({ parseMs: parse.ms, readMs: read.ms, rows: read.rows });
    }
    case 'pg-bulk-insert': {
      const result = await pgBulkInsert(args[0]!, args[1]!, args[2]!);
      return print({ insertMs: result.ms, rows: result.rows });
    }
    default:
      throw new Error(`unknown floor command ${command}`);
  }
}

function print(value: Record<string, number>): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

await main();
