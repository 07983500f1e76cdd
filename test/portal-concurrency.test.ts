// The engine under concurrent writers: racing creations of one identity, a revoke that commits
// first, a busy state, and many self-service appends to the second chain at once.
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyHistory } from '../src/inspect.js';
import { invite } from '../src/portal/invite.js';
import { BACKENDS, dropTestSchemas, POSTGRES_AVAILABLE } from './helpers/backends.js';
import { start } from './helpers/locking.js';
import { manifestOf, PASSWORD, portalCase, refusal, loginInvited } from './helpers/portal.js';
import { runSql, withStateDb } from './helpers/state-db.js';
import { join } from 'node:path';

afterAll(dropTestSchemas);

const ADA = '  - { email: ada@example.com, fullName: Ada, status: approved }\n';
const RACERS = 8;

async function outcomes(attempts: Array<Promise<unknown>>): Promise<Array<number>> {
  const settled = await Promise.allSettled(attempts);
  return settled.map((s) => (s.status === 'fulfilled' ? 201 : ((s.reason as { status?: number }).status ?? 500)));
}

describe.each(BACKENDS)('portal concurrency on $name', (backend) => {
  it('racing creations of one identity: exactly one 201, the rest 409', async () => {
    const c = await portalCase(backend, ADA);
    try {
      const sam = await c.signUp('sam@example.com');
      const tom = await c.signUp('tom@example.com');
      // PostgreSQL: two instances, as several may serve one state. SQLite serves from one process,
      // whose one connection takes the requests in turn (a second in-process connection would
      // block the event loop in SQLite's busy wait).
      const other = backend.name === 'postgres' ? await c.open() : c.portal;
      const same = await outcomes(
        Array.from({ length: RACERS }, (_, i) =>
          (i % 2 ? other : c.portal).createCredential(sam, { type: 'key-auth', name: 'ci' }),
        ),
      );
      expect(same.sort()).toEqual([201, ...Array(RACERS - 1).fill(409)]);
      // One unique value, portal-wide, claimed by two developers at once.
      const shared = await outcomes(
        Array.from({ length: RACERS }, (_, i) =>
          (i % 2 ? other : c.portal).createCredential(i % 2 ? tom : sam, { type: 'basic-auth', username: 'shared' }),
        ),
      );
      expect(shared.sort()).toEqual([201, ...Array(RACERS - 1).fill(409)]);
      const rows = (await withStateDb(c.w, (q) =>
        q(`select type, identity from pf_credentials order by type`),
      )) as any[];
      expect(rows.map((r) => `${r.type}:${r.identity}`)).toEqual(['basic-auth:shared', 'key-auth:ci']);
      expect((await verifyHistory({ state: c.w.state, cwd: c.w.dir, env: {} })).ok).toBe(true);
    } finally {
      await c.close();
    }
  });

  it('a revoke by apply racing credential creations: no active credential on the revoked developer, sessions ended', async () => {
    const c = await portalCase(backend, ADA);
    try {
      const ada = await loginInvited(c, 'ada@example.com');
      c.w.write('revoked.yaml', manifestOf('  - { email: ada@example.com, fullName: Ada, status: revoked }\n'));
      const revoke = start(c.w, ['apply', 'revoked.yaml', '--auto-approve']);
      const created: number[] = [];
      for (let i = 0; i < 40; i++) {
        const [outcome] = await outcomes([c.portal.createCredential(ada, { type: 'key-auth', name: `k${i}` })]);
        created.push(outcome!);
        if (outcome !== 201) break;
      }
      const applied = await revoke.done;
      expect(applied.code, applied.stderr).toBe(0);
      expect((await outcomes([c.portal.createCredential(ada, { type: 'key-auth', name: 'after' })]))[0]).toBe(401);
      const active = (await withStateDb(c.w, (q) =>
        q(`select count(*) as n from pf_credentials where active = 1`),
      )) as any[];
      expect(Number(active[0].n)).toBe(0);
      expect(await withStateDb(c.w, (q) => q('select * from pf_sessions'))).toEqual([]);
      expect(await c.portal.authenticate(ada.token)).toBeNull();
    } finally {
      await c.close();
    }
  }, 60_000);

  it('answers 503 with Retry-After when the state stays busy longer than a request may wait', async () => {
    const c = await portalCase(backend, ADA, { busyTimeoutMs: 300 });
    try {
      const sam = await c.signUp('sam@example.com');
      const grant = await c.portal.login({ email: 'sam@example.com', password: PASSWORD });
      // Due for a refresh of its idle lifetime, which a busy state puts off without failing the request.
      await runSql(c.w, [`update pf_sessions set last_seen_at = '2000-01-01T00:00:00.000Z'`]);
      const release = await holdWriteLock(
        c.w.state,
        c.w.dir,
        backend.name,
        `update pf_developers set full_name = full_name where email = 'sam@example.com'`,
      );
      try {
        const busy = await refusal(c.portal.createCredential(sam, { type: 'key-auth', name: 'ci' }));
        expect([busy.status, busy.retryAfterSeconds]).toEqual([503, 1]);
        expect((await c.portal.authenticate(grant.token))?.email).toBe('sam@example.com');
      } finally {
        await release();
      }
      expect(await c.portal.listCredentials(sam)).toEqual([]);
      expect((await c.portal.createCredential(sam, { type: 'key-auth', name: 'ci' })).credential.name).toBe('ci');
    } finally {
      await c.close();
    }
  }, 60_000);
});

describe.runIf(POSTGRES_AVAILABLE)('portal concurrency on PostgreSQL only', () => {
  const backend = BACKENDS.find((b) => b.name === 'postgres')!;

  it('sees a revoke that commits while the write waits for the developer row: no credential is created', async () => {
    const c = await portalCase(backend, ADA);
    try {
      const { token } = await invite('developer["ada@example.com"]', { state: c.w.state, cwd: c.w.dir, env: {} });
      await c.portal.setPasswordWithInvite({ token, password: PASSWORD });
      const ada = (await c.portal.authenticate(
        (
          await c.portal.login({ email: 'ada@example.com', password: PASSWORD })
        ).token,
      ))!;
      const client = await schemaClient(c.w.state);
      try {
        // What apply's revoke does, holding the row until it commits.
        await client.query('begin');
        await client.query(`update pf_developers set status = 'revoked' where email = 'ada@example.com'`);
        const creating = outcomes([c.portal.createCredential(ada, { type: 'key-auth', name: 'late' })]);
        await new Promise((resolve) => setTimeout(resolve, 300));
        await client.query(`delete from pf_sessions`);
        await client.query('commit');
        expect(await creating).toEqual([401]);
      } finally {
        await client.end();
      }
      expect(await withStateDb(c.w, (q) => q('select * from pf_credentials'))).toEqual([]);
    } finally {
      await c.close();
    }
  });

  it('keeps the second chain valid under many concurrent self-service appends from several instances', async () => {
    const c = await portalCase(backend, ADA);
    try {
      const instances = [c.portal, await c.open(), await c.open()];
      const sessions = [];
      for (let i = 0; i < 6; i++) sessions.push(await c.signUp(`dev${i}@example.com`));
      await Promise.all(
        sessions.flatMap((session, i) =>
          Array.from({ length: 4 }, (_, j) =>
            instances[(i + j) % 3]!.createCredential(session, { type: 'key-auth', name: `k${j}` }),
          ),
        ),
      );
      const verified = await verifyHistory({ state: c.w.state, cwd: c.w.dir, env: {} });
      expect(verified.ok).toBe(true);
      // Six sign-ups, six verifications, 24 credentials.
      expect(verified.chains.events).toMatchObject({ ok: true, entries: 6 + 6 + 24 });
    } finally {
      await c.close();
    }
  }, 60_000);
});

async function schemaClient(state: string): Promise<pg.Client> {
  const url = new URL(state);
  const schema = url.searchParams.get('schema')!;
  url.searchParams.delete('schema');
  const client = new pg.Client({ connectionString: url.toString(), options: `-c search_path=${schema}` });
  await client.connect();
  return client;
}

/** Another writer holding the state's write lock (SQLite) or a developer's row (PostgreSQL) until released. */
async function holdWriteLock(
  state: string,
  dir: string,
  backend: 'sqlite' | 'postgres',
  statement: string,
): Promise<() => Promise<void>> {
  if (backend === 'sqlite') {
    const db = new Database(join(dir, 'portalform.db'));
    db.exec('begin immediate');
    db.exec(statement);
    return async () => {
      db.exec('rollback');
      db.close();
    };
  }
  const client = await schemaClient(state);
  await client.query('begin');
  await client.query(statement);
  return async () => {
    await client.query('rollback');
    await client.end();
  };
}
