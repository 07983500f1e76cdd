// The console at scale (issue 18): with 100,000 developers in the state, the developer list and a
// search page, filter and search as before, and each is one statement that reads a page's worth of
// rows through an index — never the whole table — on SQLite and PostgreSQL (issue 23: the work is
// counted, not timed, so that a busy machine cannot fail it nor a fast one hide a full scan).
import { randomUUID } from 'node:crypto';
import { CompiledQuery, type KyselyPlugin, type QueryResult, type UnknownRow } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { ConsoleReadModel } from '../src/console/read-model.js';
import type { Status } from '../src/model.js';
import { accessRequestsQuery, readAccessRequests } from '../src/store/access-requests.js';
import type { Conn } from '../src/store/backend.js';
import {
  type DeveloperQuery,
  developerPageQuery,
  readDeveloperPage,
  readStatusCounts,
  statusCountsQuery,
} from '../src/store/developer-listing.js';
import { openStore } from '../src/store/index.js';
import { StateWriter, type CredentialRowInput, type DeveloperRowInput } from '../src/store/writer.js';
import { BACKENDS, dropTestSchemas } from './helpers/backends.js';
import { CONSOLE_TOKEN, startPortal } from './helpers/pages-server.js';

afterAll(dropTestSchemas);

const DEVELOPERS = 100_000;
const PAGE = 50;
const FIRST_NAMES = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Frances', 'Ken', 'Margaret', 'Tim'];
const STATUS_MIX: Status[] = [
  'approved',
  'approved',
  'approved',
  'approved',
  'approved',
  'approved',
  'approved',
  'pending',
  'pending',
  'revoked',
];

function seedRows(): { developers: DeveloperRowInput[]; credentials: CredentialRowInput[] } {
  const developers: DeveloperRowInput[] = [];
  const credentials: CredentialRowInput[] = [];
  for (let i = 0; i < DEVELOPERS; i++) {
    const id = randomUUID();
    const status = STATUS_MIX[i % STATUS_MIX.length]!;
    developers.push({
      id,
      email: `dev${String(i).padStart(6, '0')}@scale.example.com`,
      fullName: `${FIRST_NAMES[i % FIRST_NAMES.length]} Scale${i}`,
      status,
      customId: null,
      meta: {},
      origin: i % 5 < 3 ? 'manifest' : 'self-service',
    });
    if (i % 5 === 0) {
      credentials.push({
        id: randomUUID(),
        developerId: id,
        type: 'acl',
        identity: 'partners',
        uniqueValue: null,
        fields: { group: 'partners' },
        secrets: {},
        active: status === 'approved',
        origin: 'manifest',
      });
    }
  }
  return { developers, credentials };
}

/** Statements run and rows they returned, through a connection that counts them. */
function counting(db: Conn): { conn: Conn; work: { statements: number; rows: number } } {
  const work = { statements: 0, rows: 0 };
  const plugin: KyselyPlugin = {
    transformQuery: ({ node }) => {
      work.statements++;
      return node;
    },
    transformResult: async ({ result }): Promise<QueryResult<UnknownRow>> => {
      work.rows += result.rows.length;
      return result;
    },
  };
  return { conn: db.withPlugin(plugin), work };
}

interface PlanWork {
  /** Whether some step reads all of pf_developers without an index. */
  fullScan: boolean;
  /** The plan, as the database tells it, for the failure message. */
  text: string;
  /** PostgreSQL only: rows the plan's scans of pf_developers read, kept or filtered out. */
  developerRowsRead?: number;
}

/** SQLite: EXPLAIN QUERY PLAN's steps. PostgreSQL: the executed plan, with the rows each scan read. */
async function planOf(db: Conn, dialect: 'sqlite' | 'postgres', query: CompiledQuery): Promise<PlanWork> {
  if (dialect === 'sqlite') {
    const steps = await db.executeQuery<{ detail: string }>(
      CompiledQuery.raw(`explain query plan ${query.sql}`, [...query.parameters]),
    );
    const details = steps.rows.map((s) => s.detail);
    // "SCAN d" alone reads every row; "SCAN d USING INDEX …" walks an index in order and stops at the limit.
    return { fullScan: details.some((d) => /^SCAN (d|pf_developers)$/.test(d)), text: details.join('\n') };
  }
  const result = await db.executeQuery<{ 'QUERY PLAN': unknown }>(
    CompiledQuery.raw(`explain (analyze, format json) ${query.sql}`, [...query.parameters]),
  );
  const raw = result.rows[0]!['QUERY PLAN'];
  const plan = (typeof raw === 'string' ? JSON.parse(raw) : raw) as Array<{ Plan: PgNode }>;
  let read = 0;
  let fullScan = false;
  const visit = (node: PgNode) => {
    if (node['Relation Name'] === 'pf_developers') {
      read += ((node['Actual Rows'] ?? 0) + (node['Rows Removed by Filter'] ?? 0)) * (node['Actual Loops'] ?? 1);
      if (node['Node Type'] === 'Seq Scan') fullScan = true;
    }
    for (const child of node.Plans ?? []) visit(child);
  };
  visit(plan[0]!.Plan);
  return { fullScan, text: JSON.stringify(plan[0]!.Plan, null, 1), developerRowsRead: read };
}

interface PgNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Rows Removed by Filter'?: number;
  Plans?: PgNode[];
}

/** The developer-list queries a console user runs, and how many developers each matches in all. */
const LIST_QUERIES: Array<{ name: string; query: DeveloperQuery; matches: number }> = [
  { name: 'first page', query: {}, matches: DEVELOPERS },
  { name: 'a page deep in the list', query: { after: 'dev090000@scale.example.com' }, matches: 9_999 },
  { name: 'status filter', query: { status: 'revoked' }, matches: DEVELOPERS / 10 },
  { name: 'status and origin filters', query: { status: 'pending', origin: 'self-service' }, matches: DEVELOPERS / 10 },
  { name: 'search by email prefix', query: { search: 'dev0999' }, matches: 100 },
  { name: 'search by name prefix', query: { search: 'margaret scale9' }, matches: 1_111 },
  { name: 'search matching thousands', query: { search: 'ada' }, matches: DEVELOPERS / 10 },
];

describe.each(BACKENDS)('the console with 100,000 developers on $name', (backend) => {
  it('lists, pages, filters and searches developers, each a page of rows read through an index', {
    timeout: 600_000,
  }, async () => {
    const server = await startPortal(
      'developers:\n  - { email: ada@example.com, fullName: Ada Lovelace, status: approved }\n',
      { state: backend.newState() },
    );
    const store = openStore(server.w.state, server.w.dir);
    try {
      const db = store.backend.db()!;
      const { developers, credentials } = seedRows();
      const now = new Date().toISOString();
      await db.transaction().execute(async (trx) => {
        const writer = new StateWriter(trx, store.backend.maxParams);
        await writer.insertDevelopers(developers, now);
        await writer.insertCredentials(credentials, now);
      });
      if (backend.name === 'postgres') await db.executeQuery(CompiledQuery.raw('analyze'));

      const model = new ConsoleReadModel(store);
      const page = await model.developers({});
      expect(page.developers).toHaveLength(PAGE);
      const second = await model.developers({ after: page.next! });
      expect(second.developers[0]!.email > page.developers.at(-1)!.email).toBe(true);
      expect((await model.developers({ search: 'dev01234' })).developers.map((d) => d.email)).toEqual(
        Array.from({ length: 10 }, (_, i) => `dev01234${i}@scale.example.com`),
      );
      expect(
        (await model.developers({ search: 'grace scale1' })).developers.every((d) =>
          d.fullName.startsWith('Grace Scale1'),
        ),
      ).toBe(true);
      expect((await model.statusCounts()).pending).toBe(DEVELOPERS / 5);

      const report: string[] = [];
      for (const { name, query, matches } of LIST_QUERIES) {
        const { conn, work } = counting(db);
        const listed = await readDeveloperPage(conn, backend.name, query);
        expect(listed.developers, name).toHaveLength(Math.min(PAGE, matches));
        expect(work, name).toEqual({ statements: 1, rows: Math.min(PAGE + 1, matches) });
        const plan = await planOf(db, backend.name, developerPageQuery(db, backend.name, query).compile());
        expect(plan.fullScan, `${name}:\n${plan.text}`).toBe(false);
        if (plan.developerRowsRead !== undefined) {
          // Walking the email index, a filter or search reads about a page of rows at the rate they
          // match (the planner's choice, so with slack), and never a tenth of the table.
          const bound = Math.min(4 * (PAGE + 1) * (DEVELOPERS / matches), DEVELOPERS / 10);
          expect(plan.developerRowsRead, `${name}:\n${plan.text}`).toBeLessThanOrEqual(bound);
          report.push(`  ${name}: ${plan.developerRowsRead} developer rows read`);
        }
      }

      const counted = counting(db);
      expect((await readStatusCounts(counted.conn)).approved).toBe((DEVELOPERS * 7) / 10 + 1);
      expect(counted.work).toEqual({ statements: 1, rows: 3 });
      // Counting every developer reads every row on PostgreSQL; SQLite counts them from an index.
      if (backend.name === 'sqlite') {
        const countsPlan = await planOf(db, backend.name, statusCountsQuery(db).compile());
        expect(countsPlan.fullScan, countsPlan.text).toBe(false);
      }

      const requests = counting(db);
      expect(await readAccessRequests(requests.conn, 500)).toHaveLength(500);
      expect(requests.work).toEqual({ statements: 1, rows: 500 });
      const requestsPlan = await planOf(db, backend.name, accessRequestsQuery(db, 500).compile());
      expect(requestsPlan.fullScan, requestsPlan.text).toBe(false);
      // The pending developers alone (a fifth of the state here), through the index of pending ones.
      if (requestsPlan.developerRowsRead !== undefined) {
        expect(requestsPlan.developerRowsRead, requestsPlan.text).toBeLessThanOrEqual(DEVELOPERS / 5);
        report.push(`  access requests: ${requestsPlan.developerRowsRead} developer rows read`);
      }
      console.info(`console work on ${backend.name}, ${DEVELOPERS} developers:\n${report.join('\n')}`);

      const admin = await server.app.inject({ method: 'GET', url: '/console/login' });
      const csrf = /name="_csrf" value="([^"]+)"/.exec(admin.body)![1]!;
      const cookie = admin.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
      const login = await server.app.inject({
        method: 'POST',
        url: '/console/login',
        payload: `_csrf=${encodeURIComponent(csrf)}&token=${CONSOLE_TOKEN}`,
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      });
      const session = login.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
      for (const url of [
        '/console/developers',
        '/console/developers?q=dev0999',
        '/console/developers?q=margaret+scale9&status=approved',
        '/console/requests',
      ]) {
        const response = await server.app.inject({ method: 'GET', url, headers: { cookie: session } });
        expect(response.statusCode, url).toBe(200);
      }
    } finally {
      await store.close();
      await server.close();
    }
  });
});
