// Issue 24's page points as a user meets them, over real HTTP against a listening portal: a
// reload after a rotation, the labels of a credential, the JSON API's own description, a wrong
// password where one is asked, and the icon every page asks for.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, startPortal, type PortalServer } from './helpers/pages-server.js';
import { HttpBrowser, secretOf } from './helpers/http-browser.js';
import { verifyOverHttp } from './helpers/verification.js';

const MANIFEST = 'developers:\n  - { email: ada@example.com, fullName: Ada Lovelace, status: approved }\n';
const APPROVED = `${MANIFEST}  - { email: kim@example.com, fullName: Kim, status: approved }\n`;

describe('the pages, as a developer meets them over HTTP', () => {
  let server: PortalServer;
  let kim: HttpBrowser;

  beforeAll(async () => {
    server = await startPortal(MANIFEST, { listen: true });
    const registered = await fetch(`${server.url}/api/v1/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'kim@example.com', fullName: 'Kim', password: PASSWORD }),
    });
    expect(registered.status).toBe(201);
    await verifyOverHttp(server.app, server.w, 'kim@example.com', PASSWORD);
    server.apply(APPROVED);
    kim = new HttpBrowser(server.url);
    const login = await kim.submit(await kim.get('/login'), '/login', { email: 'kim@example.com', password: PASSWORD });
    expect(login.location).toBe('/dashboard');
  }, 60_000);
  afterAll(async () => server?.close());

  it('shows a new or rotated secret on a page of its own, once; a reload or a resent form changes nothing', async () => {
    const form = await kim.get('/credentials/new');
    const created = await kim.submit(form, '/credentials', { type: 'key-auth', name: 'reload' });
    expect(created.status).toBe(303);
    const shown = await kim.get(created.location!);
    expect(shown.status).toBe(200);
    const first = secretOf(shown, 'key');

    const reloaded = await kim.get(created.location!);
    expect(reloaded.status).toBe(410);
    expect(reloaded.body).toContain('This secret was shown once');
    expect(reloaded.body).not.toContain(first);

    const resent = await kim.submit(form, '/credentials', { type: 'key-auth', name: 'reload-2' });
    expect(resent.status).toBe(409);
    expect(resent.body).toContain('This form was already sent');
    const dashboard = await kim.get('/dashboard');
    expect(dashboard.body).toContain('key-auth “reload”');
    expect(dashboard.body).not.toContain('reload-2');

    const id = /action="\/credentials\/([^/"]+)\/rotate"/.exec(dashboard.body)![1]!;
    const confirm = await kim.get(`/credentials/${id}/rotate`);
    const rotated = await kim.submit(confirm, `/credentials/${id}/rotate`, {});
    expect(rotated.status).toBe(303);
    const second = secretOf(await kim.get(rotated.location!), 'key');
    expect(second).not.toBe(first);
    const replayed = await kim.submit(confirm, `/credentials/${id}/rotate`, {});
    expect(replayed.status).toBe(409);
    expect(replayed.body).toContain('Nothing was done this time');
    expect((await kim.get(rotated.location!)).body).not.toContain(second);
  });

  it('labels credential fields and times in words, tells each form error once, in words for a web user', async () => {
    const created = await kim.submit(await kim.get('/credentials/new'), '/credentials', {
      type: 'oauth2',
      name: 'Mobile app',
      redirectUris: 'https://app.example.com/callback',
      clientType: 'confidential',
    });
    const secretPage = await kim.get(created.location!);
    expect(secretPage.body).toContain('<h2>Client secret</h2>');
    expect(secretPage.body).toContain('Copy Client secret');
    expect(secretPage.body).not.toContain('Copy clientSecret');
    for (const raw of ['<dt>clientType</dt>', '<dt>hashSecret</dt>', '<dt>redirectUris</dt>'])
      expect(secretPage.body).not.toContain(raw);
    expect(secretPage.body).toContain('<dt>Redirect URIs</dt>');
    expect(secretPage.body).toMatch(
      /<dt>Created<\/dt><dd><time datetime="[^"]+">\d{1,2} \w+ \d{4}(,| at) \d{2}:\d{2} UTC<\/time>/,
    );

    const refused = await kim.submit(await kim.get('/credentials/new'), '/credentials', {
      type: 'jwt',
      key: 'issuer-without-key',
      algorithm: 'RS256',
    });
    expect(refused.status).toBe(400);
    expect(refused.body).not.toContain('fromFile');
    expect(refused.body).toContain('paste it in “Public key”, in PEM form');
    expect(refused.body.split('verifies tokens with a public key').length - 1).toBe(1);
    expect(refused.body).toContain('Correct the fields marked below.');
  });

  it('describes only the JSON API in openapi.json', async () => {
    const description = (await (await fetch(`${server.url}/api/v1/openapi.json`)).json()) as { paths: object };
    const paths = Object.keys(description.paths);
    expect(paths).toContain('/api/v1/credentials/{id}/rotate');
    expect(paths.filter((path) => !path.startsWith('/api/v1/') && path !== '/healthz')).toEqual([]);
  });

  it('answers a wrong password on DELETE /api/v1/me with a 400 naming the field; the session lives on', async () => {
    const login = await fetch(`${server.url}/api/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'kim@example.com', password: PASSWORD }),
    });
    const bearer = { authorization: `Bearer ${((await login.json()) as { token: string }).token}` };
    const wrong = await fetch(`${server.url}/api/v1/me`, {
      method: 'DELETE',
      headers: { ...bearer, 'content-type': 'application/json' },
      body: JSON.stringify({ password: 'not the password at all' }),
    });
    expect(wrong.status).toBe(400);
    expect(((await wrong.json()) as { errors: unknown }).errors).toEqual([{ field: 'password', message: 'is wrong' }]);
    expect((await fetch(`${server.url}/api/v1/me`, { headers: bearer })).status).toBe(200);
  });

  it('serves the icon every page asks for', async () => {
    const home = await new HttpBrowser(server.url).get('/');
    expect(home.body).toContain('<link rel="icon" href="/favicon.ico"');
    const icon = await fetch(`${server.url}/favicon.ico`);
    expect(icon.status).toBe(200);
    expect(icon.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    expect(await icon.text()).toContain('<svg');
  });
});
