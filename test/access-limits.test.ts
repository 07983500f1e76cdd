// The access checks' limits and guarantees over the service (inject) on SQLite and PostgreSQL: the
// 429 per username and client address, the --rate-limit exemption for access clients only, the
// listener of their own, the 503 when the state cannot be read, and no write after thousands of checks.
import { afterAll, describe, expect, it } from 'vitest';
import { buildService, requestId } from '../src/service/app.js';
import { buildAccessService } from '../src/service/access-listener.js';
import { parseAccessClients } from '../src/service/routes/access.js';
import { openPortal } from '../src/portal/index.js';
import { AccessChecker } from '../src/access/checker.js';
import { AccessCache } from '../src/access/state-cache.js';
import { stateReads } from '../src/access/state-reads.js';
import { FailureThrottle } from '../src/access/throttle.js';
import { openPortalState } from '../src/portal/state-access.js';
import { Vault } from '../src/secrets/vault.js';
import { BACKENDS, dropTestSchemas } from './helpers/backends.js';
import { accessCase, basic, CONSUMER, hmacHeaders, SECRETS, type AccessCase } from './helpers/access.js';
import { withStateDb } from './helpers/state-db.js';

afterAll(dropTestSchemas);

const KEY = { apikey: SECRETS.PORTALFORM_SECRET_KEY };
const RIGHT = SECRETS.PORTALFORM_SECRET_PASSWORD;

describe.each(BACKENDS)('access check limits on $name', (backend) => {
  let c: AccessCase;
  let clock = Date.now();
  afterAll(async () => c?.close());

  it('answers 429 with Retry-After past --login-attempts failures per username and client address, then not after 15 minutes', async () => {
    c = await accessCase(backend, { loginAttempts: 3, now: () => clock, service: { rateLimit: 5 } });
    const from = (address: string) => ({ 'x-forwarded-for': `${address}, 10.0.0.1` });
    for (let i = 0; i < 3; i++)
      expect(
        (await c.check('/api/v1/access/payments', { ...basic('ada', 'wrong'), ...from('198.51.100.7') })).statusCode,
      ).toBe(401);
    const throttled = await c.check('/api/v1/access/payments', { ...basic('ada', RIGHT), ...from('198.51.100.7') });
    expect(throttled.statusCode).toBe(429);
    expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(800);
    expect(throttled.body).toBe('');
    // Another address, or another username from that address, is not held back.
    expect(
      (await c.check('/api/v1/access/payments', { ...basic('ada', RIGHT), ...from('198.51.100.8') })).statusCode,
    ).toBe(200);
    // hmac-auth counts the same way per username.
    const hmac = { ...hmacHeaders({ secret: 'wrong-secret-0123456789-abcdefgh' }), ...from('198.51.100.7') };
    for (let i = 0; i < 3; i++) expect((await c.check('/api/v1/access/payments', hmac)).statusCode).toBe(401);
    const signed = { ...hmacHeaders({ date: new Date(clock) }), ...from('198.51.100.7') };
    expect((await c.check('/api/v1/access/payments', signed)).statusCode).toBe(429);
    clock += 15 * 60 * 1000;
    expect(
      (await c.check('/api/v1/access/payments', { ...basic('ada', RIGHT), ...from('198.51.100.7') })).statusCode,
    ).toBe(200);
    expect(c.logs.join('')).toContain('too many failed checks');
  });

  it('reads no credential, so computes no hash, for a check past the limit', async () => {
    const state = await openPortalState({ state: c.ws.state, cwd: c.ws.dir, env: {} });
    try {
      const reads = stateReads(state.db);
      const looked: string[] = [];
      const counting = {
        ...reads,
        credential: (type: string, value: string) => {
          looked.push(type);
          return reads.credential(type, value);
        },
      };
      const checker = new AccessChecker({
        cache: new AccessCache(counting, null),
        vault: Vault.open(state.lineage, state.meta, c.stateKey),
        throttle: new FailureThrottle(2, Date.now),
        now: Date.now,
      });
      const ask = (headers: Record<string, string>) =>
        checker.check({ method: 'GET', headers, api: 'payments', trailingPath: '', peerAddress: '127.0.0.1' });
      expect((await ask(basic('nobody', 'x'))).status).toBe(401);
      expect((await ask(basic('ada', 'wrong'))).status).toBe(401);
      expect((await ask(basic('ada', 'wrong'))).status).toBe(401);
      expect(looked).toHaveLength(3);
      expect((await ask(basic('ada', RIGHT))).status).toBe(429);
      expect(looked).toHaveLength(3);
    } finally {
      await state.store.close();
    }
  });

  it('exempts checks from access clients from --rate-limit, and only them', async () => {
    for (let i = 0; i < 20; i++) expect((await c.check('/api/v1/access/payments', KEY)).statusCode).toBe(200);
    const outside = [];
    for (let i = 0; i < 8; i++)
      outside.push((await c.check('/api/v1/access/payments', KEY, { remoteAddress: '203.0.113.5' })).statusCode);
    expect(outside.slice(0, 5)).toEqual([404, 404, 404, 404, 404]);
    expect(outside.slice(5)).toEqual([429, 429, 429]);
    const health = [];
    for (let i = 0; i < 8; i++)
      health.push((await c.app.inject({ url: '/api/v1/me', remoteAddress: '127.0.0.1' })).statusCode);
    expect(health).toContain(429);
  });

  it('answers a check with no body even where the service refuses the URL itself', async () => {
    // A repeated query parameter is the original request's business, not a problem to answer.
    const repeated = await c.check('/api/v1/access/payments/v1/charges?a=1&a=2', KEY);
    expect(repeated.statusCode).toBe(200);
    expect(repeated.body).toBe('');
    const tooLong = await c.check(`/api/v1/access/payments/${'x'.repeat(9000)}`, KEY);
    expect(tooLong.statusCode).toBe(414);
    expect(tooLong.body).toBe('');
    expect(tooLong.headers['content-length']).toBe('0');
    // Elsewhere the same refusals stay problems.
    expect((await c.app.inject({ url: '/api/v1/apis?a=1&a=2' })).headers['content-type']).toMatch(/problem\+json/);
  });

  it('serves the checks on a listener of their own with --access-listen, the main one answering 404 to them', async () => {
    const engine = await openPortal({ state: c.ws.state, cwd: c.ws.dir, env: {}, stateKey: c.stateKey });
    const clients = parseAccessClients('127.0.0.1');
    const main = await buildService(engine, {
      log: false,
      access: { checker: c.access.checker, clients, separate: true },
    });
    const own = await buildAccessService({ checker: c.access.checker, clients }, { logger: false });
    const limited = await buildAccessService({ checker: c.access.checker, clients }, { logger: false }, 3);
    try {
      const inject = (app: typeof main, url: string) => app.inject({ url, headers: KEY, remoteAddress: '127.0.0.1' });
      expect((await inject(main, '/api/v1/access/payments')).statusCode).toBe(404);
      const ownUrl = await listening(own);
      expect((await fetch(`${ownUrl}/api/v1/access/payments`, { headers: KEY })).status).toBe(200);
      expect((await fetch(`${ownUrl}/healthz`, { headers: KEY })).status).toBe(404);
      expect((await inject(main, '/healthz')).statusCode).toBe(200);
      // Not an access client (::1 is not in the list): a 404 like any unknown path.
      expect((await own.inject({ url: '/api/v1/access', headers: KEY, remoteAddress: '::1' })).statusCode).toBe(404);
      const limitedUrl = await listening(limited);
      const outside = [];
      for (let i = 0; i < 5; i++) {
        expect((await fetch(`${limitedUrl}/api/v1/access/payments`, { headers: KEY })).status).toBe(200);
        outside.push((await limited.inject({ url: '/api/v1/access', remoteAddress: '203.0.113.5' })).statusCode);
      }
      expect(outside).toEqual([404, 404, 404, 429, 429]);
    } finally {
      await Promise.all([main.close(), own.close(), limited.close()]);
    }
  });

  it('answers on its own listener, over a socket, with the same status and headers as the main one', async () => {
    const clients = parseAccessClients(undefined);
    const own = await buildAccessService(
      { checker: c.access.checker, clients },
      { logger: false, genReqId: requestId },
    );
    try {
      const url = await listening(own);
      const asked: Record<string, string>[] = [KEY, { apikey: 'nobody' }, {}, { ...KEY, 'x-request-id': 'proxy-7' }];
      for (const headers of asked) {
        const mine = await fetch(`${url}/api/v1/access/payments/v1/x`, { headers });
        const main = await c.check('/api/v1/access/payments/v1/x', headers);
        expect(mine.status).toBe(main.statusCode);
        expect(await mine.text()).toBe('');
        expect(mine.headers.get('content-length')).toBe('0');
        expect(mine.headers.get('cache-control')).toBe('no-store');
        expect(mine.headers.get('x-request-id')).toMatch(headers['x-request-id'] ?? /^[\w-]+$/);
        for (const name of [...CONSUMER, 'www-authenticate', 'retry-after']) {
          const given = main.headers[name];
          expect(mine.headers.get(name), name).toBe(given === undefined ? null : [given].flat().join(', '));
        }
      }
    } finally {
      await own.close();
    }
  });

  it('sends a custom id beyond ASCII as its UTF-8 bytes, on both listeners, and never fails the answer for it', async () => {
    await c.apply({ bobCustomId: 'Zoë 日本' });
    const own = await buildAccessService(
      { checker: c.access.checker, clients: parseAccessClients(undefined) },
      {
        logger: false,
      },
    );
    try {
      const url = await listening(own);
      const bob = { apikey: SECRETS.PORTALFORM_SECRET_BOB_KEY };
      const main = await c.check('/api/v1/access', bob);
      const mine = await fetch(`${url}/api/v1/access`, { headers: bob });
      expect([main.statusCode, mine.status]).toEqual([200, 200]);
      const utf8 = (bytes: string) => Buffer.from(bytes, 'latin1').toString('utf8');
      expect(utf8(String(main.headers['x-consumer-custom-id']))).toBe('Zoë 日本');
      expect(utf8(mine.headers.get('x-consumer-custom-id') ?? '')).toBe('Zoë 日本');
    } finally {
      await own.close();
    }
  });

  it('writes nothing to the state in thousands of checks', async () => {
    const before = await dumpState(c);
    const headers = [KEY, { apikey: 'unknown' }, basic('ada', RIGHT), basic('nobody', 'x'), {}];
    for (let i = 0; i < 2000; i++)
      await c.check(`/api/v1/access/${i % 3 ? 'payments' : 'search'}`, headers[i % headers.length]);
    expect(await dumpState(c)).toEqual(before);
  });

  it('answers 503 with Retry-After when the state cannot be read, and 200 again once it can', async () => {
    await withStateDb(c.ws, async (query) => {
      await query('alter table pf_apis rename to pf_apis_gone');
      await query(`update pf_meta set value = value where key = 'lineage'`);
    });
    await notified(backend.name);
    const answer = await c.check('/api/v1/access/payments', KEY);
    expect(answer.statusCode).toBe(503);
    expect(answer.headers['retry-after']).toBeDefined();
    expect(answer.body).toBe('');
    await withStateDb(c.ws, async (query) => {
      await query('alter table pf_apis_gone rename to pf_apis');
      await query(`update pf_meta set value = value where key = 'lineage'`);
    });
    await notified(backend.name);
    expect((await c.check('/api/v1/access/payments', KEY)).statusCode).toBe(200);
    expect(c.logs.join('')).toContain('the state could not be read');
  });
});

/** On PostgreSQL, the commit's notification reaches the checker within moments (docs/access-checks.md). */
async function notified(backend: string): Promise<void> {
  if (backend === 'postgres') await new Promise((resolve) => setTimeout(resolve, 300));
}

/** Every row of every table, in a stable order. */
async function dumpState(c: AccessCase): Promise<Record<string, unknown[]>> {
  return withStateDb(c.ws, async (query, schema) => {
    const tables = schema
      ? ((await query(
          `select table_name as name from information_schema.tables where table_schema = '${schema}'`,
        )) as Array<{ name: string }>)
      : ((await query(`select name from sqlite_master where type = 'table'`)) as Array<{ name: string }>);
    const dump: Record<string, unknown[]> = {};
    for (const { name } of tables.sort((a, b) => a.name.localeCompare(b.name))) {
      const rows = await query(`select * from ${name}`);
      dump[name] = rows.map((row) => JSON.stringify(row)).sort();
    }
    return dump;
  });
}

/** The base URL of a listener of --access-listen started on a free loopback port. */
async function listening(app: { listen(options: { host: string; port: number }): Promise<string> }): Promise<string> {
  return app.listen({ host: '127.0.0.1', port: 0 });
}
