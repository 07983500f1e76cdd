// The pages (docs/portal-service.md#pages) over HTTP, without a browser: a real service and engine on a state a real
// apply made. The browser suite (test/browser.test.ts) drives the same flows in Chromium.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { PAGES_CSP } from '../src/pages/index.js';
import { CONSOLE_TOKEN, PASSWORD, startPortal, type PortalServer } from './helpers/pages-server.js';
import { proveAddress } from './helpers/proof.js';
import { mailedVerifyToken } from './helpers/verification.js';

const HOSTILE = '<script>alert(1)</script>';

/** A browser's cookie jar and form handling, over inject. */
class Browser {
  cookies = new Map<string, string>();
  constructor(private readonly server: PortalServer) {}

  async get(url: string): Promise<LightMyRequestResponse> {
    return this.remember(await this.server.app.inject({ method: 'GET', url, headers: this.headers() }));
  }

  async post(url: string, form: Record<string, string>, csrfFrom?: string): Promise<LightMyRequestResponse> {
    const page = csrfFrom ? (await this.get(csrfFrom)).body : undefined;
    const token = page ? csrfOf(page) : undefined;
    const once = page ? /name="_once" value="([^"]+)"/.exec(page)?.[1] : undefined;
    const hidden = { ...(token ? { _csrf: token } : {}), ...(once ? { _once: once } : {}) };
    const body = new URLSearchParams({ ...hidden, ...form }).toString();
    return this.remember(
      await this.server.app.inject({
        method: 'POST',
        url,
        payload: body,
        headers: { ...this.headers(), 'content-type': 'application/x-www-form-urlencoded' },
      }),
    );
  }

  private headers() {
    return this.cookies.size > 0 ? { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } : {};
  }

  private remember(response: LightMyRequestResponse): LightMyRequestResponse {
    for (const cookie of response.cookies) {
      if (cookie.value === '' || (cookie.expires && cookie.expires.getTime() < Date.now()))
        this.cookies.delete(cookie.name);
      else this.cookies.set(cookie.name, cookie.value);
    }
    return response;
  }
}

function csrfOf(page: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(page);
  if (!match) throw new Error(`no CSRF field in the page:\n${page.slice(0, 2000)}`);
  return match[1]!;
}

const MANIFEST =
  'developers:\n  - { email: ada@example.com, fullName: Ada Lovelace, status: approved, credentials: [ { type: acl, group: partners } ] }\n';
const APPROVED = `${MANIFEST}  - { email: new@example.com, fullName: "${HOSTILE}", status: approved }\n`;

describe('pages over HTTP', () => {
  let server: PortalServer;
  beforeAll(async () => {
    server = await startPortal(MANIFEST);
  }, 60_000);
  afterAll(async () => server?.close());

  it('serves pages under a strict CSP, with the stylesheet and script as files', async () => {
    const home = await new Browser(server).get('/');
    expect(home.statusCode).toBe(200);
    expect(home.headers['content-security-policy']).toBe(PAGES_CSP);
    expect(PAGES_CSP).toContain("script-src 'self'");
    expect(home.body).not.toMatch(/<script>|style=/);
    expect(home.body).toContain('<script src="/assets/portal.js" defer></script>');
    const css = await new Browser(server).get('/assets/portal.css');
    expect(css.headers['content-type']).toMatch(/^text\/css/);
  });

  it('refuses a form without its CSRF token and changes nothing', async () => {
    const browser = new Browser(server);
    await browser.get('/signup');
    const response = await browser.post('/signup', { email: 'csrf@example.com', fullName: 'C', password: PASSWORD });
    expect(response.statusCode).toBe(403);
    expect(response.body).toContain('This form has expired');
    const again = await browser.post('/signup', {
      _csrf: 'forged',
      email: 'csrf@example.com',
      fullName: 'C',
      password: PASSWORD,
    });
    expect(again.statusCode).toBe(403);
    const admin = await consoleBrowser(server);
    expect((await admin.get('/console/developers?q=csrf')).body).toContain('No developer matches.');
  });

  it('signs up, is told to wait, logs in after an apply approves, gets a secret once, deletes it, deletes the account', async () => {
    const browser = new Browser(server);
    const signup = await browser.post(
      '/signup',
      { email: 'new@example.com', fullName: HOSTILE, password: PASSWORD },
      '/signup',
    );
    expect(signup.statusCode).toBe(201);
    expect(signup.body).toContain('Check your mail');
    expect(signup.body).toContain('waits for approval');
    expect(signup.body).not.toContain(HOSTILE);
    expect(signup.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');

    const unverified = await browser.post('/login', { email: 'new@example.com', password: PASSWORD }, '/login');
    expect(unverified.statusCode).toBe(403);
    expect(unverified.body).toMatch(/use the link we mailed you/);
    expect(unverified.body).toContain('Resend the verification mail');
    // Opening the link verifies nothing; the password posted with it does.
    const token = await mailedVerifyToken(server.w.state, server.w.dir, 'new@example.com');
    const opened = await browser.get(`/verify?token=${token}`);
    expect(opened.body).toContain('Confirm my address');
    expect((await browser.post('/login', { email: 'new@example.com', password: PASSWORD }, '/login')).statusCode).toBe(
      403,
    );
    const confirmed = await browser.post('/verify', { token, password: PASSWORD }, `/verify?token=${token}`);
    expect(confirmed.statusCode, confirmed.body).toBe(200);
    expect(confirmed.body).toContain('Your address is confirmed');
    const waiting = await browser.post('/login', { email: 'new@example.com', password: PASSWORD }, '/login');
    expect(waiting.statusCode).toBe(403);
    expect(waiting.body).toMatch(/waiting for approval/);

    await proveAddress(server.w, 'new@example.com'); // a plan adopts only a verified sign-up
    server.apply(APPROVED);
    const login = await browser.post('/login', { email: 'new@example.com', password: PASSWORD }, '/login');
    expect(login.statusCode).toBe(303);
    expect(login.headers.location).toBe('/dashboard');
    const sessionCookie = login.cookies.find((c) => c.name === 'portalform_session')!;
    expect(sessionCookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });

    const dashboard = await browser.get('/dashboard');
    expect(dashboard.body).toContain('Create API credential');
    const form = await browser.get('/credentials/new');
    expect(form.body).toContain('API key (key-auth)');
    expect(form.body).not.toContain('Group membership (acl)');
    expect(form.body).toMatch(/<label for="new-key-auth-name">Name<\/label>/);

    const posted = await browser.post('/credentials', { type: 'key-auth', name: 'ci' }, '/credentials/new');
    expect(posted.statusCode).toBe(303);
    const created = await browser.get(posted.headers.location as string);
    expect(created.statusCode).toBe(200);
    expect(created.body).toContain('shown only this once');
    const secret = /<code id="secret-key">([^<]+)<\/code>/.exec(created.body)![1]!;
    expect(secret.length).toBeGreaterThanOrEqual(20);
    const list = await browser.get('/dashboard');
    expect(list.body).toContain('key-auth “ci”');
    expect(list.body).not.toContain(secret);
    expect(readFileSync(server.w.state).includes(Buffer.from(secret))).toBe(false);

    const id = /action="\/credentials\/([^/"]+)\/delete"/.exec(list.body)![1]!;
    const ask = await browser.post(`/credentials/${id}/delete`, {}, '/dashboard');
    expect(ask.statusCode).toBe(200);
    expect(ask.body).toContain('Applications and services using this credential lose access');
    const deleted = await browser.post(`/credentials/${id}/delete`, { confirm: 'yes' }, `/credentials/${id}/delete`);
    expect(deleted.headers.location).toBe('/dashboard?done=deleted');
    expect((await browser.get('/dashboard')).body).toContain('You have no credentials yet.');

    const account = await browser.get('/account');
    expect(account.body).toContain('immediately revokes your access and deletes every credential');
    const wrong = await browser.post('/account/delete', { password: 'not my password at all' }, '/account');
    expect(wrong.statusCode).toBe(400);
    const gone = await browser.post('/account/delete', { password: PASSWORD }, '/account');
    expect(gone.body).toContain('Your account is deleted');
    expect((await browser.get('/dashboard')).headers.location).toBe('/login?expired=1');
  });

  it('shows the fields the manifests manage read-only', async () => {
    const grant = await server.app.inject({
      method: 'POST',
      url: '/api/v1/session',
      payload: { email: 'ada@example.com', password: PASSWORD },
    });
    // ada has no portal password until an invite: the page layer is the same for a managed developer,
    // so sign her in through an invite link.
    expect(grant.statusCode).toBe(401);
    const invite = server.w.run([
      'invite',
      'developer["ada@example.com"]',
      '--public-url',
      'http://portal.test',
      '--json',
    ]);
    expect(invite.code, invite.stderr).toBe(0);
    const { token } = JSON.parse(invite.stdout) as { token: string };
    const browser = new Browser(server);
    const set = await browser.post(
      '/password',
      { token, password: PASSWORD },
      `/password?token=${encodeURIComponent(token)}`,
    );
    expect(set.body).toContain('Your password is set');
    expect((await browser.post('/login', { email: 'ada@example.com', password: PASSWORD }, '/login')).statusCode).toBe(
      303,
    );
    const account = await browser.get('/account');
    expect(account.body).toMatch(/<input id="name-fullName" name="fullName" type="text" value="Ada Lovelace" readonly/);
    expect(account.body).not.toContain('action="/account/name"');
    const dashboard = await browser.get('/dashboard');
    expect(dashboard.body).toContain('acl “partners”');
    expect(dashboard.body).toContain('Managed by the portal’s manifests');
  });
});

async function consoleBrowser(server: PortalServer): Promise<Browser> {
  const browser = new Browser(server);
  const response = await browser.post('/console/login', { token: CONSOLE_TOKEN }, '/console/login');
  expect(response.statusCode).toBe(303);
  return browser;
}

describe('console over HTTP', () => {
  let server: PortalServer;
  beforeAll(async () => {
    server = await startPortal(MANIFEST);
    const browser = new Browser(server);
    for (const email of ['zed@example.com', 'amy@example.com']) {
      await browser.post('/signup', { email, fullName: `Person ${email}`, password: PASSWORD }, '/signup');
      await proveAddress(server.w, email); // an access request once verified
    }
  }, 60_000);
  afterAll(async () => server?.close());

  it('asks for a console token, refuses a wrong one, and ends the session on sign-out', async () => {
    const browser = new Browser(server);
    expect((await browser.get('/console/developers')).headers.location).toBe('/console/login');
    const wrong = await browser.post('/console/login', { token: 'guess' }, '/console/login');
    expect(wrong.statusCode).toBe(401);
    expect(wrong.body).toContain('That console token is not valid.');
    const right = await browser.post('/console/login', { token: CONSOLE_TOKEN }, '/console/login');
    expect(right.cookies.find((c) => c.name === 'portalform_console')).toMatchObject({
      httpOnly: true,
      sameSite: 'Strict',
    });
    expect((await browser.get('/console/developers')).statusCode).toBe(200);
    browser.cookies.set('portalform_console', `${browser.cookies.get('portalform_console')!.slice(0, -2)}xx`);
    expect((await browser.get('/console/developers')).statusCode).toBe(303);
    const again = await consoleBrowser(server);
    await again.post('/console/logout', {}, '/console/developers');
    expect((await again.get('/console/developers')).statusCode).toBe(303);
  });

  it('lists access requests oldest first, each with the manifest entry that approves it', async () => {
    const page = (await (await consoleBrowser(server)).get('/console/requests')).body;
    expect(page.indexOf('zed@example.com')).toBeGreaterThan(0);
    expect(page.indexOf('zed@example.com')).toBeLessThan(page.indexOf('amy@example.com'));
    expect(page).toContain('- email: zed@example.com\n  status: approved</pre>');
    expect(page).toContain('data-copy="entry-0"');
    expect(page).not.toMatch(/method="post" action="\/console\/(approve|requests)/);
  });

  it('searches developers by email or name, filters by status and origin, and shows credentials without secrets', async () => {
    const admin = await consoleBrowser(server);
    const byName = (await admin.get('/console/developers?q=ada+lov')).body;
    expect(byName).toContain('>ada@example.com</a>');
    expect(byName).not.toContain('>zed@example.com</a>');
    const pending = (await admin.get('/console/developers?status=pending&origin=self-service')).body;
    expect(pending).toContain('>amy@example.com</a>');
    expect(pending).not.toContain('>ada@example.com</a>');
    const detail = (await admin.get('/console/developers/ada%40example.com')).body;
    expect(detail).toContain('developer[&quot;ada@example.com&quot;]');
    expect(detail).toContain('partners');
  });

  it('shows the history with both chains verified and their heads, and a chart of developers per status', async () => {
    const admin = await consoleBrowser(server);
    const history = (await admin.get('/console/history')).body;
    expect(history).toMatch(
      /Applies: verified<\/h3><p>1 entry, unaltered\. Head hash:<\/p><p><code>[0-9a-f]{64}<\/code>/,
    );
    expect(history).toMatch(/Other events[^<]*: verified<\/h3><p>2 entries/);
    expect(history).toContain('will be created</span>');
    const chart = (await admin.get('/console/chart')).body;
    expect(chart).toContain('<svg class="chart chart-wide"');
    expect(chart).toMatch(
      /<td[^>]*>\d{4}-\d\d-\d\d( \d\d:\d\d)?<\/td><td[^>]*>2<\/td><td[^>]*>1<\/td><td[^>]*>0<\/td><td[^>]*>0<\/td>/,
    );
  });
});
