// `portalform serve` as users run it: the built CLI, a real listening server, real HTTP.
import type { ChildProcess } from 'node:child_process';
import http from 'node:http';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startCli, type AsyncRunResult, workspace, type Workspace } from './helpers/cli.js';
import { BACKENDS, dropTestSchemas, newPostgresState, POSTGRES_AVAILABLE } from './helpers/backends.js';
import { contractOf, type PublishedContract } from './helpers/openapi.js';
import { proveAddress } from './helpers/proof.js';
import { manifest, PASSWORD, STATE_ENV } from './helpers/service.js';
import { mailedVerifyToken } from './helpers/verification.js';

afterAll(dropTestSchemas);

interface Server {
  url: string;
  child: ChildProcess;
  done: Promise<AsyncRunResult>;
  stdout(): string;
}

const running: Server[] = [];
afterEach(async () => {
  for (const server of running.splice(0)) {
    if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
    await server.done;
  }
});

function applied(state?: string, text = manifest()): Workspace {
  const ws = workspace(state);
  ws.write('portal.yaml', text);
  const result = ws.run(['apply', 'portal.yaml', '--auto-approve'], { env: STATE_ENV });
  expect(result.code, result.stderr).toBe(0);
  return ws;
}

function approve(ws: Workspace, emails: string[]): void {
  ws.write(
    'portal.yaml',
    manifest(emails.map((e) => `  - { email: ${e}, fullName: Self Made, status: approved }\n`).join('')),
  );
  const result = ws.run(['apply', 'portal.yaml', '--auto-approve'], { env: STATE_ENV });
  expect(result.code, result.stderr).toBe(0);
}

/** Starts `portalform serve` on a free port and waits until it says where it listens. */
async function serve(
  ws: Workspace,
  args: string[] = ['--listen', '127.0.0.1:0'],
  env: Record<string, string> = {},
): Promise<Server> {
  let stdout = '';
  const { child, done } = startCli(['serve', ...args], {
    cwd: ws.dir,
    env: { ...STATE_ENV, PORTALFORM_STATE: ws.state, ...env },
  });
  child.stdout!.on('data', (chunk: string) => (stdout += chunk));
  const url = await new Promise<string>((resolve, reject) => {
    let stderr = '';
    child.stderr!.on('data', (chunk: string) => {
      stderr += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(stderr);
      if (match) resolve(match[1]!);
    });
    void done.then((result) => reject(new Error(`serve exited ${result.code}: ${result.stderr}`)));
  });
  const server = { url, child, done, stdout: () => stdout };
  running.push(server);
  return server;
}

async function call(server: Server, method: string, path: string, body?: object, headers: Record<string, string> = {}) {
  const response = await fetch(server.url + path, {
    method,
    headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  const answer = { statusCode: response.status, contentType: response.headers.get('content-type') ?? '', body: text };
  const problem = (await publishedContract(server)).check(method, path, answer);
  if (problem) throw new Error(`answer outside the published API: ${problem}`);
  return { status: response.status, headers: response.headers, text, json: () => JSON.parse(text) };
}

const contracts = new WeakMap<Server, Promise<PublishedContract>>();

/** The response schemas the running server publishes, fetched once per server. */
function publishedContract(server: Server): Promise<PublishedContract> {
  let contract = contracts.get(server);
  if (!contract) {
    contract = fetch(`${server.url}/api/v1/openapi.json`).then(async (r) => contractOf(await r.json()));
    contracts.set(server, contract);
  }
  return contract;
}

it('refuses a missing state with one message, exit 1', async () => {
  const ws = workspace();
  const { done } = startCli(['serve', '--listen', '127.0.0.1:0'], { cwd: ws.dir, env: { PORTALFORM_STATE: ws.state } });
  const result = await done;
  expect(result.code).toBe(1);
  expect(result.stderr).toMatch(/apply/);
  expect(result.stderr).not.toMatch(/\n\s+at /);
});

it('refuses a bad --listen, --public-url or --rate-limit before opening anything', () => {
  const ws = workspace();
  for (const [flag, value, message] of [
    ['--listen', 'localhost', /HOST:PORT/],
    ['--public-url', 'portal.example.com', /absolute URL/],
    ['--rate-limit', '0', /at least 1/],
  ] as const) {
    const result = ws.run(['serve', flag, value]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(message);
  }
});

describe.each(BACKENDS)('a listening server on $name', (backend) => {
  it('register → apply approves → login → create a credential → the list never shows its secret → delete', async () => {
    const ws = applied(backend.newState());
    const server = await serve(ws);
    expect((await call(server, 'GET', '/healthz')).status).toBe(200);
    const signup = await call(server, 'POST', '/api/v1/register', {
      email: 'bob@example.com',
      fullName: 'Bob',
      password: PASSWORD,
    });
    expect(signup.status, signup.text).toBe(201);
    expect(
      (await call(server, 'POST', '/api/v1/session', { email: 'bob@example.com', password: PASSWORD })).status,
    ).toBe(403);
    // The address is proven with the mailed link's token (no mail sender here: taken from the outbox).
    const link = await mailedVerifyToken(ws.state, ws.dir, 'bob@example.com');
    expect((await call(server, 'POST', '/api/v1/verify', { token: link, password: PASSWORD })).status).toBe(204);

    await proveAddress(ws, 'bob@example.com'); // a plan adopts only a verified sign-up
    approve(ws, ['bob@example.com']);
    const login = await call(server, 'POST', '/api/v1/session', { email: 'bob@example.com', password: PASSWORD });
    expect(login.status, login.text).toBe(201);
    const { token, csrfToken } = login.json();
    const cookie = /portalform_session=[^;]+/.exec(login.headers.get('set-cookie') ?? '')![0];
    const asBrowser = { cookie, 'x-csrf-token': csrfToken };

    const created = await call(
      server,
      'POST',
      '/api/v1/credentials',
      { type: 'hmac-auth', username: 'bob-hmac' },
      asBrowser,
    );
    expect(created.status, created.text).toBe(201);
    const { credential, secrets } = created.json();
    expect(secrets.secret).toEqual(expect.any(String));

    const listed = await call(server, 'GET', '/api/v1/credentials', undefined, { authorization: `Bearer ${token}` });
    expect(listed.json().credentials).toEqual([
      expect.objectContaining({ id: credential.id, type: 'hmac-auth', username: 'bob-hmac', active: true }),
    ]);
    expect(listed.text).not.toContain(secrets.secret);
    const stateList = ws.run(['state', 'list', '--json'], { env: STATE_ENV });
    expect(stateList.stdout).toContain('bob-hmac');
    expect(stateList.stdout).not.toContain(secrets.secret);

    expect((await call(server, 'DELETE', `/api/v1/credentials/${credential.id}`, undefined, { cookie })).status).toBe(
      403,
    );
    expect((await call(server, 'DELETE', `/api/v1/credentials/${credential.id}`, undefined, asBrowser)).status).toBe(
      204,
    );
    expect((await call(server, 'GET', '/api/v1/credentials', undefined, asBrowser)).json()).toEqual({
      credentials: [],
    });
    expect(server.stdout()).not.toContain(PASSWORD);
    expect(server.stdout()).not.toContain(token);

    server.child.kill('SIGTERM');
    expect((await server.done).code).toBe(0);
    expect(ws.run(['history', 'verify'], { env: STATE_ENV }).code).toBe(0);
  });
});

it('SIGTERM lets the requests in flight finish, then exits 0 (listening where PORTALFORM_LISTEN says)', async () => {
  const ws = applied();
  const server = await serve(ws, [], {
    PORTALFORM_LISTEN: '127.0.0.1:0',
    PORTALFORM_PUBLIC_URL: 'https://portal.example.com',
  });
  expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  const logged = (text: string) => untilLogged(server, text);
  // A sign-up whose body arrives in two halves: in flight for sure when the signal comes.
  const body = JSON.stringify({ email: 'drain@example.com', fullName: 'Drain', password: PASSWORD });
  const { port } = new URL(server.url);
  const request = http.request({
    host: '127.0.0.1',
    port,
    method: 'POST',
    path: '/api/v1/register',
    headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
  });
  const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
    request.on('response', (response) => {
      let text = '';
      response
        .setEncoding('utf8')
        .on('data', (chunk: string) => (text += chunk))
        .on('end', () => resolve({ status: response.statusCode!, text }));
    });
    request.on('error', reject);
  });
  request.write(body.slice(0, 10));
  await logged('"incoming request"');
  server.child.kill('SIGTERM');
  await logged('"draining');
  const refused = await fetch(`${server.url}/healthz`).then(
    (r) => r.status,
    () => 'refused',
  );
  expect([503, 'refused']).toContain(refused);
  request.end(body.slice(10));
  const { status, text } = await answer;
  expect(status, text).toBe(201);
  const exit = await server.done;
  expect(exit.code).toBe(0);
  expect(exit.stderr).toContain('stopped on SIGTERM');
  const developers = JSON.parse(ws.run(['state', 'list', '--json'], { env: STATE_ENV }).stdout).developers.map(
    (d: { email: string }) => d.email,
  );
  expect(developers).toContain('drain@example.com');
});

/** Settles once the server's log (its stdout) holds `text`, looking again at each chunk it writes. */
function untilLogged(server: Server, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const look = () => {
      if (!server.stdout().includes(text)) return;
      server.child.stdout!.off('data', look);
      resolve();
    };
    server.child.stdout!.on('data', look);
    void server.done.then(() => reject(new Error(`serve exited before logging ${text}`)));
    look();
  });
}

describe.runIf(POSTGRES_AVAILABLE)('two instances on one PostgreSQL state', () => {
  it('40 parallel sign-ups across both are all stored, and the history verifies', async () => {
    const ws = applied(newPostgresState());
    const [a, b] = await Promise.all([serve(ws), serve(ws)]);
    const signups = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        call(i % 2 === 0 ? a! : b!, 'POST', '/api/v1/register', {
          email: `dev${i}@example.com`,
          fullName: `Dev ${i}`,
          password: PASSWORD,
        }),
      ),
    );
    expect(signups.map((s) => s.status)).toEqual(Array(40).fill(201));
    const listing = JSON.parse(ws.run(['state', 'list', '--json'], { env: STATE_ENV }).stdout);
    const stored = listing.developers.map((d: { email: string }) => d.email).filter((e: string) => e.startsWith('dev'));
    expect(stored.sort()).toEqual(Array.from({ length: 40 }, (_, i) => `dev${i}@example.com`).sort());
    const history = JSON.parse(ws.run(['history', '--json'], { env: STATE_ENV }).stdout);
    expect(history.entries.filter((e: { kind: string }) => e.kind === 'self-service')).toHaveLength(40);
    const verified = ws.run(['history', 'verify'], { env: STATE_ENV });
    expect(verified.code, verified.stderr).toBe(0);
  });
});
