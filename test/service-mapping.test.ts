// How the service turns requests into engine calls and engine answers into HTTP: validation,
// problem+json, authentication and CSRF, cookies, rate limits, Retry-After, logs. The engine here
// is an in-memory double (test/helpers/portal-double.ts); the real engine's rules are tested in
// service-e2e.test.ts.
import { PassThrough } from 'node:stream';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { CREDENTIAL_TYPES } from '../src/model.js';
import { PortalError } from '../src/portal/contract.js';
import { buildService, type ServiceOptions } from '../src/service/app.js';
import { CREDENTIAL_FIELDS } from '../src/service/schemas.js';
import { checkingAnswers } from './helpers/openapi.js';
import { portalDouble, type DoubleEngine } from './helpers/portal-double.js';

const SENTINEL = 'Sentinel-Pa55word-7f3a9c';
let apps: FastifyInstance[] = [];

afterEach(async () => {
  await Promise.all(apps.map((app) => app.close()));
  apps = [];
});

async function service(options: ServiceOptions = {}, engine: DoubleEngine = portalDouble()) {
  const app = checkingAnswers(await buildService(engine, { log: false, ...options }));
  apps.push(app);
  return { app, engine };
}

function problem(response: LightMyRequestResponse) {
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = response.json();
  expect(body).toMatchObject({ status: response.statusCode, title: expect.any(String), detail: expect.any(String) });
  expect(response.body).not.toMatch(/at .*\.(ts|js):\d+/);
  return body as { title: string; status: number; detail: string; errors?: Array<{ field: string; message: string }> };
}

/** A logged-in developer of the double: its token and CSRF token, and the login's answer. */
async function loggedIn(app: FastifyInstance, engine: DoubleEngine, email = 'ada@example.com') {
  await app.inject({
    method: 'POST',
    url: '/api/v1/register',
    payload: { email, fullName: 'Ada', password: 'correct horse' },
  });
  engine.approve(email);
  const login = await app.inject({
    method: 'POST',
    url: '/api/v1/session',
    payload: { email, password: 'correct horse' },
  });
  expect(login.statusCode).toBe(201);
  const { token, csrfToken } = login.json() as { token: string; csrfToken: string };
  return { token, csrfToken, login, bearer: { authorization: `Bearer ${token}` } };
}

describe('bad input is a problem+json 400 naming the field', () => {
  it('malformed JSON, without echoing the body', async () => {
    const { app, engine } = await service();
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/register',
      headers: { 'content-type': 'application/json' },
      payload: `{"email":"a@example.com","password":"${SENTINEL}",`,
    });
    expect(response.statusCode).toBe(400);
    const body = problem(response);
    expect(body.title).toBe('Malformed JSON');
    expect(body.errors).toEqual([{ field: '(body)', message: expect.stringMatching(/not valid JSON/) }]);
    expect(response.body).not.toContain(SENTINEL);
    expect(engine.calls).toEqual([]);
  });

  it('wrong types, without coercion', async () => {
    const { app, engine } = await service();
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/register',
      payload: { email: 42, fullName: ['Ada'], password: true },
    });
    expect(response.statusCode).toBe(400);
    expect(problem(response).errors).toEqual(
      expect.arrayContaining([
        { field: 'email', message: 'must be string' },
        { field: 'fullName', message: 'must be string' },
        { field: 'password', message: 'must be string' },
      ]),
    );
    expect(engine.calls).toEqual([]);
  });

  it('unknown fields, by name', async () => {
    const { app, engine } = await service();
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/register',
      payload: { email: 'a@example.com', fullName: 'A', password: 'pw', isAdmin: true },
    });
    expect(response.statusCode).toBe(400);
    const body = problem(response);
    expect(body.errors).toEqual([{ field: 'isAdmin', message: 'is not a known field' }]);
    expect(body.detail).toContain('isAdmin');
    expect(engine.calls).toEqual([]);
  });

  it('missing fields and an empty body', async () => {
    const { app } = await service();
    const missing = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { email: 'a@example.com' } });
    expect(problem(missing).errors).toEqual([{ field: 'password', message: 'is required' }]);
    const empty = await app.inject({
      method: 'POST',
      url: '/api/v1/session',
      headers: { 'content-type': 'application/json' },
      payload: '',
    });
    expect(empty.statusCode).toBe(400);
    expect(problem(empty).errors?.[0]?.field).toBe('(body)');
  });

  it('a body over the size limit is a 413', async () => {
    const { app, engine } = await service();
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/register',
      payload: { email: 'a@example.com', fullName: 'x'.repeat(100_000), password: 'pw' },
    });
    expect(response.statusCode).toBe(413);
    expect(problem(response).title).toBe('Body too large');
    expect(engine.calls).toEqual([]);
  });

  it('a body that is not JSON is a 415', async () => {
    const { app } = await service();
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/session',
      headers: { 'content-type': 'text/plain' },
      payload: 'email=a',
    });
    expect(response.statusCode).toBe(415);
    problem(response);
  });

  it('an overlong password', async () => {
    const { app, engine } = await service();
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/register',
      payload: { email: 'a@example.com', fullName: 'A', password: 'p'.repeat(1025) },
    });
    expect(response.statusCode).toBe(400);
    expect(problem(response).errors).toEqual([
      { field: 'password', message: 'must NOT have more than 1024 characters' },
    ]);
    expect(engine.calls).toEqual([]);
  });

  it('an unknown credential type, a secret field, a field of another type', async () => {
    const { app, engine } = await service();
    const { bearer } = await loggedIn(app, engine);
    const create = (payload: object) =>
      app.inject({ method: 'POST', url: '/api/v1/credentials', headers: bearer, payload });

    const unknownType = await create({ type: 'ldap-auth', name: 'x' });
    expect(unknownType.statusCode).toBe(400);
    expect(problem(unknownType).errors).toEqual([
      { field: 'type', message: expect.stringContaining('must be one of: key-auth') },
    ]);

    const secret = await create({ type: 'key-auth', name: 'ci', key: 'chosen-by-me-0123456789' });
    expect(secret.statusCode).toBe(400);
    expect(problem(secret).errors).toEqual([
      { field: 'key', message: expect.stringMatching(/secret field: the service generates/) },
    ]);

    const otherType = await create({ type: 'key-auth', name: 'ci', redirectUris: [] });
    expect(problem(otherType).errors).toEqual([{ field: 'redirectUris', message: 'is not a known field' }]);

    const nested = await create({ type: 'oauth2', name: 'app', redirectUris: ['https://a.example/cb', 7] });
    expect(problem(nested).errors).toEqual([{ field: 'redirectUris[1]', message: 'must be string' }]);

    const missingIdentity = await create({ type: 'jwt', algorithm: 'HS256' });
    expect(problem(missingIdentity).errors).toEqual([{ field: 'key', message: 'is required' }]);
    expect(engine.calls.filter((c) => c.method === 'createCredential')).toEqual([]);
  });

  it("a PATCH holds only the credential type's own non-secret fields", async () => {
    const { app, engine } = await service();
    const { bearer } = await loggedIn(app, engine);
    const created = await app.inject({
      method: 'POST',
      url: '/api/v1/credentials',
      headers: bearer,
      payload: { type: 'key-auth', name: 'ci' },
    });
    const { id } = created.json().credential;
    const patch = (payload: object) =>
      app.inject({ method: 'PATCH', url: `/api/v1/credentials/${id}`, headers: bearer, payload });

    const foreign = await patch({ clientType: 'public' });
    expect(foreign.statusCode).toBe(400);
    expect(problem(foreign).errors).toEqual([
      { field: 'clientType', message: 'is not a field of a key-auth credential' },
    ]);
    expect(problem(await patch({ key: 'x' })).errors).toEqual([
      { field: 'key', message: expect.stringMatching(/secret field/) },
    ]);
    expect(problem(await patch({ ttl: '60' })).errors).toEqual([{ field: 'ttl', message: 'must be integer' }]);
    expect(engine.calls.filter((c) => c.method === 'updateCredential')).toEqual([]);

    const ok = await patch({ ttl: 60 });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().credential).toMatchObject({ id, type: 'key-auth', name: 'ci', ttl: 60 });
  });

  it('an unknown route is a problem+json 404', async () => {
    const { app } = await service();
    const response = await app.inject({ method: 'GET', url: '/api/v1/nothing?token=abc' });
    expect(response.statusCode).toBe(404);
    expect(problem(response).detail).toContain('GET');
    // The path is not quoted back: it may be text meant for someone else.
    expect(response.body).not.toContain('/api/v1/nothing');
    expect(response.body).not.toContain('abc');
  });
});

describe('engine answers', () => {
  it('register: 201 with email, fullName and status; the engine gets the body as sent', async () => {
    const { app, engine } = await service();
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/register',
      payload: { email: 'Ada@Example.com', fullName: 'Ada', password: 'pw' },
    });
    expect(response.statusCode).toBe(201);
    expect(response.json()).toEqual({ email: 'ada@example.com', fullName: 'Ada', status: 'pending' });
    expect(engine.calls).toEqual([
      { method: 'register', input: { email: 'Ada@Example.com', fullName: 'Ada', password: 'pw' } },
    ]);
  });

  it('PortalError keeps its status, title, detail and field errors', async () => {
    const { app, engine } = await service();
    engine.failNext(
      'register',
      new PortalError(400, 'Invalid email', 'not an email', [
        { field: 'email', message: 'is not a valid email address' },
      ]),
    );
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/register',
      payload: { email: 'a\u200b@example.com', fullName: 'A', password: 'pw' },
    });
    expect(response.statusCode).toBe(400);
    expect(problem(response)).toEqual({
      title: 'Invalid email',
      status: 400,
      detail: 'not an email',
      errors: [{ field: 'email', message: 'is not a valid email address' }],
    });

    await app.inject({
      method: 'POST',
      url: '/api/v1/register',
      payload: { email: 'b@example.com', fullName: 'B', password: 'pw' },
    });
    const taken = await app.inject({
      method: 'POST',
      url: '/api/v1/register',
      payload: { email: 'b@example.com', fullName: 'B', password: 'pw' },
    });
    expect(taken.statusCode).toBe(409);
    expect(problem(taken)).not.toHaveProperty('errors');
  });

  it('503 and 429 from the engine send Retry-After', async () => {
    const { app, engine } = await service();
    engine.failNext('register', new PortalError(503, 'State busy', 'the state is busy', undefined, 3));
    const busy = await app.inject({
      method: 'POST',
      url: '/api/v1/register',
      payload: { email: 'a@example.com', fullName: 'A', password: 'pw' },
    });
    expect(busy.statusCode).toBe(503);
    expect(busy.headers['retry-after']).toBe('3');
    problem(busy);

    engine.failNext('login', new PortalError(429, 'Too many failed logins', 'wait'));
    const throttled = await app.inject({
      method: 'POST',
      url: '/api/v1/session',
      payload: { email: 'a@example.com', password: 'pw' },
    });
    expect(throttled.statusCode).toBe(429);
    expect(Number(throttled.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  });

  it('an unexpected failure is a 500 that shows neither its message nor a stack', async () => {
    const log = new PassThrough();
    let logged = '';
    log.on('data', (chunk: Buffer) => (logged += chunk.toString()));
    const { app, engine } = await service({ log });
    engine.failNext('register', new Error('connection to 10.0.0.5 refused: internal detail'));
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/register',
      payload: { email: 'a@example.com', fullName: 'A', password: 'pw' },
    });
    expect(response.statusCode).toBe(500);
    const body = problem(response);
    expect(response.body).not.toContain('internal detail');
    expect(body.detail).toContain(String(response.headers['x-request-id']));
    expect(logged).toContain('internal detail');
  });

  it('login: 401 and 403 as the engine says; list and get never show a secret, even one the engine let through', async () => {
    const { app, engine } = await service();
    await app.inject({
      method: 'POST',
      url: '/api/v1/register',
      payload: { email: 'p@example.com', fullName: 'P', password: 'pw' },
    });
    const pending = await app.inject({
      method: 'POST',
      url: '/api/v1/session',
      payload: { email: 'p@example.com', password: 'pw' },
    });
    expect(pending.statusCode).toBe(403);
    expect(problem(pending).detail).toMatch(/waiting/);
    const wrong = await app.inject({
      method: 'POST',
      url: '/api/v1/session',
      payload: { email: 'p@example.com', password: 'nope' },
    });
    expect(wrong.statusCode).toBe(401);
    expect(pending.headers['set-cookie']).toBeUndefined();

    const { bearer } = await loggedIn(app, engine);
    const created = await app.inject({
      method: 'POST',
      url: '/api/v1/credentials',
      headers: bearer,
      payload: { type: 'basic-auth', username: 'ada' },
    });
    expect(created.statusCode).toBe(201);
    const { credential, secrets } = created.json();
    expect(Object.keys(secrets)).toEqual(['password']);
    const leaky = engine.listCredentials.bind(engine);
    engine.listCredentials = async (session) =>
      (await leaky(session)).map((c) => ({ ...c, password: secrets.password, secretValue: 'x' }));
    const listed = await app.inject({ method: 'GET', url: '/api/v1/credentials', headers: bearer });
    expect(listed.json()).toEqual({
      credentials: [
        {
          id: credential.id,
          type: 'basic-auth',
          username: 'ada',
          active: true,
          origin: 'self-service',
          createdAt: expect.any(String),
          managed: false,
        },
      ],
    });
    expect(listed.body).not.toContain(secrets.password);

    const rotated = await app.inject({
      method: 'POST',
      url: `/api/v1/credentials/${credential.id}/rotate`,
      headers: bearer,
    });
    expect(rotated.statusCode).toBe(200);
    expect(rotated.json().secrets.password).not.toBe(secrets.password);
    const rotatedWithJsonType = await app.inject({
      method: 'POST',
      url: `/api/v1/credentials/${credential.id}/rotate`,
      headers: { ...bearer, 'content-type': 'application/json' },
    });
    expect(rotatedWithJsonType.statusCode).toBe(200);

    expect((await app.inject({ method: 'GET', url: '/api/v1/credentials/nope', headers: bearer })).statusCode).toBe(
      404,
    );
    expect(
      (await app.inject({ method: 'DELETE', url: `/api/v1/credentials/${credential.id}`, headers: bearer })).statusCode,
    ).toBe(204);
    expect(
      (await app.inject({ method: 'GET', url: `/api/v1/credentials/${credential.id}`, headers: bearer })).statusCode,
    ).toBe(404);
  });

  it('invite password, account changes and deletion', async () => {
    const { app, engine } = await service();
    const invite = await app.inject({
      method: 'POST',
      url: '/api/v1/password',
      payload: { token: 'unknown', password: 'pw' },
    });
    expect(invite.statusCode).toBe(400);
    expect(problem(invite).errors).toEqual([{ field: 'token', message: 'is unknown, used or expired' }]);

    const { bearer } = await loggedIn(app, engine);
    expect((await app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer })).json()).toMatchObject({
      email: 'ada@example.com',
      status: 'approved',
      origin: 'self-service',
    });
    const renamed = await app.inject({
      method: 'PATCH',
      url: '/api/v1/me',
      headers: bearer,
      payload: { fullName: 'Ada L.' },
    });
    expect(renamed.json().fullName).toBe('Ada L.');
    expect(
      (
        await app.inject({
          method: 'PUT',
          url: '/api/v1/me/password',
          headers: bearer,
          payload: { currentPassword: 'correct horse', newPassword: 'battery staple' },
        })
      ).statusCode,
    ).toBe(204);
    expect((await app.inject({ method: 'GET', url: '/api/v1/credential-types', headers: bearer })).json()).toEqual({
      types: ['key-auth', 'basic-auth', 'oauth2', 'hmac-auth', 'jwt'],
    });
    const deleted = await app.inject({
      method: 'DELETE',
      url: '/api/v1/me',
      headers: bearer,
      payload: { password: 'battery staple' },
    });
    expect(deleted.statusCode).toBe(204);
    expect((await app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer })).statusCode).toBe(401);
  });
});

describe('authentication', () => {
  it('401 without a session, with a bad token, or another scheme', async () => {
    const { app } = await service();
    for (const headers of [
      {},
      { authorization: 'Bearer nope' },
      { authorization: 'Basic YTpi' },
      { cookie: 'portalform_session=nope' },
    ]) {
      const response = await app.inject({ method: 'GET', url: '/api/v1/credentials', headers });
      expect(response.statusCode).toBe(401);
      expect(problem(response).title).toBe('Not logged in');
    }
  });

  it('the login cookie is HttpOnly, SameSite=Strict, not Secure on http', async () => {
    const { app, engine } = await service({ publicUrl: 'http://127.0.0.1:8080' });
    const { login } = await loggedIn(app, engine);
    const cookie = String(login.headers['set-cookie']);
    expect(cookie).toMatch(/^portalform_session=[^;]+;/);
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Strict/);
    expect(cookie).toMatch(/; Path=\//);
    expect(cookie).not.toMatch(/Secure/);
  });

  it('the cookie is Secure when the public URL is https', async () => {
    const { app, engine } = await service({ publicUrl: 'https://portal.example.com' });
    const { login } = await loggedIn(app, engine);
    expect(String(login.headers['set-cookie'])).toMatch(/; Secure/);
  });

  it('a cookie reads without CSRF token, but changes need X-CSRF-Token; Bearer needs none', async () => {
    const { app, engine } = await service();
    const { token, csrfToken, bearer } = await loggedIn(app, engine);
    const cookie = { cookie: `portalform_session=${token}` };
    expect((await app.inject({ method: 'GET', url: '/api/v1/credentials', headers: cookie })).statusCode).toBe(200);

    const create = (headers: Record<string, string>) =>
      app.inject({
        method: 'POST',
        url: '/api/v1/credentials',
        headers,
        payload: { type: 'key-auth', name: `k${Math.random()}` },
      });
    const refused = await create(cookie);
    expect(refused.statusCode).toBe(403);
    expect(problem(refused).detail).toMatch(/x-csrf-token/i);
    expect((await create({ ...cookie, 'x-csrf-token': 'wrong' })).statusCode).toBe(403);
    expect(engine.calls.filter((c) => c.method === 'createCredential')).toEqual([]);
    expect((await create({ ...cookie, 'x-csrf-token': csrfToken })).statusCode).toBe(201);
    expect((await create(bearer)).statusCode).toBe(201);

    expect((await app.inject({ method: 'DELETE', url: '/api/v1/session', headers: cookie })).statusCode).toBe(403);
    const logout = await app.inject({
      method: 'DELETE',
      url: '/api/v1/session',
      headers: { ...cookie, 'x-csrf-token': csrfToken },
    });
    expect(logout.statusCode).toBe(204);
    expect(String(logout.headers['set-cookie'])).toMatch(/^portalform_session=;/);
    expect((await app.inject({ method: 'GET', url: '/api/v1/credentials', headers: bearer })).statusCode).toBe(401);
  });
});

describe('the service around the routes', () => {
  it('rate limit per client address: 429 with Retry-After, problem+json', async () => {
    const { app } = await service({ rateLimit: 3 });
    const from = (remoteAddress: string) => app.inject({ method: 'GET', url: '/api/v1/credentials', remoteAddress });
    for (let i = 0; i < 3; i++) expect((await from('10.0.0.1')).statusCode).toBe(401);
    const limited = await from('10.0.0.1');
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(problem(limited).detail).toMatch(/More than 3 requests a minute/);
    expect((await from('10.0.0.2')).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/healthz', remoteAddress: '10.0.0.1' })).statusCode).toBe(200);
  });

  it('healthz: 200 when the engine is healthy, else 503 with Retry-After', async () => {
    const { app, engine } = await service();
    expect((await app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    engine.setHealthy(false);
    const down = await app.inject({ method: 'GET', url: '/healthz' });
    expect(down.statusCode).toBe(503);
    expect(down.headers['retry-after']).toBeDefined();
    problem(down);
  });

  it('security headers, no caching of API answers, a request id', async () => {
    const { app } = await service();
    const response = await app.inject({
      method: 'GET',
      url: '/api/v1/credentials',
      headers: { 'x-request-id': 'proxy-id-1' },
    });
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['content-security-policy']).toBeDefined();
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.headers['x-request-id']).toBe('proxy-id-1');
    const fresh = await app.inject({
      method: 'GET',
      url: '/api/v1/credentials',
      headers: { 'x-request-id': 'bad id\nwith newline' },
    });
    expect(fresh.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('openapi.json lists every path and method, with the credential bodies per type', async () => {
    const { app } = await service();
    const response = await app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
    expect(response.statusCode).toBe(200);
    const spec = response.json();
    expect(spec.openapi).toMatch(/^3\./);
    const listed = Object.entries(spec.paths as Record<string, object>).flatMap(([path, methods]) =>
      Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`),
    );
    const table = [
      'POST /api/v1/register',
      'POST /api/v1/session',
      'POST /api/v1/verify',
      'POST /api/v1/verify/resend',
      'DELETE /api/v1/session',
      'POST /api/v1/password',
      'POST /api/v1/password-reset',
      'GET /api/v1/me',
      'PATCH /api/v1/me',
      'PUT /api/v1/me/email',
      'PUT /api/v1/me/password',
      'DELETE /api/v1/me',
      'GET /api/v1/credential-types',
      'GET /api/v1/credentials',
      'POST /api/v1/credentials',
      'GET /api/v1/credentials/{id}',
      'PATCH /api/v1/credentials/{id}',
      'POST /api/v1/credentials/{id}/rotate',
      'DELETE /api/v1/credentials/{id}',
      'GET /api/v1/apis',
      'GET /api/v1/applications',
      'POST /api/v1/applications',
      'GET /api/v1/applications/{id}',
      'PATCH /api/v1/applications/{id}',
      'DELETE /api/v1/applications/{id}',
      'GET /api/v1/applications/{id}/credentials',
      'POST /api/v1/applications/{id}/credentials',
      'GET /api/v1/applications/{id}/credentials/{credentialId}',
      'PATCH /api/v1/applications/{id}/credentials/{credentialId}',
      'DELETE /api/v1/applications/{id}/credentials/{credentialId}',
      'POST /api/v1/applications/{id}/credentials/{credentialId}/rotate',
      'POST /api/v1/applications/{id}/registrations',
      'DELETE /api/v1/applications/{id}/registrations/{api}',
      'GET /healthz',
      'GET /api/v1/openapi.json',
    ];
    expect(listed.sort()).toEqual(table.sort());
    const text = JSON.stringify(spec.paths['/api/v1/credentials'].post);
    for (const type of CREDENTIAL_TYPES) expect(text).toContain(`"${type}"`);
    expect(spec.components.securitySchemes).toHaveProperty('bearer');
  });

  it('credential bodies come from the manifest schema without the secret fields', () => {
    expect(Object.keys(CREDENTIAL_FIELDS['key-auth'].properties).sort()).toEqual(['name', 'ttl', 'type']);
    expect(Object.keys(CREDENTIAL_FIELDS.oauth2.properties).sort()).toEqual([
      'clientId',
      'clientType',
      'hashSecret',
      'name',
      'redirectUris',
      'type',
    ]);
    expect(Object.keys(CREDENTIAL_FIELDS.jwt.properties).sort()).toEqual(['algorithm', 'key', 'rsaPublicKey', 'type']);
    expect(CREDENTIAL_FIELDS.jwt.properties.rsaPublicKey).toMatchObject({ type: 'string' });
    expect(CREDENTIAL_FIELDS['basic-auth'].required).toEqual(['type', 'username']);
  });

  it('closing the service closes the engine', async () => {
    const engine = portalDouble();
    const app = await buildService(engine, { log: false });
    await app.close();
    expect(engine.closed).toBe(true);
  });
});

describe('logs', () => {
  it('carry request ids, and never a password, token, cookie or authorization header', async () => {
    const log = new PassThrough();
    let logged = '';
    log.on('data', (chunk: Buffer) => (logged += chunk.toString()));
    const { app, engine } = await service({ log, logLevel: 'trace' });
    const sentinelToken = 'Sentinel-Token-55aa';
    await app.inject({
      method: 'POST',
      url: '/api/v1/register',
      payload: { email: 'ada@example.com', fullName: 'Ada', password: SENTINEL },
    });
    engine.approve('ada@example.com');
    const login = await app.inject({
      method: 'POST',
      url: '/api/v1/session',
      payload: { email: 'ada@example.com', password: SENTINEL },
    });
    const { token, csrfToken } = login.json();
    await app.inject({
      method: 'POST',
      url: '/api/v1/session',
      payload: { email: 'ada@example.com', password: `${SENTINEL}-wrong` },
    });
    await app.inject({
      method: 'POST',
      url: '/api/v1/session',
      headers: { 'content-type': 'application/json' },
      payload: `{"password":"${SENTINEL}"`,
    });
    await app.inject({
      method: 'POST',
      url: '/api/v1/session',
      payload: { email: 'x@example.com', password: SENTINEL, extra: SENTINEL },
    });
    await app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: { authorization: `Bearer ${token}`, cookie: `portalform_session=${token}` },
    });
    await app.inject({
      method: 'PUT',
      url: '/api/v1/me/password',
      headers: { authorization: `Bearer ${token}` },
      payload: { currentPassword: SENTINEL, newPassword: `${SENTINEL}-new` },
    });
    await app.inject({ method: 'GET', url: `/password?token=${sentinelToken}` });
    await app.inject({
      method: 'POST',
      url: '/api/v1/password',
      payload: { token: sentinelToken, password: SENTINEL },
    });

    expect(logged.length).toBeGreaterThan(0);
    for (const secret of [SENTINEL, token, csrfToken, sentinelToken]) expect(logged).not.toContain(secret);
    const records = logged
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(records.some((r) => r.event === 'login' && r.email === 'ada@example.com')).toBe(true);
    expect(records.some((r) => r.event === 'login-refused')).toBe(true);
    expect(records.filter((r) => r.req).every((r) => typeof r.reqId === 'string')).toBe(true);
    expect(records.some((r) => r.req?.url === '/password?token=[redacted]')).toBe(true);
  });
});
