// Redirect URIs (docs/manifests.md): one rule for manifests and the service's credential input —
// https, http only on a loopback host, or an app's reverse-domain private-use scheme; no fragment,
// no control character; every other scheme refused. A table through `validate` and through
// `POST /api/v1/credentials` on a real `serve`, and properties of the rule itself.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redirectUriProblem } from '../src/util/redirect-uri.js';
import { workspace } from './helpers/cli.js';
import { manifest, PASSWORD, STATE_ENV } from './helpers/service.js';
import { appliedWorkspace, startServe, type ServeProcess } from './helpers/serve-process.js';

const ACCEPTED = [
  'https://app.example.com/callback',
  'HTTPS://App.Example.com:8443/cb?x=1',
  'http://127.0.0.1:8080/callback',
  'http://[::1]/callback',
  'http://localhost/callback',
  'com.example.app:/oauth2redirect',
  'com.example.app:/cb?state=1',
];

const REFUSED: Array<[string, RegExp]> = [
  ['javascript://host/%0aalert(document.cookie)', /control character/],
  ['javascript:alert(1)', /scheme "javascript:"/],
  ['JavaScript:alert(1)', /scheme "javascript:"/],
  ['data:text/html,<script>alert(1)</script>', /scheme "data:"/],
  ['vbscript:msgbox(1)', /scheme "vbscript:"/],
  ['file:///etc/passwd', /scheme "file:"/],
  ['ftp://files.example.com/cb', /scheme "ftp:"/],
  ['myapp:/callback', /scheme "myapp:"/],
  ['http://app.example.com/callback', /not loopback/],
  ['http://localhost.evil.example/cb', /not loopback/],
  ['https://app.example.com/cb#frag', /fragment/],
  ['https://app.example.com/cb#', /fragment/],
  ['https://app.example.com/c\tb', /control character/],
  ['https://app.example.com/cb\u0085', /control character/],
  ['https://app.example.com/cb%00', /control character/],
  ['/callback', /not an absolute URL/],
  ['not a url', /not an absolute URL/],
  ['https:', /not an absolute URL/],
];

describe('the rule', () => {
  it.each(ACCEPTED)('accepts %s', (uri) => expect(redirectUriProblem(uri)).toBeUndefined());
  it.each(REFUSED)('refuses %j', (uri, why) => expect(redirectUriProblem(uri)).toMatch(why));

  it('accepts any https URL without a fragment or an encoded control character', () => {
    const url = fc.webUrl({ validSchemes: ['https'], withQueryParameters: true, withFragments: false });
    fc.assert(
      fc.property(url, (uri) => {
        fc.pre(!/%(?:[01][0-9a-f]|7f)/i.test(uri));
        expect(redirectUriProblem(uri)).toBeUndefined();
      }),
    );
  });

  it('refuses any scheme but https, http and a dotted private-use one', () => {
    const scheme = fc.stringMatching(/^[a-z][a-z0-9+-]{0,12}$/).filter((s) => s !== 'https' && s !== 'http');
    fc.assert(
      fc.property(scheme, fc.domain(), (name, host) => {
        expect(redirectUriProblem(`${name}://${host}/cb`)).toMatch(/scheme/);
      }),
    );
  });

  it('refuses plain http to any host that is not loopback', () => {
    const host = fc.domain().filter((d) => d !== 'localhost');
    fc.assert(
      fc.property(host, (name) => {
        expect(redirectUriProblem(`http://${name}/cb`)).toMatch(/not loopback/);
      }),
    );
  });

  it('refuses an accepted URI once a control character or a fragment is put anywhere in it', () => {
    const control = fc
      .integer({ min: 0, max: 0x9f })
      .filter((c) => c < 0x20 || c >= 0x7f)
      .map((c) => String.fromCharCode(c));
    const inserted = fc.oneof(control, fc.constant('#'), fc.constant('%0a'), fc.constant('%7F'));
    fc.assert(
      fc.property(fc.constantFrom(...ACCEPTED), inserted, fc.nat(), (uri, bad, at) => {
        const i = at % (uri.length + 1);
        expect(redirectUriProblem(uri.slice(0, i) + bad + uri.slice(i))).toBeDefined();
      }),
    );
  });
});

describe('in manifests', () => {
  it('validate reports every refused URI at its file:line:column, and accepts the others', () => {
    const ws = workspace();
    const entry = (uris: string[]) =>
      `    credentials:\n      - type: oauth2\n        name: app\n        redirectUris:\n${uris.map((u) => `          - ${JSON.stringify(u)}\n`).join('')}`;
    ws.write(
      'ok.yaml',
      manifest()
        .replace('    credentials:\n      - { type: key-auth, name: managed-key }\n', '')
        .concat(entry(ACCEPTED)),
    );
    expect(ws.run(['validate', 'ok.yaml']).code, ws.run(['validate', 'ok.yaml']).stderr).toBe(0);
    ws.write(
      'bad.yaml',
      manifest()
        .replace('    credentials:\n      - { type: key-auth, name: managed-key }\n', '')
        .concat(entry(REFUSED.map(([u]) => u))),
    );
    const result = ws.run(['validate', 'bad.yaml']);
    expect(result.code).toBe(1);
    REFUSED.forEach(([, why], i) => {
      const line = new RegExp(`bad\\.yaml:${10 + i}:\\d+: error: redirect URI .*`);
      expect(result.stderr, `entry ${i}`).toMatch(line);
      expect(result.stderr.split('\n').find((l) => line.test(l))).toMatch(why);
    });
  });
});

describe('through the service', () => {
  let server: ServeProcess;
  let bearer: Record<string, string>;
  beforeAll(async () => {
    const ws = appliedWorkspace();
    const invite = ws.run(['invite', 'developer["ada@example.com"]', '--json'], { env: STATE_ENV });
    expect(invite.code, invite.stderr).toBe(0);
    server = await startServe(ws, {});
    const post = (path: string, body: object, headers: Record<string, string> = {}) =>
      fetch(server.url + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
    expect(
      (await post('/api/v1/password', { token: JSON.parse(invite.stdout).token, password: PASSWORD })).status,
    ).toBe(204);
    const login = await post('/api/v1/session', { email: 'ada@example.com', password: PASSWORD });
    expect(login.status).toBe(201);
    bearer = { authorization: `Bearer ${((await login.json()) as { token: string }).token}` };
  }, 60_000);
  afterAll(async () => server?.stop());

  const create = (name: string, redirectUris: string[]) =>
    fetch(`${server.url}/api/v1/credentials`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer },
      body: JSON.stringify({ type: 'oauth2', name, redirectUris }),
    });

  it('creates an oauth2 credential with every accepted URI', async () => {
    const response = await create('accepted', ACCEPTED);
    expect(response.status, await response.clone().text()).toBe(201);
    expect(((await response.json()) as { credential: { redirectUris: string[] } }).credential.redirectUris).toEqual(
      ACCEPTED,
    );
  });

  it.each(REFUSED)('refuses %j with a 400 naming redirectUris[1]', async (uri, why) => {
    const response = await create('refused', ['https://app.example.com/ok', uri]);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem = (await response.json()) as { errors: unknown };
    expect(problem.errors).toEqual([{ field: 'redirectUris[1]', message: expect.stringMatching(why) }]);
  });
});
