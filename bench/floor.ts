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
  const developers = db.prepare('select * from pf_developers').all();
  const credentials = db.prepare('select * from pf_credentials').all();
  db.close();
  return { ms: performance.now() - start, rows: developers.length + credentials.length };
}

function sqliteBulkInsert(source: string, target: string): { ms: number; rows: number } {
  const from = new Database(source, { readonly: true, fileMustExist: true });
  const schema = from
    .prepare(
      "select sql from sqlite_master where type = 'table' and name in ('pf_developers', 'pf_credentials') order by name desc",
    )
    .all() as Array<{ sql: string }>;
  const developers = from.prepare('select * from pf_developers').raw().all() as unknown[][];
  const credentials = from.prepare('select * from pf_credentials').raw().all() as unknown[][];
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
    insert('pf_developers', developers);
    insert('pf_credentials', credentials);
  })();
  const ms = performance.now() - start;
  db.close();
  return { ms, rows: developers.length + credentials.length };
}

async function pgClient(url: string, schema: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, options: `-c search_path="${schema}"` });
  await client.connect();
  return client;
}

async function pgRead(url: string, schema: string): Promise<{ ms: number; rows: number }> {
  const start = performance.now();
  const client = await pgClient(url, schema);
  const developers = await client.query('select * from pf_developers');
  const credentials = await client.query('select * from pf_credentials');
  await client.end();
  return { ms: performance.now() - start, rows: developers.rowCount! + credentials.rowCount! };
}

async function pgBulkInsert(url: string, schema: string, scratch: string): Promise<{ ms: number; rows: number }> {
  const client = await pgClient(url, schema);
  const developers = await client.query({ text: 'select * from pf_developers', rowMode: 'array' });
  const credentials = await client.query({ text: 'select * from pf_credentials', rowMode: 'array' });
  await client.query(`drop schema if exists "${scratch}" cascade`);
  await client.query(`create schema "${scratch}"`);
  await client.query(`create table "${scratch}".pf_developers (like "${schema}".pf_developers including all)`);
  await client.query(`create table "${scratch}".pf_credentials (like "${schema}".pf_credentials including all)`);
  const start = performance.now();
  await client.query('begin');
  for (const [table, result] of [
    ['pf_developers', developers],
    ['pf_credentials', credentials],
  ] as const) {
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
  return { ms, rows: developers.rowCount! + credentials.rowCount! };
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
