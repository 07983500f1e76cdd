// What a check costs on SQLite when nothing changed, counted rather than timed: the change feed
// looks at the WAL-index header and asks `pragma data_version` only when a commit moved it, and
// still sees every commit by another connection at the next exact call; a header it cannot read
// whole sends it back to the pragma. And the check's read of a developer's acl groups is one range
// of an index, not a walk over every acl credential of the portal.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { apply } from '../src/engine.js';
import { aclGroupsQuery } from '../src/store/access-rows.js';
import { Kysely, SqliteDialect } from '../src/store/kysely.js';
import type { Database } from '../src/store/schema.js';
import { dataVersionFeed } from '../src/store/sqlite/change-feed.js';
import { openWalIndexProbe } from '../src/store/sqlite/wal-index.js';
import { tempDir } from './helpers/temp.js';

function walPair(): { path: string; reader: SqliteDatabase.Database; writer: SqliteDatabase.Database } {
  const path = join(tempDir('pf-wal-'), 'state.db');
  const writer = new SqliteDatabase(path);
  writer.pragma('journal_mode = WAL');
  writer.exec('create table t (n integer)');
  const reader = new SqliteDatabase(path);
  reader.prepare('select count(*) from t').get();
  return { path, reader, writer };
}

/** What dataVersionFeed uses of a database, each pragma it runs counted; `name` may point elsewhere. */
function counted(database: SqliteDatabase.Database, name = database.name) {
  const counter = { pragmas: 0 };
  const seen = {
    name,
    get open() {
      return database.open;
    },
    prepare(source: string) {
      const statement = database.prepare(source).pluck();
      return {
        pluck: () => ({
          get: () => {
            counter.pragmas++;
            return statement.get();
          },
        }),
      };
    },
  };
  return { database: seen as unknown as SqliteDatabase.Database, counter };
}

describe('SQLite change detection for access checks', () => {
  it('sees every commit of another connection at the next exact call, and asks the pragma only then', async () => {
    const { reader, writer } = walPair();
    const { database, counter } = counted(reader);
    const feed = dataVersionFeed(database);
    const first = feed.generation(true);
    for (let i = 0; i < 1000; i++) expect(feed.generation(true)).toBe(first);
    expect(counter.pragmas).toBe(1);

    let last = first;
    for (let commit = 0; commit < 50; commit++) {
      writer.prepare('insert into t values (?)').run(commit);
      const now = feed.generation(true);
      expect(now).not.toBe(last);
      last = now;
      expect(feed.generation(true)).toBe(now);
    }
    expect(counter.pragmas).toBe(51);
    await feed.close();
    reader.close();
    writer.close();
  });

  it('reads the WAL-index header whole or not at all', () => {
    const { path, reader, writer } = walPair();
    const probe = openWalIndexProbe(path);
    expect(probe).not.toBeNull();
    expect(probe?.moved()).toBe(true);
    expect(probe?.moved()).toBe(false);
    writer.prepare('insert into t values (1)').run();
    expect(probe?.moved()).toBe(true);
    expect(probe?.moved()).toBe(false);
    probe?.close();
    expect(probe?.moved()).toBeNull();

    // Two copies that disagree (a commit half-way through writing them) cannot be trusted.
    const torn = join(tempDir('pf-wal-'), 'torn.db');
    const header = Buffer.alloc(96, 1);
    header[48 + 20] = 2;
    writeFileSync(`${torn}-shm`, header);
    expect(openWalIndexProbe(torn)?.moved()).toBeNull();
    // No shared-memory file: not in WAL mode, nothing to read.
    expect(openWalIndexProbe(join(tempDir('pf-wal-'), 'none.db'))).toBeNull();
    reader.close();
    writer.close();
  });

  it('falls back to the pragma on every exact call when the header cannot be read', async () => {
    const { reader, writer } = walPair();
    const elsewhere = join(tempDir('pf-wal-'), 'uninitialised.db');
    writeFileSync(`${elsewhere}-shm`, Buffer.alloc(96)); // isInit 0: no header written yet
    const { database, counter } = counted(reader, elsewhere);
    const feed = dataVersionFeed(database);
    for (let i = 0; i < 10; i++) feed.generation(true);
    expect(counter.pragmas).toBe(10);
    await feed.close();
    reader.close();
    writer.close();
  });

  it("plans a developer's acl groups as one range of the credentials' identity index", async () => {
    const dir = tempDir('pf-acl-plan-');
    const developers = Array.from(
      { length: 50 },
      (_, i) =>
        `  - email: dev${i}@example.com\n    fullName: Dev ${i}\n    status: approved\n    credentials:\n` +
        `      - { type: acl, group: partners }\n      - { type: acl, group: beta }\n`,
    );
    writeFileSync(join(dir, 'portal.yaml'), `version: 1\ndevelopers:\n${developers.join('')}`);
    const state = join(dir, 'state.db');
    await apply({ paths: ['portal.yaml'], state, cwd: dir, env: {} });
    const database = new SqliteDatabase(state, { readonly: true });
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
    const id = (database.prepare('select id from pf_developers limit 1').get() as { id: string }).id;
    const query = aclGroupsQuery(db, id);
    expect((await query.execute()).map((row) => row.identity)).toEqual(['beta', 'partners']);
    const { sql, parameters } = query.compile();
    const plan = (database.prepare(`explain query plan ${sql}`).all(...parameters) as Array<{ detail: string }>)
      .map((step) => step.detail)
      .join('\n');
    expect(plan).toMatch(
      /SEARCH pf_credentials USING (COVERING )?INDEX pf_credentials_identity \(developer_id=\? AND <expr>=\? AND type=\?\)/,
    );
    await db.destroy();
  });
});
