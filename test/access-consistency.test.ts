// What the checks' cache promises (docs/access-checks.md#the-cache-and-its-guarantee): on SQLite a
// change committed by anyone is honoured by the very next check; on PostgreSQL by every check that
// starts after the commit's notification reached the instance, on each of two instances; an
// instance whose feed is gone reads the state on every check.
import { afterAll, describe, expect, it } from 'vitest';
import { AccessChecker } from '../src/access/checker.js';
import { AccessCache } from '../src/access/state-cache.js';
import { stateReads } from '../src/access/state-reads.js';
import { FailureThrottle } from '../src/access/throttle.js';
import { openAccessChecker } from '../src/access/index.js';
import { openPortalState } from '../src/portal/state-access.js';
import { Vault } from '../src/secrets/vault.js';
import { openPortal } from '../src/portal/index.js';
import { buildService } from '../src/service/app.js';
import { parseAccessClients } from '../src/service/routes/access.js';
import { BACKENDS, dropTestSchemas } from './helpers/backends.js';
import { accessCase, SECRETS, STATE_KEY, type AccessCase } from './helpers/access.js';
import { json, PASSWORD } from './helpers/service.js';
import { withStateDb } from './helpers/state-db.js';
import { verifyOverHttp } from './helpers/verification.js';

afterAll(dropTestSchemas);

const APP_KEY = { apikey: SECRETS.PORTALFORM_SECRET_APP_KEY };
const KEY = { apikey: SECRETS.PORTALFORM_SECRET_KEY };
const request = (api: string | null, headers: Record<string, string>) => ({
  method: 'GET',
  headers,
  api,
  trailingPath: '',
  peerAddress: '127.0.0.1',
});
const SET_STATUS = (status: string) =>
  `update pf_registrations set status = '${status}' where api = 'payments' and application_id in (select id from pf_applications where name = 'billing')`;

describe.each(BACKENDS)('access check consistency on $name', (backend) => {
  let c: AccessCase;
  afterAll(async () => c?.close());

  it('honours a revoke and a registration change merged through apply from the next check on', async () => {
    c = await accessCase(backend);
    const checker = c.access.checker;
    expect((await checker.check(request('payments', KEY))).status).toBe(200);
    expect((await checker.check(request('payments', APP_KEY))).status).toBe(200);
    await c.apply({ billingPayments: 'revoked' });
    await settled(backend.name);
    expect((await checker.check(request('payments', APP_KEY))).status).toBe(403);
    expect((await checker.check(request('payments', KEY))).status).toBe(200);
    await c.apply({ billingPayments: 'revoked', adaStatus: 'revoked' });
    await settled(backend.name);
    expect((await checker.check(request('payments', KEY))).status).toBe(403);
    expect((await checker.check(request(null, KEY))).status).toBe(403);
    await c.apply({ billingPayments: 'revoked', adaStatus: 'revoked', bobKey: false });
    await settled(backend.name);
    expect((await checker.check(request(null, { apikey: SECRETS.PORTALFORM_SECRET_BOB_KEY }))).status).toBe(401);
  });

  it('refuses a key its developer deleted in the portal from the next check on', async () => {
    const signup = await c.app.inject({
      method: 'POST',
      url: '/api/v1/register',
      payload: { email: 'cy@example.com', fullName: 'Cy', password: PASSWORD },
    });
    expect(signup.statusCode, signup.body).toBe(201);
    await verifyOverHttp(c.app, c.ws, 'cy@example.com', PASSWORD);
    await withStateDb(c.ws, (query) =>
      query(`update pf_developers set status = 'approved' where email = 'cy@example.com'`),
    );
    const login = await c.app.inject({
      method: 'POST',
      url: '/api/v1/session',
      payload: { email: 'cy@example.com', password: PASSWORD },
    });
    const auth = { authorization: `Bearer ${json(login.body).token}` };
    const made = await c.app.inject({
      method: 'POST',
      url: '/api/v1/credentials',
      headers: auth,
      payload: { type: 'key-auth', name: 'k' },
    });
    expect(made.statusCode, made.body).toBe(201);
    const { credential, secrets } = json(made.body);
    const key = { apikey: secrets.key as string };
    expect((await c.check('/api/v1/access', key)).statusCode).toBe(200);
    const gone = await c.app.inject({ method: 'DELETE', url: `/api/v1/credentials/${credential.id}`, headers: auth });
    expect(gone.statusCode).toBe(204);
    expect((await c.check('/api/v1/access', key)).statusCode).toBe(401);

    // A service whose checks' feed never moves: only its own writes can drop what they keep.
    const engine = await openPortal({ state: c.ws.state, cwd: c.ws.dir, env: {}, stateKey: STATE_KEY });
    const frozen = await openPortalState({ state: c.ws.state, cwd: c.ws.dir, env: {} });
    const checker = new AccessChecker({
      cache: new AccessCache(stateReads(frozen.db), { generation: () => 0, close: async () => undefined }),
      vault: Vault.open(frozen.lineage, frozen.meta, STATE_KEY),
      throttle: new FailureThrottle(3, Date.now),
      now: Date.now,
    });
    const app = await buildService(engine, { log: false, access: { checker, clients: parseAccessClients(undefined) } });
    try {
      const another = await app.inject({
        method: 'POST',
        url: '/api/v1/credentials',
        headers: auth,
        payload: { type: 'key-auth', name: 'k2' },
      });
      const second = { apikey: json(another.body).secrets.key as string };
      const check = () => app.inject({ url: '/api/v1/access', headers: second, remoteAddress: '127.0.0.1' });
      expect((await check()).statusCode).toBe(200);
      const id = json(another.body).credential.id as string;
      expect((await app.inject({ method: 'DELETE', url: `/api/v1/credentials/${id}`, headers: auth })).statusCode).toBe(
        204,
      );
      // This instance's own write: refused at once, with no notification at all.
      expect((await check()).statusCode).toBe(401);
    } finally {
      await app.close();
      await frozen.store.close();
    }
  });

  it.runIf(backend.name === 'sqlite')(
    'SQLite: every check after a commit by another connection sees it, 300 times in a row',
    async () => {
      const checker = c.access.checker;
      await c.apply({ billingPayments: 'approved' });
      await withStateDb(c.ws, async (query) => {
        for (let i = 0; i < 300; i++) {
          const status = i % 2 ? 'approved' : 'revoked';
          await query(SET_STATUS(status));
          // No await between the commit and the check's start: the feed is asked synchronously.
          expect((await checker.check(request('payments', APP_KEY))).status, `round ${i}`).toBe(
            status === 'approved' ? 200 : 403,
          );
        }
      });
    },
  );

  it.runIf(backend.name === 'postgres')(
    'PostgreSQL: two instances honour each commit once its notification arrives',
    async () => {
      await c.apply({ billingPayments: 'approved' });
      const second = await openAccessChecker({ state: c.ws.state, cwd: c.ws.dir, env: {}, stateKey: STATE_KEY });
      try {
        const instances = [c.access.checker, second.checker];
        await withStateDb(c.ws, async (query) => {
          for (let i = 0; i < 40; i++) {
            const status = i % 2 ? 'approved' : 'revoked';
            for (const checker of instances) await checker.check(request('payments', APP_KEY)); // warm
            await query(SET_STATUS(status));
            for (const checker of instances) {
              const answer = await eventually(checker, status === 'approved' ? 200 : 403);
              expect(answer, `round ${i}`).toBe(status === 'approved' ? 200 : 403);
              // Once seen, never stale again.
              expect((await checker.check(request('payments', APP_KEY))).status).toBe(answer);
            }
          }
        });
      } finally {
        await second.close();
      }
    },
  );

  it('answers a key it already admitted without a read, until the next change; an answer decided across a change is not kept', async () => {
    await withStateDb(c.ws, (query) => query(SET_STATUS('approved')));
    const state = await openPortalState({ state: c.ws.state, cwd: c.ws.dir, env: {} });
    try {
      const reads = stateReads(state.db);
      let generation = 0;
      let gate: Promise<void> = Promise.resolve();
      const gated = {
        ...reads,
        credential: async (type: string, value: string) => {
          await gate;
          return reads.credential(type, value);
        },
      };
      const checker = new AccessChecker({
        cache: new AccessCache(gated, { generation: () => generation, close: async () => undefined }),
        vault: Vault.open(state.lineage, state.meta, STATE_KEY),
        throttle: new FailureThrottle(3, Date.now),
        now: Date.now,
      });
      const ask = () => checker.check(request('payments', APP_KEY));
      expect(ask()).toBeInstanceOf(Promise);
      expect((await ask()).status).toBe(200);
      const kept = ask();
      expect(kept).not.toBeInstanceOf(Promise);
      expect((kept as { status: number }).status).toBe(200);
      // Another API, another credential type first, or another key: decided from the state.
      expect(checker.check(request('search', APP_KEY))).toBeInstanceOf(Promise);
      expect(checker.check(request('payments', { apikey: 'x' }))).toBeInstanceOf(Promise);
      generation++;
      expect(ask()).toBeInstanceOf(Promise);
      expect((await ask()).status).toBe(200);

      // A check that began before a change and ends after it leaves nothing for later checks.
      let open = (): void => undefined;
      gate = new Promise((resolve) => (open = resolve));
      generation++;
      const before = ask();
      generation++;
      const other = checker.check(request('payments', KEY));
      open();
      expect((await before).status).toBe(200);
      expect((await other).status).toBe(200);
      expect(ask()).toBeInstanceOf(Promise);
    } finally {
      await state.store.close();
    }
  });

  it('reads the state on every check when the change feed is gone', async () => {
    const state = await openPortalState({ state: c.ws.state, cwd: c.ws.dir, env: {} });
    try {
      const gone = { generation: () => null, close: async () => undefined };
      const checker = new AccessChecker({
        cache: new AccessCache(stateReads(state.db), gone),
        vault: Vault.open(state.lineage, state.meta, STATE_KEY),
        throttle: new FailureThrottle(3, Date.now),
        now: Date.now,
      });
      await withStateDb(c.ws, async (query) => {
        for (const status of ['approved', 'revoked', 'approved', 'revoked']) {
          await query(SET_STATUS(status));
          expect((await checker.check(request('payments', APP_KEY))).status).toBe(status === 'approved' ? 200 : 403);
        }
      });
    } finally {
      await state.store.close();
    }
  });
});

/** On PostgreSQL, the notification of the commit just made reaches this process within moments. */
async function settled(backend: string): Promise<void> {
  if (backend === 'postgres') await new Promise((resolve) => setTimeout(resolve, 200));
}

async function eventually(checker: AccessChecker, wanted: number): Promise<number> {
  const deadline = Date.now() + 2000;
  for (;;) {
    const { status } = await checker.check(request('payments', APP_KEY));
    if (status === wanted || Date.now() > deadline) return status;
    await new Promise((resolve) => setImmediate(resolve));
  }
}
