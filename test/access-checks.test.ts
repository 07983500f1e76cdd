// The access checks over the service (inject) on SQLite and PostgreSQL: each credential type
// accepted and each way it is refused, the precedence of types, who may call what, and the answers'
// shape (no body, the seven headers on every answer).
import { afterAll, describe, expect, it } from 'vitest';
import { BACKENDS, dropTestSchemas } from './helpers/backends.js';
import {
  accessCase,
  basic,
  bearer,
  CONSUMER,
  hmacHeaders,
  hsToken,
  rsToken,
  SECRETS,
  type AccessCase,
} from './helpers/access.js';

afterAll(dropTestSchemas);

const KEY = { apikey: SECRETS.PORTALFORM_SECRET_KEY };
const APP_KEY = { apikey: SECRETS.PORTALFORM_SECRET_APP_KEY };

const CASES = BACKENDS.flatMap((backend) =>
  [true, false].map((stateKey) => ({ backend, stateKey, name: backend.name })),
);

describe.each(CASES)('access checks on $name, state key $stateKey', ({ backend, stateKey }) => {
  let c: AccessCase;
  afterAll(async () => c?.close());

  it('admits a developer key to an API its acl groups meet, with the consumer headers and no body', async () => {
    c = await accessCase(backend, { stateKey });
    const answer = await c.check('/api/v1/access/payments', KEY);
    expect(answer.statusCode).toBe(200);
    expect(answer.body).toBe('');
    expect(answer.headers['content-length']).toBe('0');
    expect(answer.headers['x-consumer-username']).toBe('ada@example.com');
    expect(answer.headers['x-consumer-groups']).toBe('partners');
    expect(answer.headers['x-consumer-apis']).toBe('payments');
    expect(answer.headers['x-application']).toBe('');
    expect(answer.headers['x-consumer-id']).toMatch(/\S/);
    expect(answer.headers['x-credential-identifier']).toMatch(/\S/);
  });

  it('refuses the developer key an API no group of theirs names (403), and an unknown API whatever the credential', async () => {
    expect((await c.check('/api/v1/access/search', KEY)).statusCode).toBe(403);
    expect((await c.check('/api/v1/access/nope', KEY)).statusCode).toBe(403);
    expect((await c.check('/api/v1/access/nope', {})).statusCode).toBe(403);
    expect((await c.check('/api/v1/access/nope', { apikey: 'wrong' })).statusCode).toBe(403);
  });

  it("admits an application's key only to the API of its approved registration", async () => {
    const ok = await c.check('/api/v1/access/payments/v1/charges', APP_KEY);
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['x-application']).toBe('billing');
    expect(ok.headers['x-consumer-apis']).toBe('payments');
    expect((await c.check('/api/v1/access/search', APP_KEY)).statusCode).toBe(403); // pending
    expect((await c.check('/api/v1/access/maps', APP_KEY)).statusCode).toBe(403); // unregistered
    expect((await c.check('/api/v1/access', APP_KEY)).statusCode).toBe(200);
  });

  it('answers every refusal with the seven headers empty and no body, and one 401 for every unknown or wrong credential', async () => {
    const answers = await Promise.all([
      c.check('/api/v1/access/payments', {}),
      c.check('/api/v1/access/payments', { apikey: 'not-a-key' }),
      c.check('/api/v1/access/payments', basic('ada', 'wrong password')),
      c.check('/api/v1/access/payments', basic('nobody', 'x')),
      c.check('/api/v1/access/payments', bearer(await hsToken({}, 'another-secret-0123456789-abcdefghijk'))),
    ]);
    for (const answer of answers) {
      expect(answer.statusCode).toBe(401);
      expect(answer.body).toBe('');
      expect(answer.headers['www-authenticate']).toEqual(['Key realm="portalform"', 'Basic realm="portalform"']);
      for (const name of CONSUMER) expect(answer.headers[name]).toBe('');
    }
    const forbidden = await c.check('/api/v1/access/search', KEY);
    for (const name of CONSUMER) expect(forbidden.headers[name]).toBe('');
  });

  it('reads a key from the query of the original URI, the header winning over it', async () => {
    const query = `/v1/charges?apikey=${SECRETS.PORTALFORM_SECRET_KEY}`;
    expect((await c.check('/api/v1/access/payments', { 'x-original-uri': query })).statusCode).toBe(200);
    expect((await c.check(`/api/v1/access/payments${query}`)).statusCode).toBe(200); // Envoy's form
    expect((await c.check('/api/v1/access/payments', { 'x-original-uri': query, apikey: 'wrong' })).statusCode).toBe(
      401,
    );
    expect((await c.check('/api/v1/access/payments', { 'x-original-uri': '/v1?APIKEY=x', ...KEY })).statusCode).toBe(
      200,
    );
  });

  it('checks basic-auth, twice (the second from the in-memory verifier), and refuses a wrong password', async () => {
    for (let i = 0; i < 2; i++) {
      const answer = await c.check('/api/v1/access/payments', basic('ada', SECRETS.PORTALFORM_SECRET_PASSWORD));
      expect(answer.statusCode).toBe(200);
      expect(answer.headers['x-credential-identifier']).toBe('ada');
    }
    expect((await c.check('/api/v1/access/payments', basic('ada', 'x'))).statusCode).toBe(401);
  });

  it('checks jwt HS256 and RS256, refusing expired, not yet valid, alg none, confusion and a forged signature', async () => {
    const now = Math.floor(Date.now() / 1000);
    const ok = await c.check('/api/v1/access/payments', bearer(await hsToken({ exp: now + 60 })));
    expect(ok.statusCode).toBe(c.stateKey ? 200 : 401);
    if (c.stateKey) expect(ok.headers['x-credential-identifier']).toBe('ada-hs');
    expect((await c.check('/api/v1/access/payments', bearer(await rsToken({ exp: now + 60 })))).statusCode).toBe(200);
    expect((await c.check('/api/v1/access/payments', bearer(await hsToken({ exp: now - 1 })))).statusCode).toBe(401);
    expect((await c.check('/api/v1/access/payments', bearer(await hsToken({ nbf: now + 60 })))).statusCode).toBe(401);
    const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ iss: 'ada-hs' })}.`;
    expect((await c.check('/api/v1/access/payments', bearer(none))).statusCode).toBe(401);
    // Algorithm confusion: HS256 signed with the RS credential's public key as the secret.
    const { RSA_PUBLIC } = await import('./helpers/access.js');
    const { SignJWT } = await import('jose');
    const confused = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('ada-rs')
      .sign(new TextEncoder().encode(RSA_PUBLIC));
    expect((await c.check('/api/v1/access/payments', bearer(confused))).statusCode).toBe(401);
    const rs = await rsToken();
    const forged = `${rs.slice(0, rs.lastIndexOf('.'))}.${'A'.repeat(342)}`;
    expect((await c.check('/api/v1/access/payments', bearer(forged))).statusCode).toBe(401);
  });

  it('checks hmac-auth (sha256, sha512) and refuses sha1, a stale date, and a signature without request-line', async () => {
    const expected = c.stateKey ? 200 : 401;
    expect((await c.check('/api/v1/access/payments', hmacHeaders())).statusCode).toBe(expected);
    expect((await c.check('/api/v1/access/payments', hmacHeaders({ algorithm: 'hmac-sha512' }))).statusCode).toBe(
      expected,
    );
    expect((await c.check('/api/v1/access/payments', hmacHeaders({ algorithm: 'hmac-sha1' }))).statusCode).toBe(401);
    const stale = new Date(Date.now() - 301_000);
    expect((await c.check('/api/v1/access/payments', hmacHeaders({ date: stale }))).statusCode).toBe(401);
    expect((await c.check('/api/v1/access/payments', hmacHeaders({ signed: 'date' }))).statusCode).toBe(401);
    const other = hmacHeaders({ uri: '/v1/other' });
    other['x-original-uri'] = '/v1/charges';
    expect((await c.check('/api/v1/access/payments', other)).statusCode).toBe(401);
    if (!c.stateKey) expect(c.logs.join('')).toContain('secret not recoverable');
  });

  it('decides on the first listed type present: a wrong key is a 401 even beside a right password', async () => {
    const both = { apikey: 'wrong', ...basic('ada', SECRETS.PORTALFORM_SECRET_PASSWORD) };
    expect((await c.check('/api/v1/access/payments', both)).statusCode).toBe(401);
    const right = { ...KEY, ...basic('ada', 'wrong') };
    expect((await c.check('/api/v1/access/payments', right)).statusCode).toBe(200);
  });

  it('answers any method, and nothing to an address outside --access-clients (404 like an unknown path)', async () => {
    for (const method of ['POST', 'DELETE', 'PUT', 'PATCH', 'OPTIONS', 'HEAD'])
      expect((await c.check('/api/v1/access/payments', KEY, { method })).statusCode).toBe(200);
    const outside = await c.check('/api/v1/access/payments', KEY, { remoteAddress: '203.0.113.9' });
    expect(outside.statusCode).toBe(404);
    const unknown = await c.check('/api/v1/nothing-here', {}, { remoteAddress: '203.0.113.9' });
    expect(outside.body).toBe(unknown.body);
  });

  it('logs each denial with its reason and no secret', async () => {
    const log = c.logs.join('');
    expect(log).toContain('access check refused');
    expect(log).toContain('key-auth: unknown key');
    for (const secret of Object.values(SECRETS)) expect(log).not.toContain(secret);
  });
});

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

describe.each(BACKENDS)('portal.access in the manifests on $name', (backend) => {
  it('reads keys where keyNames says, and the listed types in their order', async () => {
    const portal = 'portal:\n  access:\n    keyNames: [x-api-key, key]\n    credentialTypes: [basic-auth, key-auth]\n';
    const c = await accessCase(backend, { manifest: { portal } });
    try {
      const key = SECRETS.PORTALFORM_SECRET_KEY;
      expect((await c.check('/api/v1/access/payments', { 'X-Api-Key': key })).statusCode).toBe(200);
      expect((await c.check('/api/v1/access/payments', { 'x-original-uri': `/v1?key=${key}` })).statusCode).toBe(200);
      expect((await c.check('/api/v1/access/payments', { apikey: key })).statusCode).toBe(401);
      // basic-auth is listed first: a wrong password decides, whatever the key beside it.
      expect(
        (await c.check('/api/v1/access/payments', { 'x-api-key': key, ...basic('ada', 'wrong') })).statusCode,
      ).toBe(401);
      // jwt is not listed: a Bearer token is no credential at all.
      const token = await hsToken();
      const unlisted = await c.check('/api/v1/access/payments', bearer(token));
      expect(unlisted.statusCode).toBe(401);
      expect(c.logs.join('')).toContain('no credential');
    } finally {
      await c.close();
    }
  });
});
