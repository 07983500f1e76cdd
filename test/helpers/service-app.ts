// The application suites' portal (test/service-app*.test.ts): a state applied from a manifest,
// `portalform serve` listening on it, developers logged in over HTTP with an invite's password,
// and every JSON answer checked against the schemas the running server publishes.
//
// APIs and manifest-managed applications are written straight into the state after the last apply:
// the suites test the service's rules on them, whoever put them there.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { expect } from 'vitest';
import { workspace, type Workspace } from './cli.js';
import { contractOf, type PublishedContract } from './openapi.js';
import { startServe, type ServeProcess } from './serve-process.js';
import { PASSWORD, STATE_ENV } from './service.js';
import { runSql, withStateDb } from './state-db.js';

export interface Caller {
  email: string;
  token: string;
  csrfToken: string;
  cookie: string;
  /** Authorization: Bearer. */
  bearer: Record<string, string>;
  /** The session cookie with its CSRF header, as the browser sends a change. */
  browser: Record<string, string>;
}

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json(): any;
}

export interface AppPortal {
  ws: Workspace;
  server: ServeProcess;
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Answer>;
  login(email: string): Promise<Caller>;
  apply(text: string): void;
  stop(): Promise<void>;
}

/** Developers declared approved, so an invite gives each a password: ada holds a managed credential. */
export function appManifest(portal = ''): string {
  return `version: 1
${portal}developers:
  - email: ada@example.com
    fullName: Ada Lovelace
    status: approved
    credentials:
      - { type: key-auth, name: managed-key }
  - { email: bob@example.com, fullName: Bob, status: approved }
  - { email: cy@example.com, fullName: Cy, status: approved }
`;
}

export function applied(state: string | undefined, text = appManifest()): Workspace {
  const ws = workspace(state);
  applyTo(ws, text);
  return ws;
}

function applyTo(ws: Workspace, text: string): void {
  ws.write('portal.yaml', text);
  const result = ws.run(['apply', 'portal.yaml', '--auto-approve'], { env: STATE_ENV });
  expect(result.code, result.stderr).toBe(0);
}

export async function appPortal(ws: Workspace, args: string[] = []): Promise<AppPortal> {
  return portalOn(ws, await startServe(ws, {}, args));
}

async function portalOn(ws: Workspace, server: ServeProcess): Promise<AppPortal> {
  let contract: Promise<PublishedContract> | undefined;
  const published = () =>
    (contract ??= fetch(`${server.url}/api/v1/openapi.json`).then(async (r) => contractOf(await r.json())));
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(server.url + path, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    const answer = { statusCode: response.status, contentType: response.headers.get('content-type') ?? '', body: text };
    const breach = (await published()).check(method, path, answer);
    if (breach) throw new Error(`answer outside the published API: ${breach}`);
    return { status: response.status, headers: response.headers, text, json: () => JSON.parse(text) };
  };
  const login = async (email: string): Promise<Caller> => {
    const invite = ws.run(['invite', `developer[${JSON.stringify(email)}]`, '--json', '--no-mail'], { env: STATE_ENV });
    expect(invite.code, invite.stderr).toBe(0);
    const set = await call('POST', '/api/v1/password', { token: JSON.parse(invite.stdout).token, password: PASSWORD });
    expect(set.status, set.text).toBe(204);
    const session = await call('POST', '/api/v1/session', { email, password: PASSWORD });
    expect(session.status, session.text).toBe(201);
    const { token, csrfToken } = session.json();
    const cookie = /portalform_session=[^;]+/.exec(session.headers.get('set-cookie') ?? '')![0];
    return {
      email,
      token,
      csrfToken,
      cookie,
      bearer: { authorization: `Bearer ${token}` },
      browser: { cookie, 'x-csrf-token': csrfToken },
    };
  };
  return { ws, server, call, login, apply: (text) => applyTo(ws, text), stop: () => server.stop() };
}

/** A second `serve` on the same state: another instance, as a deployment runs several. */
export async function secondInstance(portal: AppPortal): Promise<AppPortal> {
  return portalOn(portal.ws, await startServe(portal.ws, {}));
}

const quoted = (value: string | null): string => (value === null ? 'null' : `'${value.replace(/'/g, "''")}'`);

export interface SeededApi {
  name: string;
  title?: string;
  description?: string;
  /** Absent: the portal's setting decides. */
  autoApprove?: boolean;
  aclGroups?: string[];
}

/** Publishes APIs, as an apply of manifests declaring them stores them. */
export function seedApis(ws: Workspace, apis: SeededApi[]): Promise<void> {
  const now = new Date().toISOString();
  return runSql(
    ws,
    apis.map(
      (api) =>
        `insert into pf_apis (name, title, description, auto_approve_registrations, acl_groups, created_at, updated_at)
         values (${quoted(api.name)}, ${quoted(api.title ?? null)}, ${quoted(api.description ?? null)},
           ${api.autoApprove === undefined ? 'null' : api.autoApprove ? 1 : 0},
           ${quoted(JSON.stringify(api.aclGroups ?? []))}, '${now}', '${now}')`,
    ),
  );
}

export interface SeededApplication {
  name: string;
  description?: string | null;
  /** The manifests manage the description (else they leave it to the developer). */
  descriptionManaged?: boolean;
  origin?: 'manifest' | 'self-service' | 'released';
  registrations?: Array<{ api: string; status: string; origin?: string }>;
}

/** An application of `email` with its registrations, as an apply of a declaring manifest stores it; returns its id. */
export async function seedApplication(ws: Workspace, email: string, application: SeededApplication): Promise<string> {
  const id = randomUUID();
  const now = new Date().toISOString();
  const origin = application.origin ?? 'manifest';
  const developer = `(select id from pf_developers where email = ${quoted(email)})`;
  await runSql(ws, [
    `insert into pf_applications (id, developer_id, name, description, description_managed, origin, created_at, updated_at)
     values ('${id}', ${developer}, ${quoted(application.name)}, ${quoted(application.description ?? null)},
       ${application.descriptionManaged ? 1 : 0}, '${origin}', '${now}', '${now}')`,
    ...(application.registrations ?? []).map(
      (r) =>
        `insert into pf_registrations (id, application_id, api, status, origin, created_at, updated_at)
         values ('${randomUUID()}', '${id}', ${quoted(r.api)}, '${r.status}', '${r.origin ?? origin}', '${now}', '${now}')`,
    ),
  ]);
  return id;
}

/** Changes the stored portal settings as an apply of a changed `portal:` block does. */
export async function changeSettings(ws: Workspace, change: (settings: any) => void): Promise<void> {
  await withStateDb(ws, async (query) => {
    const [row] = (await query(`select value from pf_meta where key = 'portal_settings'`)) as Array<{ value: string }>;
    const settings = row ? JSON.parse(row.value) : {};
    change(settings);
    const text = quoted(JSON.stringify(settings));
    await query(`delete from pf_meta where key = 'portal_settings'`);
    await query(`insert into pf_meta (key, value) values ('portal_settings', ${text})`);
  });
}

/** The self-service entries of the second history chain, oldest first. */
export function selfServiceEntries(ws: Workspace): Promise<Array<Record<string, any>>> {
  return withStateDb(ws, async (query) => {
    const rows = (await query(`select entry from pf_events where kind = 'self-service' order by seq`)) as Array<{
      entry: string;
    }>;
    return rows.map((row) => JSON.parse(row.entry));
  });
}

export function outboxSize(ws: Workspace): Promise<number> {
  return withStateDb(ws, async (query) => {
    const [row] = (await query('select count(*) as n from pf_outbox')) as Array<{ n: number | string }>;
    return Number(row!.n);
  });
}

/**
 * Another writer holding the developer's row (PostgreSQL) or the state's write lock (SQLite) until
 * released, as an apply does: requests that change the developer queue up behind it at once.
 */
export async function holdDeveloper(ws: Workspace, email: string): Promise<() => Promise<void>> {
  if (!ws.state.startsWith('postgres')) {
    const db = new Database(join(ws.dir, 'portalform.db'));
    db.exec('begin immediate');
    return async () => {
      db.exec('commit');
      db.close();
    };
  }
  const url = new URL(ws.state);
  const schema = url.searchParams.get('schema')!;
  url.searchParams.delete('schema');
  const client = new pg.Client({ connectionString: url.toString(), options: `-c search_path=${schema}` });
  await client.connect();
  await client.query('begin');
  await client.query('select id from pf_developers where email = $1 for update', [email]);
  return async () => {
    await client.query('commit');
    await client.end();
  };
}
