// Every request gets a problem answer, over real HTTP against `portalform serve`: what the router
// and Node's parser refuse, and a query parameter given twice, answer application/problem+json with
// the security headers and never quote the URL (a sentinel in it must not come back). Long emails
// open in the console.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appliedWorkspace, PageClient, startServe, type ServeProcess } from './helpers/serve-process.js';
import { manifest } from './helpers/service.js';

const TOKEN = 'console-token-for-the-http-tests-0123456789';
const SENTINEL = 'sentinel7c3f';
const LONG_EMAIL = `${'a'.repeat(37)}.${SENTINEL}@${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(20)}.example.com`;

let server: ServeProcess;
beforeAll(async () => {
  const ws = appliedWorkspace(
    undefined,
    manifest(`  - { email: ${LONG_EMAIL}, fullName: Long Address, status: approved }\n`),
  );
  server = await startServe(ws, { PORTALFORM_CONSOLE_TOKEN: TOKEN });
}, 60_000);
afterAll(async () => server?.stop());

async function expectProblem(response: Response, status: number): Promise<Record<string, any>> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(response.headers.get('content-security-policy')).toBeTruthy();
  expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  expect(response.headers.get('strict-transport-security')).toBeTruthy();
  expect(text).not.toContain(SENTINEL);
  const problem = JSON.parse(text);
  expect(problem).toMatchObject({ status, title: expect.any(String), detail: expect.any(String) });
  return problem;
}

describe('router-level refusals', () => {
  it.each([
    ['bad percent-encoding in a path parameter', `/api/v1/credentials/%ff${SENTINEL}`, 400],
    ['a path parameter of 3,000 characters', `/api/v1/credentials/${SENTINEL}${'x'.repeat(3000)}`, 414],
    ['a URL of 10 KB', `/api/v1/credentials?${SENTINEL}=${'x'.repeat(10_240)}`, 414],
    ['a page URL of 10 KB', `/console/developers?q=${SENTINEL}${'x'.repeat(10_240)}`, 414],
    ['a path nothing answers', `/${SENTINEL}/<script>alert(1)</script>`, 404],
    ['a path nothing answers, bad encoding', `/nowhere/%ff${SENTINEL}`, 400],
  ])('%s → problem+json with the security headers, the URL not quoted', async (_name, path, status) => {
    await expectProblem(await fetch(server.url + path), status);
  });

  it('a credential id of 150 characters is a 400 naming the id', async () => {
    const long = await fetch(`${server.url}/api/v1/credentials/${SENTINEL}${'x'.repeat(140)}`);
    expect((await expectProblem(long, 400)).errors).toEqual([{ field: 'id', message: expect.any(String) }]);
  });

  it('a request line past what Node reads (32 KB) is a 431 problem, not quoted', async () => {
    await expectProblem(await fetch(`${server.url}/api/v1/me?${SENTINEL}=${'x'.repeat(32_768)}`), 431);
  });
});

describe('a query parameter given twice', () => {
  it.each(['q', 'after', 'before'])('is a 400 naming %s on the API', async (name) => {
    const problem = await expectProblem(await fetch(`${server.url}/healthz?${name}=a&${name}=b`), 400);
    expect(problem.errors).toEqual([{ field: name, message: 'is given more than once' }]);
  });

  it.each([
    ['/console/developers', 'q'],
    ['/console/developers', 'after'],
    ['/console/history', 'before'],
  ])('is a 400 page naming it on %s?%s=…&…', async (path, name) => {
    const admin = new PageClient(server.url);
    expect((await admin.signIn(TOKEN)).status).toBe(303);
    const page = await admin.get(`${path}?${name}=a&${name}=${SENTINEL}`);
    const body = await page.text();
    expect(page.status).toBe(400);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(body).toContain(`&quot;${name}&quot; is given more than once`);
    expect(body).not.toContain(SENTINEL);
  });
});

describe('a long email in the console', () => {
  it(`lists, finds and opens an address of ${LONG_EMAIL.length} characters`, async () => {
    expect(LONG_EMAIL.length).toBeGreaterThan(200);
    const admin = new PageClient(server.url);
    await admin.signIn(TOKEN);
    const list = await (await admin.get('/console/developers')).text();
    expect(list).toContain(LONG_EMAIL);
    const found = await (await admin.get(`/console/developers?q=${encodeURIComponent(LONG_EMAIL)}`)).text();
    expect(found).toContain(`/console/developers/${encodeURIComponent(LONG_EMAIL)}`);
    const page = await admin.get(`/console/developers/${encodeURIComponent(LONG_EMAIL)}`);
    expect(page.status).toBe(200);
    const body = await page.text();
    expect(body).toContain('Long Address');
    expect(body).toContain(LONG_EMAIL);
  });
});
