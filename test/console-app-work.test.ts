// The console's reads of applications and APIs do a page's worth of work whatever the state holds,
// on SQLite and PostgreSQL (counted, not timed, as test/console-scale.test.ts counts the developer
// list): with 3,000 registrations to one API, the API's page reads one statement per status and a
// page of rows, the registration requests are one statement of at most their limit, and a
// developer's applications take three statements however many there are.
import type { KyselyPlugin, QueryResult, UnknownRow } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Conn } from '../src/store/backend.js';
import {
  readApiRegistrations,
  readApiSummaries,
  readDeveloperApplications,
  readRegistrationRequests,
} from '../src/store/console-applications.js';
import { openStore, type Store } from '../src/store/index.js';
import { BACKENDS, dropTestSchemas } from './helpers/backends.js';
import type { Workspace } from './helpers/cli.js';
import { workspace } from './helpers/cli.js';
import { runSql } from './helpers/state-db.js';

afterAll(dropTestSchemas);

const APPLICATIONS = 3000;
const PENDING_EVERY = 3;

/** Statements run and rows they returned, through a connection that counts them. */
function counting(db: Conn): { conn: Conn; work: { statements: number; rows: number } } {
  const work = { statements: 0, rows: 0 };
  const plugin: KyselyPlugin = {
    transformQuery: ({ node }) => {
      work.statements++;
      return node;
    },
    transformResult: async ({ result }: { result: QueryResult<UnknownRow> }) => {
      work.rows += result.rows.length;
      return result;
    },
  };
  return { conn: db.withPlugin(plugin), work };
}

async function seed(w: Workspace): Promise<void> {
  const at = (i: number) => new Date(Date.UTC(2026, 4, 1) + i * 60_000).toISOString();
  const statements = [
    `insert into pf_developers (id, email, full_name, status, meta, origin, email_verified, created_at, updated_at)
      values ('many', 'many@example.com', 'Many Apps', 'approved', '{}', 'released', 1, '${at(0)}', '${at(0)}')`,
    `insert into pf_apis (name, title, description, auto_approve_registrations, acl_groups, created_at, updated_at)
      values ('payments', null, null, null, '[]', '${at(0)}', '${at(0)}')`,
  ];
  for (let start = 0; start < APPLICATIONS; start += 500) {
    const ids = Array.from({ length: 500 }, (_, k) => start + k);
    statements.push(
      `insert into pf_applications (id, developer_id, name, description, description_managed, origin, created_at, updated_at)
        values ${ids.map((i) => `('app-${i}', 'many', 'app-${String(i).padStart(4, '0')}', null, 0, 'self-service', '${at(i)}', '${at(i)}')`).join(', ')}`,
      `insert into pf_registrations (id, application_id, api, status, origin, created_at, updated_at)
        values ${ids
          .map((i) => {
            const status = i % PENDING_EVERY === 0 ? 'pending' : 'approved';
            return `('r-${i}', 'app-${i}', 'payments', '${status}', 'self-service', '${at(i)}', '${at(i)}')`;
          })
          .join(', ')}`,
    );
  }
  await runSql(w, statements);
}

describe.each(BACKENDS)('the work of the console of applications on $name', { timeout: 120_000 }, (backend) => {
  let w: Workspace;
  let store: Store;
  let db: Conn;

  beforeAll(async () => {
    w = workspace(backend.newState());
    w.write('m.yaml', 'version: 1\ndevelopers:\n  - { email: ada@example.com, fullName: Ada, status: approved }\n');
    const applied = w.run(['apply', 'm.yaml', '--auto-approve']);
    expect(applied.code, applied.stderr).toBe(0);
    await seed(w);
    store = openStore(w.state, w.dir);
    const opened = await store.openExisting();
    db = opened!.db;
  }, 60_000);

  afterAll(async () => {
    await store?.close();
  });

  it("pages an API's registrations of one status by a key, a page of rows per statement, each shown once", async () => {
    const seen: string[] = [];
    let after: string | undefined;
    let pages = 0;
    do {
      const { conn, work } = counting(db);
      const page = await readApiRegistrations(conn, 'payments', { status: 'approved', after, limit: 200 });
      expect(work).toEqual({ statements: 1, rows: Math.min(201, (APPLICATIONS * 2) / 3 - seen.length) });
      seen.push(...page.registrations.map((r) => r.application));
      after = page.next ?? undefined;
      pages++;
    } while (after);
    expect(pages).toBe(10);
    expect(seen).toHaveLength((APPLICATIONS * 2) / 3);
    expect(new Set(seen).size).toBe(seen.length);
    // Oldest first: the applications were created and registered in order.
    expect(seen).toEqual([...seen].sort());
  });

  it('counts the registrations per API and status in one statement', async () => {
    const { conn, work } = counting(db);
    const [payments] = await readApiSummaries(conn);
    expect(payments!.registrations).toEqual({
      pending: APPLICATIONS / 3,
      approved: (APPLICATIONS * 2) / 3,
      rejected: 0,
      revoked: 0,
    });
    expect(work.statements).toBe(2);
  });

  it('reads the registration requests in one statement of at most its limit, oldest first', async () => {
    const { conn, work } = counting(db);
    const requests = await readRegistrationRequests(conn, 500);
    expect(work).toEqual({ statements: 1, rows: 500 });
    expect(requests[0]).toMatchObject({
      email: 'many@example.com',
      application: 'app-0000',
      api: 'payments',
      developerManaged: false,
    });
    expect(requests.map((r) => r.application)).toEqual([...requests.map((r) => r.application)].sort());
  });

  it("reads a developer's applications in three statements, however many it holds", async () => {
    const { conn, work } = counting(db);
    const applications = await readDeveloperApplications(conn, 'many@example.com');
    expect(applications).toHaveLength(APPLICATIONS);
    expect(work.statements).toBe(3);
    expect(applications[0]!.registrations).toEqual([
      { api: 'payments', status: 'pending', origin: 'self-service', createdAt: '2026-05-01T00:00:00.000Z' },
    ]);
    expect(await readDeveloperApplications(db, 'nobody@example.com')).toEqual([]);
  });
});
