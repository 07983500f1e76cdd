// The example configuration of examples/nginx/, that very file, run by a real nginx in front of two
// small upstream APIs and a real `portalform serve --access-listen` (on SQLite and PostgreSQL): a key
// admitted with the consumer headers copied upstream and the client's own forged ones dropped; a
// revoke merged through apply, a registration approved, a key rotated and one deleted in the portal,
// each honoured from the next request on; 401 and 403 passed through; 429 and 503 mapped back
// with Retry-After.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BACKENDS, dropTestSchemas } from './helpers/backends.js';
import { accessManifest, RSA_PUBLIC, SECRETS, STATE_KEY, basic, type ManifestParts } from './helpers/access.js';
import { ROOT, workspace, type Workspace } from './helpers/cli.js';
import {
  echoUpstream,
  freePort,
  NGINX_AVAILABLE,
  startNginx,
  type EchoUpstream,
  type RunningNginx,
} from './helpers/nginx.js';
import { startServe, type ServeProcess } from './helpers/serve-process.js';
import { PASSWORD } from './helpers/service.js';
import { withStateDb } from './helpers/state-db.js';

afterAll(dropTestSchemas);

const EXAMPLE = join(ROOT, 'examples/nginx');
const KEY = { apikey: SECRETS.PORTALFORM_SECRET_KEY };
const APP_KEY = { apikey: SECRETS.PORTALFORM_SECRET_APP_KEY };
const ENV = { ...SECRETS, PORTALFORM_STATE_KEY: STATE_KEY };

/** The example with only its addresses and the include's path changed. */
function exampleFor(ports: { nginx: number; access: number; payments: number; search: number }, dir: string): string {
  const check = readFileSync(join(EXAMPLE, 'portalform-check.conf'), 'utf8');
  writeFileSync(join(dir, 'portalform-check.conf'), check);
  return readFileSync(join(EXAMPLE, 'portalform-access.conf'), 'utf8')
    .replaceAll('127.0.0.1:8081', `127.0.0.1:${ports.access}`)
    .replaceAll('127.0.0.1:9001', `127.0.0.1:${ports.payments}`)
    .replaceAll('127.0.0.1:9002', `127.0.0.1:${ports.search}`)
    .replace('listen 8080;', `listen 127.0.0.1:${ports.nginx};`)
    .replaceAll('/etc/nginx/portalform-check.conf', join(dir, 'portalform-check.conf'));
}

describe.skipIf(!NGINX_AVAILABLE).each(BACKENDS)('examples/nginx through a real nginx on $name', (backend) => {
  let ws: Workspace;
  let serve: ServeProcess;
  let nginx: RunningNginx;
  let payments: EchoUpstream;
  let search: EchoUpstream;
  let base: string;
  const apply = (parts: ManifestParts = {}) => {
    ws.write('portal.yaml', accessManifest(parts));
    const result = ws.run(['apply', 'portal.yaml', '--auto-approve'], { env: ENV });
    expect(result.code, result.stderr).toBe(0);
  };
  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${base}${path}`, { headers });

  afterAll(async () => {
    await nginx?.stop();
    await serve?.stop();
    await payments?.close();
    await search?.close();
  });

  it('admits a key, copies the consumer headers upstream and drops the forged ones', async () => {
    ws = workspace(backend.newState());
    ws.write('rs.pem', RSA_PUBLIC);
    apply();
    [payments, search] = await Promise.all([echoUpstream('payments'), echoUpstream('search')]);
    const access = await freePort();
    serve = await startServe(ws, { PORTALFORM_STATE_KEY: STATE_KEY }, [
      '--access-listen',
      `127.0.0.1:${access}`,
      '--login-attempts',
      '3',
    ]);
    const port = await freePort();
    nginx = await startNginx(
      exampleFor({ nginx: port, access, payments: payments.port, search: search.port }, ws.dir),
      port,
    );
    base = `http://127.0.0.1:${port}`;

    const forged = {
      'x-consumer-username': 'mallory@example.com',
      'x-application': 'forged',
      'x-forwarded-for': '6.6.6.6',
    };
    const answer = await get('/payments/v1/charges?x=1', { ...KEY, ...forged });
    expect(answer.status, `${nginx.errorLog()}\n${serve.stderr()}`).toBe(200);
    expect(await answer.text()).toBe('payments GET /payments/v1/charges?x=1');
    const seen = payments.seen.at(-1)!;
    expect(seen['x-consumer-username']).toBe('ada@example.com');
    expect(seen['x-consumer-apis']).toBe('payments');
    expect(seen['x-consumer-groups']).toBe('partners');
    expect(seen['x-application']).toBeUndefined();
    expect(seen['x-forwarded-for']).toBe('127.0.0.1');
    const app = await get('/payments/v1', APP_KEY);
    expect(app.status).toBe(200);
    expect(payments.seen.at(-1)!['x-application']).toBe('billing');
  });

  it('passes 401 (with WWW-Authenticate) and 403 through, and never routes the check endpoint', async () => {
    const none = await get('/payments/v1');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toContain('realm="portalform"');
    expect((await get('/payments/v1', { apikey: 'wrong' })).status).toBe(401);
    expect((await get('/search/v1', KEY)).status).toBe(403);
    expect((await get('/search/v1', APP_KEY)).status).toBe(403); // pending registration
    expect((await get('/api/v1/access/payments', KEY)).status).toBe(404);
    // The main listener does not answer checks when they have a listener of their own.
    expect((await fetch(`${serve.url}/api/v1/access/payments`, { headers: KEY })).status).toBe(404);
  });

  it('honours a registration approved, then revoked, and a developer revoked, from the next request on', async () => {
    apply({ billingSearch: 'approved' });
    await settle(backend.name);
    expect((await get('/search/v1', APP_KEY)).status).toBe(200);
    apply({ billingSearch: 'approved', billingPayments: 'revoked' });
    await settle(backend.name);
    expect((await get('/payments/v1', APP_KEY)).status).toBe(403);
    expect((await get('/payments/v1', KEY)).status).toBe(200);
    apply({ billingSearch: 'approved', billingPayments: 'revoked', adaStatus: 'revoked' });
    await settle(backend.name);
    expect((await get('/payments/v1', KEY)).status).toBe(403);
    apply({ billingSearch: 'approved', billingPayments: 'revoked' });
    await settle(backend.name);
    expect((await get('/payments/v1', KEY)).status).toBe(200);
  });

  it('refuses a rotated key and a key deleted in the portal from the next request on', async () => {
    await fetch(`${serve.url}/api/v1/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'cy@example.com', fullName: 'Cy', password: PASSWORD }),
    });
    await withStateDb(ws, (query) =>
      query(`update pf_developers set status = 'approved', email_verified = 1 where email = 'cy@example.com'`),
    );
    await withStateDb(ws, (query) =>
      query(`insert into pf_credentials (id, developer_id, type, identity, unique_value, fields, secrets, active, origin, created_at, updated_at)
             select 'cy-acl', id, 'acl', 'partners', null, '{}', '{}', 1, 'self-service', '2026-01-01', '2026-01-01' from pf_developers where email = 'cy@example.com'`),
    );
    const login = await fetch(`${serve.url}/api/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'cy@example.com', password: PASSWORD }),
    });
    expect(login.status).toBe(201);
    const auth = {
      authorization: `Bearer ${((await login.json()) as { token: string }).token}`,
      'content-type': 'application/json',
    };
    const made = await fetch(`${serve.url}/api/v1/credentials`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ type: 'key-auth', name: 'k' }),
    });
    const { credential, secrets } = (await made.json()) as { credential: { id: string }; secrets: { key: string } };
    expect((await get('/payments/v1', { apikey: secrets.key })).status).toBe(200);
    const rotated = await fetch(`${serve.url}/api/v1/credentials/${credential.id}/rotate`, {
      method: 'POST',
      headers: { authorization: auth.authorization },
    });
    const fresh = ((await rotated.json()) as { secrets: { key: string } }).secrets.key;
    await settle(backend.name);
    expect((await get('/payments/v1', { apikey: secrets.key })).status).toBe(401);
    expect((await get('/payments/v1', { apikey: fresh })).status).toBe(200);
    const gone = await fetch(`${serve.url}/api/v1/credentials/${credential.id}`, {
      method: 'DELETE',
      headers: { authorization: auth.authorization },
    });
    expect(gone.status).toBe(204);
    await settle(backend.name);
    expect((await get('/payments/v1', { apikey: fresh })).status).toBe(401);
  });

  it('maps 429 back with Retry-After past --login-attempts', async () => {
    for (let i = 0; i < 3; i++) expect((await get('/payments/v1', basic('ada', 'wrong'))).status).toBe(401);
    const throttled = await get('/payments/v1', basic('ada', SECRETS.PORTALFORM_SECRET_PASSWORD));
    expect(throttled.status, nginx.errorLog()).toBe(429);
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('maps 503 back with Retry-After when the state cannot be read', async () => {
    await withStateDb(ws, async (query) => {
      await query('alter table pf_apis rename to pf_apis_gone');
      await query(`update pf_meta set value = value where key = 'lineage'`);
    });
    await settle(backend.name);
    const answer = await get('/payments/v1', KEY);
    expect(answer.status).toBe(503);
    expect(answer.headers.get('retry-after')).toBe('5');
    await withStateDb(ws, async (query) => {
      await query('alter table pf_apis_gone rename to pf_apis');
      await query(`update pf_meta set value = value where key = 'lineage'`);
    });
    await settle(backend.name);
    expect((await get('/payments/v1', KEY)).status).toBe(200);
  });
});

/** PostgreSQL: the commit's notification reaches serve within moments; SQLite needs no wait. */
async function settle(backend: string): Promise<void> {
  if (backend === 'postgres') await new Promise((resolve) => setTimeout(resolve, 300));
}
