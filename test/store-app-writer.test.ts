// APIs, applications and registrations through the state writer and back through the reads, on
// SQLite and PostgreSQL: what apply writes is what a plan reads, deletions take what hangs off
// them, the database itself refuses a unique value held by another owner, every write bumps the
// row's version and clears the developer's sync digest, and the change feed hears of it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore, type StateWriter, type Store, type StoredCredential } from '../src/store/index.js';
import { sql } from '../src/store/kysely.js';
import { readApplicationVersions, readUniqueHolders, readVersions } from '../src/store/read.js';
import type { StateSnapshot } from '../src/store/types.js';
import { BACKENDS, dropTestSchemas } from './helpers/backends.js';

afterAll(dropTestSchemas);

const HOLDER = { user: 'test', host: 'test', pid: process.pid, operation: 'test' };
const NOW = '2026-01-01T00:00:00.000Z';
const LATER = '2026-01-02T00:00:00.000Z';
const ADA = 'ada@example.com';
const BOB = 'bob@example.com';

function key(id: string, developerId: string, identity: string, unique: string, applicationId?: string) {
  return {
    id,
    developerId,
    ...(applicationId ? { applicationId } : {}),
    type: 'key-auth',
    identity,
    uniqueValue: unique,
    fields: {},
    secrets: { key: { digest: unique, generated: true } },
    active: true,
    origin: 'manifest',
  } satisfies StoredCredential;
}

/** Two developers; ada has a key of her own and an application `billing` with a key of the same name. */
async function seed(writer: StateWriter): Promise<void> {
  await writer.setMeta({ lineage: 'L', serial: '1' });
  await writer.insertDevelopers(
    [ADA, BOB].map((email, i) => ({
      id: `d${i + 1}`,
      email,
      fullName: email,
      status: 'approved' as const,
      customId: null,
      meta: {},
      origin: 'manifest' as const,
    })),
    NOW,
  );
  await writer.insertApis(
    [
      { name: 'payments', title: 'Payments', description: null, autoApproveRegistrations: true, aclGroups: ['p'] },
      { name: 'search', title: null, description: 'Find', autoApproveRegistrations: null, aclGroups: [] },
    ],
    NOW,
  );
  await writer.insertApplications(
    [
      { id: 'a1', developerId: 'd1', name: 'billing', description: 'B', descriptionManaged: true, origin: 'manifest' },
      {
        id: 'a2',
        developerId: 'd1',
        name: 'tools',
        description: null,
        descriptionManaged: false,
        origin: 'self-service',
      },
    ],
    NOW,
  );
  await writer.insertCredentials(
    [key('c1', 'd1', 'prod', 'u1'), key('c2', 'd1', 'prod', 'u2', 'a1'), key('c3', 'd1', 'mine', 'u3', 'a2')],
    NOW,
  );
  await writer.insertRegistrations(
    [
      { id: 'r1', applicationId: 'a1', api: 'payments', status: 'approved', origin: 'manifest' },
      { id: 'r2', applicationId: 'a1', api: 'search', status: 'pending', origin: 'self-service' },
      { id: 'r3', applicationId: 'a2', api: 'payments', status: 'pending', origin: 'self-service' },
    ],
    NOW,
  );
}

function shape(state: StateSnapshot) {
  return state.developers.map((d) => ({
    email: d.email,
    own: d.credentials.map((c) => [c.id, c.applicationId]),
    applications: d.applications?.map((a) => ({
      name: a.name,
      credentials: a.credentials.map((c) => [c.id, c.applicationId]),
      registrations: a.registrations.map((r) => [r.api, r.status, r.origin]),
    })),
  }));
}

describe.each(BACKENDS)('applications through the state writer on $name', (backend) => {
  const dir = mkdtempSync(join(tmpdir(), 'portalform-store-app-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  let location = '';
  const newStore = (): Store => {
    location = backend.newState() ?? join(dir, `state-${++n}.db`);
    return openStore(location, dir);
  };
  const session = <T>(store: Store, fn: Parameters<Store['withWriteSession']>[3]): Promise<T> =>
    store.withWriteSession(HOLDER, 0, () => undefined, fn) as Promise<T>;

  it('reads back what it wrote, in full and scoped, own credentials apart from the applications', async () => {
    const store = newStore();
    try {
      await session(store, (s) => s.transaction(seed));
      const state = await store.read();
      expect(state.apis).toEqual([
        {
          name: 'payments',
          title: 'Payments',
          description: null,
          autoApproveRegistrations: true,
          aclGroups: ['p'],
          createdAt: NOW,
        },
        {
          name: 'search',
          title: null,
          description: 'Find',
          autoApproveRegistrations: null,
          aclGroups: [],
          createdAt: NOW,
        },
      ]);
      expect(shape(state)).toEqual([
        {
          email: ADA,
          own: [['c1', undefined]],
          applications: [
            {
              name: 'billing',
              credentials: [['c2', 'a1']],
              registrations: [
                ['payments', 'approved', 'manifest'],
                ['search', 'pending', 'self-service'],
              ],
            },
            { name: 'tools', credentials: [['c3', 'a2']], registrations: [['payments', 'pending', 'self-service']] },
          ],
        },
        { email: BOB, own: [], applications: [] },
      ]);
      const billing = state.developers[0]!.applications![0]!;
      expect(billing).toMatchObject({
        id: 'a1',
        developerId: 'd1',
        description: 'B',
        descriptionManaged: true,
        version: 1,
      });
      expect(state.developers[0]!.applications![1]).toMatchObject({
        descriptionManaged: false,
        origin: 'self-service',
      });

      // A plan's scoped read holds only the developers it chose, with their applications.
      const scoped = await store.read(() => ({
        read: new Set([ADA]),
        inSync: new Set([BOB]),
        claims: { customIds: [], unique: [] },
      }));
      expect(shape(scoped)).toEqual(shape(state).slice(0, 1));
      expect(scoped.apis?.map((a) => a.name)).toEqual(['payments', 'search']);

      // What the manifests do not manage is listed: the application, its credential, the registrations.
      expect(
        state.unmanaged?.map((r) => [r.email, r.application, r.api, r.type, r.identity, r.status, r.origin]),
      ).toEqual([
        [ADA, 'billing', 'search', undefined, undefined, 'pending', 'self-service'],
        [ADA, 'tools', undefined, undefined, undefined, undefined, 'self-service'],
        [ADA, 'tools', 'payments', undefined, undefined, 'pending', 'self-service'],
      ]);
    } finally {
      await store.close();
    }
  });

  it('addresses versions and unique values by owner, and bumps versions on every write', async () => {
    const store = newStore();
    try {
      await session(store, (s) => s.transaction(seed));
      await session(store, (s) =>
        s.transaction(async (w) => {
          await w.updateApplication('a1', { description: 'Billing', descriptionManaged: false }, LATER);
          await w.updateRegistration('r2', { status: 'approved', origin: 'manifest' }, LATER);
          await w.updateApi('search', { title: 'Search', aclGroups: ['s'] }, LATER);
        }),
      );
      const conn = store.backend.db()!;
      const versions = await readApplicationVersions(conn, [ADA, BOB]);
      expect(versions).toEqual({
        applications: {
          'developer["ada@example.com"].application["billing"]': 2,
          'developer["ada@example.com"].application["tools"]': 1,
        },
        registrations: {
          'developer["ada@example.com"].application["billing"].registration["payments"]': 1,
          'developer["ada@example.com"].application["billing"].registration["search"]': 2,
          'developer["ada@example.com"].application["tools"].registration["payments"]': 1,
        },
      });
      const { credentials } = await readVersions(conn, [ADA]);
      expect(Object.fromEntries(credentials)).toEqual({
        'developer["ada@example.com"].credential["key-auth:prod"]': 1,
        'developer["ada@example.com"].application["billing"].credential["key-auth:prod"]': 1,
        'developer["ada@example.com"].application["tools"].credential["key-auth:mine"]': 1,
      });
      const holders = await readUniqueHolders(
        conn,
        [],
        [
          { type: 'key-auth', value: 'u1' },
          { type: 'key-auth', value: 'u2' },
        ],
      );
      expect(Object.fromEntries(holders)).toEqual({
        'key-auth:u1': 'developer["ada@example.com"].credential["key-auth:prod"]',
        'key-auth:u2': 'developer["ada@example.com"].application["billing"].credential["key-auth:prod"]',
      });
      const state = await store.read();
      expect(state.apis![1]).toMatchObject({ name: 'search', title: 'Search', description: 'Find', aclGroups: ['s'] });
      expect(state.developers[0]!.applications![0]).toMatchObject({
        description: 'Billing',
        descriptionManaged: false,
        version: 2,
      });
      const api = await sql<{ version: number }>`select version from pf_apis where name = 'search'`.execute(conn);
      expect(Number(api.rows[0]!.version)).toBe(2);
    } finally {
      await store.close();
    }
  });

  it('renames an API with its registrations, and deletes APIs, applications and developers with what they hold', async () => {
    const store = newStore();
    try {
      await session(store, (s) => s.transaction(seed));
      await session(store, (s) =>
        s.transaction(async (w) => {
          await w.renameApi('payments', 'billing-api', LATER);
          await w.updateApplication('a2', { name: 'toolbox' }, LATER);
        }),
      );
      let state = await store.read();
      expect(state.apis?.map((a) => [a.name, a.title, a.createdAt])).toEqual([
        ['billing-api', 'Payments', NOW],
        ['search', null, NOW],
      ]);
      expect(shape(state)[0]!.applications).toEqual([
        {
          name: 'billing',
          credentials: [['c2', 'a1']],
          registrations: [
            ['billing-api', 'approved', 'manifest'],
            ['search', 'pending', 'self-service'],
          ],
        },
        { name: 'toolbox', credentials: [['c3', 'a2']], registrations: [['billing-api', 'pending', 'self-service']] },
      ]);

      // Revoking the developer deactivates its applications' credentials too.
      await session(store, (s) => s.transaction((w) => w.setCredentialsActive(['d1'], false, LATER)));
      state = await store.read();
      const ada = state.developers[0]!;
      expect([...ada.credentials, ...ada.applications!.flatMap((a) => a.credentials)].map((c) => c.active)).toEqual([
        false,
        false,
        false,
      ]);

      // An API goes with every registration to it; an application with its credentials and registrations.
      await session(store, (s) => s.transaction((w) => w.deleteApis(['search'])));
      await session(store, (s) => s.transaction((w) => w.deleteApplications(['a2'])));
      state = await store.read();
      expect(shape(state)[0]).toEqual({
        email: ADA,
        own: [['c1', undefined]],
        applications: [
          { name: 'billing', credentials: [['c2', 'a1']], registrations: [['billing-api', 'approved', 'manifest']] },
        ],
      });
      await session(store, (s) => s.transaction((w) => w.deleteRegistrations(['r1'])));
      expect(shape(await store.read())[0]!.applications![0]!.registrations).toEqual([]);

      // A developer goes with its applications and everything under them.
      await session(store, (s) =>
        s.transaction((w) =>
          w.insertRegistrations(
            [{ id: 'r9', applicationId: 'a1', api: 'billing-api', status: 'approved', origin: 'manifest' }],
            LATER,
          ),
        ),
      );
      await session(store, (s) => s.transaction((w) => w.deleteDevelopers(['d1'])));
      state = await store.read();
      expect(state.developers.map((d) => d.email)).toEqual([BOB]);
      const conn = store.backend.db()!;
      for (const table of ['pf_applications', 'pf_credentials', 'pf_registrations'] as const) {
        const rows = await sql<{ n: number }>`select count(*) as n from ${sql.table(table)}`.execute(conn);
        expect([table, Number(rows.rows[0]!.n)]).toEqual([table, 0]);
      }
      expect(state.apis?.map((a) => a.name)).toEqual(['billing-api']);
    } finally {
      await store.close();
    }
  });

  it('keeps identities unique per owner and unique values unique across owners, in the database', async () => {
    const store = newStore();
    try {
      await session(store, (s) => s.transaction(seed));
      const attempt = (credential: StoredCredential) =>
        session(store, (s) => s.transaction((w) => w.insertCredentials([credential], LATER)));
      // The same identity again in the same application, or of the developer's own: refused.
      await expect(attempt(key('x1', 'd1', 'prod', 'v1', 'a1'))).rejects.toThrow(/unique|duplicate/i);
      await expect(attempt(key('x2', 'd1', 'prod', 'v2'))).rejects.toThrow(/unique|duplicate/i);
      // Another owner's application key: refused across owners, whoever holds it.
      await expect(attempt(key('x3', 'd2', 'other', 'u2'))).rejects.toThrow(/unique|duplicate/i);
      await expect(attempt(key('x4', 'd1', 'other', 'u1', 'a2'))).rejects.toThrow(/unique|duplicate/i);
      // An application's name is unique per developer, a registration per application and API.
      await expect(
        session(store, (s) =>
          s.transaction((w) =>
            w.insertApplications(
              [
                {
                  id: 'a9',
                  developerId: 'd1',
                  name: 'billing',
                  description: null,
                  descriptionManaged: true,
                  origin: 'manifest',
                },
              ],
              LATER,
            ),
          ),
        ),
      ).rejects.toThrow(/unique|duplicate/i);
      await expect(
        session(store, (s) =>
          s.transaction((w) =>
            w.insertRegistrations(
              [{ id: 'r9', applicationId: 'a1', api: 'payments', status: 'pending', origin: 'manifest' }],
              LATER,
            ),
          ),
        ),
      ).rejects.toThrow(/unique|duplicate/i);
      // Another owner's identity is theirs to use: bob's own prod, the tools application's prod.
      await attempt(key('x5', 'd2', 'prod', 'v5'));
      await attempt(key('x6', 'd1', 'prod', 'v6', 'a2'));
      const state = await store.read();
      expect(state.developers[1]!.credentials.map((c) => c.id)).toEqual(['x5']);
      expect(state.developers[0]!.applications![1]!.credentials.map((c) => c.id)).toEqual(['c3', 'x6']);
    } finally {
      await store.close();
    }
  });

  it("clears the developer's sync digest on any write to its applications, and the change feed hears of it", async () => {
    const store = newStore();
    try {
      await session(store, (s) => s.transaction(seed));
      const conn = store.backend.db()!;
      const digests = async () =>
        (
          await sql<{
            email: string;
            sync_digest: string | null;
          }>`select email, sync_digest from pf_developers order by email`.execute(conn)
        ).rows.map((r) => r.sync_digest);
      const stamp = () =>
        session(store, (s) =>
          s.transaction((w) =>
            w.storeSyncDigests([
              { email: ADA, digest: 'a' },
              { email: BOB, digest: 'b' },
            ]),
          ),
        );
      const writes: Array<(w: StateWriter) => Promise<void>> = [
        (w) => w.updateApplication('a1', { description: 'x' }, LATER),
        (w) => w.updateRegistration('r1', { status: 'revoked' }, LATER),
        (w) => w.deleteRegistrations(['r3']),
        (w) =>
          w.insertRegistrations(
            [{ id: 'r4', applicationId: 'a2', api: 'search', status: 'pending', origin: 'manifest' }],
            LATER,
          ),
        (w) => w.updateCredential('c2', { fields: { n: 1 } }, LATER),
        (w) => w.deleteApplications(['a2']),
      ];
      for (const write of writes) {
        await stamp();
        expect(await digests()).toEqual(['a', 'b']);
        await session(store, (s) => s.transaction(write));
        expect(await digests()).toEqual([null, 'b']);
      }
      // An API's own row is no developer's: digests stay, but the service's caches must hear of it.
      await stamp();
      // The feed of another reader, as the service's: SQLite's moves only for other connections' commits.
      const reader = openStore(location, dir);
      await reader.read();
      const feed = await reader.backend.changeFeed();
      try {
        const before = feed.generation();
        await session(store, (s) => s.transaction((w) => w.updateApi('search', { description: 'Found' }, LATER)));
        for (let i = 0; i < 50 && feed.generation() === before; i++) await new Promise((r) => setTimeout(r, 20));
        expect(feed.generation()).not.toBe(before);
      } finally {
        await feed.close();
        await reader.close();
      }
      expect(await digests()).toEqual(['a', 'b']);
    } finally {
      await store.close();
    }
  });
});
