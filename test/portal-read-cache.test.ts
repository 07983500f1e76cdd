// The service keeps the sessions and credential lists it has read in memory (src/portal/read-cache.ts).
// Whatever another writer commits — an apply, a hand edit, another instance — must end what was
// kept: on SQLite within a millisecond, on PostgreSQL once the commit's notification arrives.
import { afterAll, describe, expect, it } from 'vitest';
import { BACKENDS, dropTestSchemas } from './helpers/backends.js';
import { loginInvited, portalCase } from './helpers/portal.js';
import { runSql } from './helpers/state-db.js';

afterAll(dropTestSchemas);

const ADA = '  - { email: ada@example.com, fullName: Ada, status: approved }\n';

/**
 * SQLite sees another connection's commit within a millisecond (it asks the file at most that
 * often); PostgreSQL a moment later, when its notification arrives.
 */
async function eventually<T>(backend: string, read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + (backend === 'sqlite' ? 5 : 5_000);
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() >= deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe.each(BACKENDS)('what the service keeps in memory, on $name', (backend) => {
  it('a revoke by apply ends a session the service has already looked up', async () => {
    const c = await portalCase(backend, ADA);
    try {
      const ada = await loginInvited(c, 'ada@example.com');
      expect(await c.portal.authenticate(ada.token)).not.toBeNull();
      expect(await c.portal.authenticate(ada.token)).not.toBeNull();
      await c.applyManifest('  - { email: ada@example.com, fullName: Ada, status: revoked }\n');
      expect(
        await eventually(
          backend.name,
          () => c.portal.authenticate(ada.token),
          (s) => s === null,
        ),
      ).toBeNull();
    } finally {
      await c.close();
    }
  });

  it('a credential another writer adds, changes or removes shows in the next list', async () => {
    const c = await portalCase(backend, ADA);
    try {
      const sam = await c.signUp('sam@example.com');
      const { credential } = await c.portal.createCredential(sam, { type: 'key-auth', name: 'ci' });
      expect((await c.portal.listCredentials(sam)).map((k) => k.name)).toEqual(['ci']);
      expect((await c.portal.listCredentials(sam)).map((k) => k.name)).toEqual(['ci']);
      // Another connection, as a second instance or an operator with psql would be.
      await runSql(c.w, [`update pf_credentials set fields = '{"name":"renamed"}' where id = '${credential.id}'`]);
      const names = (list: Array<Record<string, unknown>>) => list.map((k) => k.name);
      expect(
        names(
          await eventually(
            backend.name,
            () => c.portal.listCredentials(sam),
            (l) => l[0]?.name === 'renamed',
          ),
        ),
      ).toEqual(['renamed']);
      await runSql(c.w, [`delete from pf_credentials where id = '${credential.id}'`]);
      expect(
        await eventually(
          backend.name,
          () => c.portal.listCredentials(sam),
          (l) => l.length === 0,
        ),
      ).toEqual([]);
    } finally {
      await c.close();
    }
  });

  it("another instance's writes and this instance's own are seen by the next read", async () => {
    const c = await portalCase(backend, ADA);
    try {
      const ada = await loginInvited(c, 'ada@example.com');
      expect(await c.portal.listCredentials(ada)).toEqual([]);
      await c.portal.createCredential(ada, { type: 'key-auth', name: 'own' });
      expect((await c.portal.listCredentials(ada)).map((k) => k.name)).toEqual(['own']);
      const other = await c.open();
      await other.createCredential(ada, { type: 'key-auth', name: 'theirs' });
      const list = await eventually(
        backend.name,
        () => c.portal.listCredentials(ada),
        (l) => l.length === 2,
      );
      expect(list.map((k) => k.name).sort()).toEqual(['own', 'theirs']);
      // A logout on the other instance ends the session here too.
      expect(await c.portal.authenticate(ada.token)).not.toBeNull();
      await other.logout(ada);
      expect(
        await eventually(
          backend.name,
          () => c.portal.authenticate(ada.token),
          (s) => s === null,
        ),
      ).toBeNull();
    } finally {
      await c.close();
    }
  });

  it('a manifest revoke in the middle of cached reads: no kept answer outlives the commit', async () => {
    const c = await portalCase(backend, ADA);
    try {
      const ada = await loginInvited(c, 'ada@example.com');
      await c.portal.createCredential(ada, { type: 'key-auth', name: 'k' });
      for (let i = 0; i < 5; i++) expect((await c.portal.listCredentials(ada))[0]!.active).toBe(true);
      await c.applyManifest('  - { email: ada@example.com, fullName: Ada, status: revoked }\n');
      const list = await eventually(
        backend.name,
        () => c.portal.listCredentials(ada),
        (l) => l[0]?.active === false,
      );
      expect(list[0]!.active).toBe(false);
    } finally {
      await c.close();
    }
  });
});
