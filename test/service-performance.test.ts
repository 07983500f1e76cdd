// What keeps the service's hot path cheap without changing what it answers: helmet's headers
// worked out once (the same as @fastify/helmet's), one prepared statement per SQL text on SQLite,
// and a PostgreSQL pool as large as the caller asks.
import Database from 'better-sqlite3';
import Fastify from 'fastify';
import fastifyHelmet from '@fastify/helmet';
import { afterAll, describe, expect, it } from 'vitest';
import { buildService } from '../src/service/app.js';
import { HELMET_OPTIONS, helmetHeaders } from '../src/http/security-headers.js';
import { PostgresBackend } from '../src/store/postgres/backend.js';
import { withStatementCache } from '../src/store/sqlite/statement-cache.js';
import { sql } from '../src/store/kysely.js';
import { dropTestSchemas, newPostgresState } from './helpers/backends.js';
import { checkingAnswers } from './helpers/openapi.js';
import { portalDouble } from './helpers/portal-double.js';

afterAll(dropTestSchemas);

describe('security headers', () => {
  it('every answer carries exactly the headers @fastify/helmet would set, CSP included', async () => {
    const reference = Fastify();
    await reference.register(fastifyHelmet, HELMET_OPTIONS);
    reference.get('/', async () => 'ok');
    const expected = (await reference.inject({ method: 'GET', url: '/' })).headers;
    await reference.close();

    const app = checkingAnswers(await buildService(portalDouble(), { log: false }));
    for (const url of ['/healthz', '/api/v1/credentials', '/no-such-page']) {
      const response = await app.inject({ method: 'GET', url });
      for (const [name, value] of Object.entries(helmetHeaders())) {
        expect(response.headers[name], `${url} ${name}`).toBe(expected[name]);
        expect(value).toBe(expected[name]);
      }
    }
    expect(helmetHeaders()['content-security-policy']).toContain("default-src 'self'");
    await app.close();
  });
});

describe('SQLite statement cache', () => {
  it('prepares a SQL text once, answers the same, and stays bounded', () => {
    const raw = new Database(':memory:');
    const database = withStatementCache(raw, 3);
    database.prepare('create table t (n integer)').run([]);
    const insert = database.prepare('insert into t (n) values (?)');
    for (let n = 1; n <= 5; n++) {
      expect(database.prepare('insert into t (n) values (?)')).toBe(insert);
      insert.run([n]);
    }
    expect(database.prepare('select sum(n) as s from t').all([])).toEqual([{ s: 15 }]);
    expect(database.cached()).toBe(3);
    database.prepare('select 1');
    expect(database.cached()).toBe(1);
    database.close();
    expect(raw.open).toBe(false);
  });
});

describe('PostgreSQL pool size', () => {
  async function connectionsUsed(poolSize: number | undefined): Promise<number> {
    const backend = new PostgresBackend(newPostgresState(), poolSize === undefined ? {} : { poolSize });
    try {
      const pids = await Promise.all(
        Array.from(
          { length: 12 },
          async () =>
            (await sql<{ pid: number }>`select pg_backend_pid() as pid, pg_sleep(0.3)`.execute(backend.db())).rows[0]!
              .pid,
        ),
      );
      return new Set(pids).size;
    } finally {
      await backend.db().destroy();
    }
  }

  it('the CLI keeps its few connections; a server may ask for more', async () => {
    expect(await connectionsUsed(undefined)).toBe(4);
    expect(await connectionsUsed(12)).toBe(12);
  });
});
