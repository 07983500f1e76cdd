// The rows the portal service and the console read beside a developer's applications, on SQLite and
// PostgreSQL: a developer's own credentials never include an application's, an identity is taken
// only within its owner, self-made credentials count in applications too, and deleting an account
// takes its applications with their credentials and registrations.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  credentialOf,
  credentialsOf,
  deleteCredentialsOf,
  identityHeldByAnother,
  selfMadeCount,
} from '../src/store/credential-rows.js';
import { readDeveloperDetail, readDeveloperPage } from '../src/store/developer-listing.js';
import { deleteDeveloper } from '../src/store/developer-rows.js';
import { openStore, type StoredCredential } from '../src/store/index.js';
import { sql } from '../src/store/kysely.js';
import type { CredentialTable } from '../src/store/schema.js';
import { BACKENDS, dropTestSchemas } from './helpers/backends.js';

afterAll(dropTestSchemas);

const HOLDER = { user: 'test', host: 'test', pid: process.pid, operation: 'test' };
const NOW = '2026-01-01T00:00:00.000Z';

function key(id: string, identity: string, origin: 'manifest' | 'self-service', applicationId?: string) {
  return {
    id,
    developerId: 'd1',
    ...(applicationId ? { applicationId } : {}),
    type: 'key-auth',
    identity,
    uniqueValue: `u-${id}`,
    fields: {},
    secrets: {},
    active: true,
    origin,
  } satisfies StoredCredential;
}

describe.each(BACKENDS)("a developer's own rows beside its applications on $name", (backend) => {
  const dir = mkdtempSync(join(tmpdir(), 'portalform-store-app-rows-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps own credentials apart, checks identities per owner, and deletes an account with its applications', async () => {
    const store = openStore(backend.newState() ?? join(dir, 'rows.db'), dir);
    try {
      await store.withWriteSession(
        HOLDER,
        0,
        () => undefined,
        (session) =>
          session.transaction(async (w) => {
            await w.setMeta({ lineage: 'L', serial: '1' });
            await w.insertDevelopers(
              [
                {
                  id: 'd1',
                  email: 'ada@example.com',
                  fullName: 'Ada',
                  status: 'approved',
                  customId: null,
                  meta: {},
                  origin: 'self-service',
                },
              ],
              NOW,
            );
            await w.insertApis(
              [{ name: 'pay', title: null, description: null, autoApproveRegistrations: null, aclGroups: [] }],
              NOW,
            );
            await w.insertApplications(
              [
                {
                  id: 'a1',
                  developerId: 'd1',
                  name: 'app',
                  description: null,
                  descriptionManaged: false,
                  origin: 'self-service',
                },
              ],
              NOW,
            );
            await w.insertCredentials(
              [
                key('own', 'prod', 'self-service'),
                key('app', 'prod', 'self-service', 'a1'),
                key('m', 'ci', 'manifest', 'a1'),
              ],
              NOW,
            );
            await w.insertRegistrations(
              [{ id: 'r1', applicationId: 'a1', api: 'pay', status: 'pending', origin: 'self-service' }],
              NOW,
            );
          }),
      );
      const conn = store.backend.db()!;
      expect((await credentialsOf(conn, 'd1')).map((c) => c.id)).toEqual(['own']);
      expect((await credentialOf(conn, 'd1', 'own'))?.id).toBe('own');
      expect(await credentialOf(conn, 'd1', 'app')).toBeUndefined();
      // maxCredentials counts every self-made credential of the developer, in applications or not.
      expect(await selfMadeCount(conn, 'd1')).toBe(2);

      const own = (await credentialOf(conn, 'd1', 'own'))!;
      const row = (over: Partial<CredentialTable>): CredentialTable => ({ ...own, ...over });
      // Renaming the own key to `ci` is free (the application's `ci` is another owner's); the
      // application's key to `ci` is not, nor another own credential to `prod`.
      expect(await identityHeldByAnother(conn, row({ id: 'own', identity: 'ci' }))).toBe(false);
      expect(await identityHeldByAnother(conn, row({ id: 'app', identity: 'ci', application_id: 'a1' }))).toBe(true);
      expect(await identityHeldByAnother(conn, row({ id: 'new', identity: 'prod' }))).toBe(true);
      expect(await identityHeldByAnother(conn, row({ id: 'new', identity: 'prod', application_id: 'a1' }))).toBe(true);

      // The console's list and detail show the developer's own credentials only.
      const page = await readDeveloperPage(conn, backend.name, {});
      expect(page.developers.map((d) => [d.email, d.credentials])).toEqual([['ada@example.com', 1]]);
      expect((await readDeveloperDetail(conn, 'ada@example.com'))?.credentials.map((c) => c.id)).toEqual(['own']);

      // Deleting the account, as the service does: every credential, then the developer with its applications.
      const deleted = await deleteCredentialsOf(conn, 'd1');
      expect(
        deleted.sort(
          (a, b) => a.identity.localeCompare(b.identity) || (a.application ?? '').localeCompare(b.application ?? ''),
        ),
      ).toEqual([
        { type: 'key-auth', identity: 'ci', application: 'app' },
        { type: 'key-auth', identity: 'prod' },
        { type: 'key-auth', identity: 'prod', application: 'app' },
      ]);
      await deleteDeveloper(conn, 'd1');
      for (const table of ['pf_developers', 'pf_applications', 'pf_registrations', 'pf_credentials'] as const) {
        const rows = await sql<{ n: number }>`select count(*) as n from ${sql.table(table)}`.execute(conn);
        expect([table, Number(rows.rows[0]!.n)]).toEqual([table, 0]);
      }
    } finally {
      await store.close();
    }
  });
});
