// Migration 0012_applications on a state that holds data at 0011: developers, credentials and
// their sync digests are kept, the digest triggers stay trusted, and a credential identity becomes
// unique per owner while unique values stay unique across owners.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../src/store/index.js';
import { Migrator, sql } from '../src/store/kysely.js';
import { APPLICATIONS_VERSION, migrationProvider } from '../src/store/schema.js';
import { BACKENDS, dropTestSchemas } from './helpers/backends.js';

afterAll(dropTestSchemas);

const HOLDER = { user: 'test', host: 'test', pid: process.pid, operation: 'test' };
const AT = '2026-01-01T00:00:00.000Z';

/** A state migrated up to `version` only, as an older portalform left it. */
async function stateAt(store: Store, version: string): Promise<void> {
  const db = await store.backend.create();
  const migrator = new Migrator({
    db,
    provider: migrationProvider(store.backend.kind),
    migrationTableName: 'pf_migration',
    migrationLockTableName: 'pf_migration_lock',
    ...(store.backend.schema ? { migrationTableSchema: store.backend.schema } : {}),
  });
  const { error } = await migrator.migrateTo(version);
  if (error) throw error;
}

function credential(id: string, developer: string, identity: string, unique: string | null) {
  return sql`insert into pf_credentials (id, developer_id, type, identity, unique_value, fields, secrets, active, origin, created_at, updated_at)
    values (${id}, ${developer}, 'key-auth', ${identity}, ${unique}, '{}', '{}', 1, 'manifest', ${AT}, ${AT})`;
}

describe.each(BACKENDS)('migration 0012_applications on $name', (backend) => {
  const dir = mkdtempSync(join(tmpdir(), 'portalform-store-app-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps the data of a 0011 state, its digests and triggers, and makes identities unique per owner', async () => {
    const location = backend.newState() ?? join(dir, 'migrate.db');
    const old = openStore(location, dir);
    await stateAt(old, '0011_mail_throttle');
    const db = old.backend.db()!;
    await sql`insert into pf_meta (key, value) values ('lineage', 'L'), ('serial', '3')`.execute(db);
    for (const [id, email] of [
      ['d1', 'ada@example.com'],
      ['d2', 'bob@example.com'],
    ]) {
      await sql`insert into pf_developers (id, email, full_name, status, custom_id, meta, origin, created_at, updated_at)
        values (${id}, ${email}, 'N', 'approved', null, '{}', 'manifest', ${AT}, ${AT})`.execute(db);
    }
    await credential('c1', 'd1', 'prod', 'u1').execute(db);
    await credential('c2', 'd2', 'prod', 'u2').execute(db);
    await sql`update pf_developers set sync_digest = 'digest'`.execute(db);
    await old.close();

    const store = openStore(location, dir);
    try {
      const migrated = await store.withWriteSession(
        HOLDER,
        0,
        () => undefined,
        (session) => session.read(),
      );
      expect(
        migrated.developers.map((d) => [d.email, d.credentials.map((c) => [c.id, c.uniqueValue, c.version])]),
      ).toEqual([
        ['ada@example.com', [['c1', 'u1', 1]]],
        ['bob@example.com', [['c2', 'u2', 1]]],
      ]);
      // A state that had no applications reads as having none, and no APIs.
      expect(migrated.apis).toEqual([]);
      expect(migrated.developers.map((d) => d.applications)).toEqual([[], []]);
      const conn = store.backend.db()!;
      const names = await sql<{ name: string }>`select name from pf_migration order by name`.execute(conn);
      expect(names.rows.at(-1)!.name).toBe(APPLICATIONS_VERSION);
      // The digests survive, and the triggers that keep them honest are trusted: nothing warns.
      const digests = await sql<{ sync_digest: string }>`select sync_digest from pf_developers`.execute(conn);
      expect(digests.rows.map((r) => r.sync_digest)).toEqual(['digest', 'digest']);
      await store.read(() => ({ read: new Set(), inSync: new Set(), claims: { customIds: [], unique: [] } }));
      expect(store.warnings).toEqual([]);

      // The rebuilt table still bumps versions and clears digests.
      await sql`update pf_credentials set fields = '{"x":1}' where id = 'c1'`.execute(conn);
      const after = await sql<{ version: number }>`select version from pf_credentials where id = 'c1'`.execute(conn);
      expect(Number(after.rows[0]!.version)).toBe(2);
      const cleared = await sql<{
        email: string;
        sync_digest: string | null;
      }>`select email, sync_digest from pf_developers order by email`.execute(conn);
      expect(cleared.rows).toEqual([
        { email: 'ada@example.com', sync_digest: null },
        { email: 'bob@example.com', sync_digest: 'digest' },
      ]);

      // Identity: unique per owner. The developer's own credential and an application's may share one.
      await sql`insert into pf_applications (id, developer_id, name, description, description_managed, origin, created_at, updated_at)
        values ('a1', 'd1', 'billing', null, 1, 'manifest', ${AT}, ${AT})`.execute(conn);
      await sql`insert into pf_credentials (id, developer_id, application_id, type, identity, unique_value, fields, secrets, active, origin, created_at, updated_at)
        values ('c3', 'd1', 'a1', 'key-auth', 'prod', 'u3', '{}', '{}', 1, 'manifest', ${AT}, ${AT})`.execute(conn);
      await expect(credential('c4', 'd1', 'prod', 'u4').execute(conn)).rejects.toThrow(/unique|duplicate/i);
      await expect(
        sql`insert into pf_credentials (id, developer_id, application_id, type, identity, unique_value, fields, secrets, active, origin, created_at, updated_at)
          values ('c5', 'd1', 'a1', 'key-auth', 'prod', 'u5', '{}', '{}', 1, 'manifest', ${AT}, ${AT})`.execute(conn),
      ).rejects.toThrow(/unique|duplicate/i);
      // A unique value stays unique across owners: bob's own key cannot take ada's application's.
      await expect(credential('c6', 'd2', 'other', 'u3').execute(conn)).rejects.toThrow(/unique|duplicate/i);
    } finally {
      await store.close();
    }
  });

  it("distrusts digests once an application's digest trigger is dropped, and the next write session restores it", async () => {
    const store = openStore(backend.newState() ?? join(dir, 'triggers.db'), dir);
    const scope = () => ({ read: new Set<string>(), inSync: new Set<string>(), claims: { customIds: [], unique: [] } });
    try {
      await store.withWriteSession(
        HOLDER,
        0,
        () => undefined,
        (s) => s.transaction((w) => w.setMeta({ lineage: 'L' })),
      );
      const conn = store.backend.db()!;
      await sql
        .raw(
          backend.name === 'sqlite'
            ? 'drop trigger pf_registrations_unsync_delete'
            : 'drop trigger pf_applications_unsync on pf_applications',
        )
        .execute(conn);
      await store.read(scope);
      expect(store.warnings.map((w) => w.message)).toEqual([expect.stringMatching(/sync-digest triggers are missing/)]);
      const warned: string[] = [];
      await store.withWriteSession(
        HOLDER,
        0,
        (m) => warned.push(m),
        async () => undefined,
      );
      expect(warned).toEqual([expect.stringMatching(/restored them/)]);
      store.warnings.length = 0;
      await store.read(scope);
      expect(store.warnings).toEqual([]);
    } finally {
      await store.close();
    }
  });
});
