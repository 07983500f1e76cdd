// docs/portal-service.md's table over HTTP (fastify.inject) on the real engine, on SQLite and PostgreSQL: each
// state is created by a real apply of a small manifest, and applies approve the sign-ups.
import { PassThrough } from 'node:stream';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { BACKENDS, dropTestSchemas } from './helpers/backends.js';
import {
  approvedDeveloper,
  json,
  manifest,
  PASSWORD,
  portalCase,
  STATE_ENV,
  type PortalCase,
} from './helpers/service.js';
import { proveAddress } from './helpers/proof.js';
import { verifyOverHttp } from './helpers/verification.js';

afterAll(dropTestSchemas);

function problem(response: LightMyRequestResponse) {
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = response.json();
  expect(body).toMatchObject({ status: response.statusCode, title: expect.any(String), detail: expect.any(String) });
  return body as { title: string; detail: string; errors?: Array<{ field: string; message: string }> };
}

const register = (c: PortalCase, payload: object) => c.app.inject({ method: 'POST', url: '/api/v1/register', payload });
const login = (c: PortalCase, email: string, password = PASSWORD) =>
  c.app.inject({ method: 'POST', url: '/api/v1/session', payload: { email, password } });

describe.each(BACKENDS)('the service on the real engine, $name', (backend) => {
  it('sign-up, approval by apply, login, account', async () => {
    const c = await portalCase(backend);
    try {
      const signup = await register(c, { email: 'Bob@Example.com', fullName: 'Bob', password: PASSWORD });
      expect(signup.statusCode).toBe(201);
      expect(signup.json()).toEqual({ email: 'bob@example.com', fullName: 'Bob', status: 'pending' });
      expect(
        problem(await register(c, { email: 'bob@example.com', fullName: 'Bob', password: PASSWORD })),
      ).toMatchObject({ title: 'Already registered' });

      for (const email of ['bob\u200b@example.com', 'bob@example', 'two@@example.com', 'bob @example.com']) {
        const refused = await register(c, { email, fullName: 'Bob', password: PASSWORD });
        expect(refused.statusCode, email).toBe(400);
        expect(problem(refused).errors?.map((e) => e.field)).toEqual(['email']);
      }
      const short = await register(c, { email: 'carol@example.com', fullName: 'Carol', password: 'short' });
      expect(problem(short).errors).toEqual([{ field: 'password', message: expect.stringMatching(/at least/) }]);
      const long = await register(c, { email: 'carol@example.com', fullName: 'Carol', password: 'x'.repeat(1025) });
      expect(problem(long).errors).toEqual([{ field: 'password', message: expect.stringMatching(/more than 1024/) }]);

      const unverified = await login(c, 'bob@example.com');
      expect(unverified.statusCode).toBe(403);
      expect(problem(unverified).detail).toMatch(/use the link we mailed you/);
      await verifyOverHttp(c.app, c.ws, 'bob@example.com', PASSWORD);
      const pending = await login(c, 'bob@example.com');
      expect(pending.statusCode).toBe(403);
      expect(problem(pending).detail).toMatch(/waiting for approval/);
      const wrong = await login(c, 'bob@example.com', 'not the password at all');
      const unknown = await login(c, 'nobody@example.com');
      expect([wrong.statusCode, unknown.statusCode]).toEqual([401, 401]);
      expect(problem(wrong).detail).toBe(problem(unknown).detail);

      await proveAddress(c.ws, 'bob@example.com'); // a plan adopts only a verified sign-up
      c.apply(manifest('  - { email: bob@example.com, fullName: Bob, status: approved }\n'));
      const session = await login(c, 'bob@example.com');
      expect(session.statusCode).toBe(201);
      const { token, expiresAt, csrfToken } = session.json();
      expect(token).toEqual(expect.any(String));
      expect(Date.parse(expiresAt)).toBeGreaterThan(Date.now());
      expect(String(session.headers['set-cookie'])).toMatch(/HttpOnly; SameSite=Strict/);

      const bearer = { authorization: `Bearer ${token}` };
      const me = await c.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer });
      expect(me.json()).toMatchObject({
        email: 'bob@example.com',
        fullName: 'Bob',
        status: 'approved',
        origin: 'manifest',
        createdAt: expect.any(String),
        emailVerified: true,
        pendingEmail: null,
      });

      const cookie = { cookie: `portalform_session=${token}` };
      expect((await c.app.inject({ method: 'GET', url: '/api/v1/me', headers: cookie })).statusCode).toBe(200);
      expect((await c.app.inject({ method: 'DELETE', url: '/api/v1/session', headers: cookie })).statusCode).toBe(403);
      expect(
        (
          await c.app.inject({
            method: 'DELETE',
            url: '/api/v1/session',
            headers: { ...cookie, 'x-csrf-token': csrfToken },
          })
        ).statusCode,
      ).toBe(204);
      expect((await c.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer })).statusCode).toBe(401);
    } finally {
      await c.app.close();
    }
  });

  it("credentials: create, list without secrets, conflicts, edit, rotate, delete, others' are 404", async () => {
    const c = await portalCase(backend);
    try {
      const bob = await approvedDeveloper(c, 'bob@example.com');
      const create = (payload: object, headers = bob.bearer) =>
        c.app.inject({ method: 'POST', url: '/api/v1/credentials', headers, payload });

      expect(
        (await c.app.inject({ method: 'GET', url: '/api/v1/credential-types', headers: bob.bearer })).json(),
      ).toEqual({ types: ['key-auth', 'basic-auth', 'oauth2', 'hmac-auth', 'jwt'] });
      const created = await create({ type: 'key-auth', name: 'ci', ttl: 3600 });
      expect(created.statusCode, created.body).toBe(201);
      const { credential, secrets } = created.json();
      expect(credential).toMatchObject({
        id: expect.any(String),
        type: 'key-auth',
        name: 'ci',
        ttl: 3600,
        active: true,
        origin: 'self-service',
        createdAt: expect.any(String),
      });
      expect(Object.keys(secrets)).toEqual(['key']);
      expect(secrets.key.length).toBeGreaterThanOrEqual(20);

      const oauth = await create({ type: 'oauth2', name: 'app', redirectUris: ['https://app.example.com/cb'] });
      expect(oauth.statusCode, oauth.body).toBe(201);
      expect(Object.keys(oauth.json().secrets)).toEqual(['clientSecret']);

      const listed = await c.app.inject({ method: 'GET', url: '/api/v1/credentials', headers: bob.bearer });
      expect(
        listed
          .json()
          .credentials.map((x: { type: string }) => x.type)
          .sort(),
      ).toEqual(['key-auth', 'oauth2']);
      expect(listed.body).not.toContain(secrets.key);
      expect(listed.body).not.toContain(oauth.json().secrets.clientSecret);

      expect(problem(await create({ type: 'key-auth', name: 'ci' }))).toMatchObject({ title: expect.any(String) });
      expect((await create({ type: 'key-auth', name: 'ci' })).statusCode).toBe(409);
      expect((await create({ type: 'acl', group: 'partners' })).statusCode).toBe(403);
      expect(
        problem(await create({ type: 'key-auth', name: 'mine', key: 'my-own-chosen-key-0123456789' })).errors?.[0]
          ?.field,
      ).toBe('key');
      expect(
        problem(await create({ type: 'oauth2', name: 'bad', redirectUris: ['not a url'] })).errors?.[0]?.field,
      ).toMatch(/^redirectUris/);

      const url = `/api/v1/credentials/${credential.id}`;
      expect((await c.app.inject({ method: 'GET', url, headers: bob.bearer })).json().credential).toMatchObject({
        id: credential.id,
        name: 'ci',
      });
      const edited = await c.app.inject({ method: 'PATCH', url, headers: bob.bearer, payload: { ttl: 60 } });
      expect(edited.statusCode, edited.body).toBe(200);
      expect(edited.json().credential.ttl).toBe(60);
      const rotated = await c.app.inject({ method: 'POST', url: `${url}/rotate`, headers: bob.bearer });
      expect(rotated.statusCode, rotated.body).toBe(200);
      expect(rotated.json().secrets.key).not.toBe(secrets.key);

      const eve = await approvedDeveloper(c, 'eve@example.com', ['bob@example.com']);
      for (const [method, path] of [
        ['GET', url],
        ['PATCH', url],
        ['POST', `${url}/rotate`],
        ['DELETE', url],
      ] as const) {
        const foreign = await c.app.inject({
          method,
          url: path,
          headers: eve.bearer,
          ...(method === 'PATCH' ? { payload: { ttl: 1 } } : {}),
        });
        expect(foreign.statusCode, `${method} ${path}`).toBe(404);
      }
      expect((await c.app.inject({ method: 'DELETE', url, headers: bob.bearer })).statusCode).toBe(204);
      expect((await c.app.inject({ method: 'GET', url, headers: bob.bearer })).statusCode).toBe(404);
      expect(c.ws.run(['history', 'verify'], { env: STATE_ENV })).toMatchObject({ code: 0 });
    } finally {
      await c.app.close();
    }
  });

  it('an invited managed developer: sets a password once, sees managed credentials, may not change them', async () => {
    const c = await portalCase(backend);
    try {
      const invited = c.ws.run(['invite', 'developer["ada@example.com"]', '--json'], { env: STATE_ENV });
      expect(invited.code, invited.stderr).toBe(0);
      const { token } = json(invited.stdout);
      expect(
        (await c.app.inject({ method: 'POST', url: '/api/v1/password', payload: { token, password: PASSWORD } }))
          .statusCode,
      ).toBe(204);
      const reused = await c.app.inject({
        method: 'POST',
        url: '/api/v1/password',
        payload: { token, password: PASSWORD },
      });
      expect(reused.statusCode).toBe(400);
      problem(reused);

      const session = await login(c, 'ada@example.com');
      expect(session.statusCode).toBe(201);
      const bearer = { authorization: `Bearer ${session.json().token}` };
      const [managed] = (await c.app.inject({ method: 'GET', url: '/api/v1/credentials', headers: bearer })).json()
        .credentials;
      expect(managed).toMatchObject({ type: 'key-auth', name: 'managed-key', origin: 'manifest', active: true });
      expect(managed).not.toHaveProperty('key');
      const url = `/api/v1/credentials/${managed.id}`;
      expect((await c.app.inject({ method: 'DELETE', url, headers: bearer })).statusCode).toBe(403);
      expect((await c.app.inject({ method: 'POST', url: `${url}/rotate`, headers: bearer })).statusCode).toBe(403);
      expect(
        (
          await c.app.inject({
            method: 'PATCH',
            url: '/api/v1/me',
            headers: bearer,
            payload: { fullName: 'Someone Else' },
          })
        ).statusCode,
      ).toBe(403);
      expect(
        (
          await c.app.inject({
            method: 'PUT',
            url: '/api/v1/me/email',
            headers: bearer,
            payload: { email: 'new@example.com', password: PASSWORD },
          })
        ).statusCode,
      ).toBe(403);
    } finally {
      await c.app.close();
    }
  });

  it('failed logins per account are throttled in the state: 429 with Retry-After', async () => {
    const c = await portalCase(backend, { engine: { loginAttempts: 3 } });
    try {
      await approvedDeveloper(c, 'bob@example.com');
      for (let i = 0; i < 3; i++)
        expect((await login(c, 'bob@example.com', `wrong password ${i}`)).statusCode).toBe(401);
      const throttled = await login(c, 'bob@example.com');
      expect(throttled.statusCode).toBe(429);
      expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(0);
      problem(throttled);
    } finally {
      await c.app.close();
    }
  });

  it('a password change ends the other sessions; deleting the account ends everything', async () => {
    const c = await portalCase(backend);
    try {
      const first = await approvedDeveloper(c, 'bob@example.com');
      const second = { authorization: `Bearer ${(await login(c, 'bob@example.com')).json().token}` };
      const newPassword = 'an entirely new passphrase';
      const changed = await c.app.inject({
        method: 'PUT',
        url: '/api/v1/me/password',
        headers: first.bearer,
        payload: { currentPassword: PASSWORD, newPassword },
      });
      expect(changed.statusCode, changed.body).toBe(204);
      expect((await c.app.inject({ method: 'GET', url: '/api/v1/me', headers: second })).statusCode).toBe(401);
      expect((await c.app.inject({ method: 'GET', url: '/api/v1/me', headers: first.bearer })).statusCode).toBe(200);

      const wrong = await c.app.inject({
        method: 'DELETE',
        url: '/api/v1/me',
        headers: first.bearer,
        payload: { password: PASSWORD },
      });
      expect(wrong.statusCode).toBe(400);
      expect(wrong.json().errors).toEqual([{ field: 'password', message: 'is wrong' }]);
      expect(
        (
          await c.app.inject({
            method: 'DELETE',
            url: '/api/v1/me',
            headers: first.bearer,
            payload: { password: newPassword },
          })
        ).statusCode,
      ).toBe(204);
      expect((await c.app.inject({ method: 'GET', url: '/api/v1/me', headers: first.bearer })).statusCode).toBe(401);
      expect((await login(c, 'bob@example.com', newPassword)).statusCode).toBe(401);
      expect(c.ws.run(['history', 'verify'], { env: STATE_ENV })).toMatchObject({ code: 0 });
    } finally {
      await c.app.close();
    }
  });

  it('healthz answers 200, and the log never holds a password or a token', async () => {
    const log = new PassThrough();
    let logged = '';
    log.on('data', (chunk: Buffer) => (logged += chunk.toString()));
    const sentinel = 'Sentinel-Real-Engine-Pa55word-91be';
    const c = await portalCase(backend, { service: { log, logLevel: 'trace' } });
    try {
      expect((await c.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
      expect((await register(c, { email: 'bob@example.com', fullName: 'Bob', password: sentinel })).statusCode).toBe(
        201,
      );
      expect((await login(c, 'bob@example.com', sentinel)).statusCode).toBe(403);
      expect((await login(c, 'bob@example.com', `${sentinel}-wrong`)).statusCode).toBe(401);
      expect(
        (await register(c, { email: 'bob\u200b@example.com', fullName: 'Bob', password: sentinel })).statusCode,
      ).toBe(400);
      expect(
        (
          await c.app.inject({
            method: 'POST',
            url: '/api/v1/register',
            headers: { 'content-type': 'application/json' },
            payload: `{"password": "${sentinel}", `,
          })
        ).statusCode,
      ).toBe(400);
      expect(logged).toContain('bob@example.com');
      expect(logged).not.toContain(sentinel);
    } finally {
      await c.app.close();
    }
  });
});
