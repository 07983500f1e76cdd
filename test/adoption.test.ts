// Declaring what someone made through the portal adopts it; what the manifests do not declare stays
// (issue 17, point 3; docs/unmanaged.md).
import { afterAll, describe, expect, it } from 'vitest';
import { apply, plan } from '../src/engine.js';
import { planJson } from '../src/plan/json.js';
import { BACKENDS, dropTestSchemas } from './helpers/backends.js';
import { loginInvited, manifestOf, portalCase, type PortalCase } from './helpers/portal.js';
import { withStateDb } from './helpers/state-db.js';

afterAll(dropTestSchemas);
const sqlite = BACKENDS[0]!;
const ADA = '  - { email: ada@example.com, fullName: Ada, status: approved }\n';

function options(c: PortalCase) {
  return { paths: ['m.yaml'], state: c.w.state, cwd: c.w.dir, env: {} };
}

async function rows(c: PortalCase, sql: string): Promise<Array<Record<string, unknown>>> {
  return withStateDb(c.w, async (query) => (await query(sql)) as Array<Record<string, unknown>>);
}

describe('adopting unmanaged objects by declaring them', () => {
  it('adopts a self-registered developer and its credential: an update from origin self-service to manifest, the stored key kept', async () => {
    const c = await portalCase(sqlite, ADA);
    try {
      const sam = await c.signUp('sam@example.com');
      await c.portal.createCredential(sam, { type: 'key-auth', name: 'ci' });
      const [before] = await rows(c, `select secrets, unique_value from pf_credentials where identity = 'ci'`);

      c.w.write(
        'm.yaml',
        manifestOf(
          `${ADA}  - email: sam@example.com\n    fullName: sam\n    status: approved\n    credentials:\n      - { type: key-auth, name: ci }\n`,
        ),
      );
      const planned = planJson(await plan(options(c))) as {
        changes: Array<Record<string, unknown>>;
        unmanaged: unknown[];
      };
      expect(planned.changes).toEqual([
        expect.objectContaining({
          address: 'developer["sam@example.com"]',
          op: 'update',
          before: expect.objectContaining({ origin: 'self-service' }),
          after: expect.objectContaining({ origin: 'manifest' }),
        }),
        expect.objectContaining({
          address: 'developer["sam@example.com"].credential["key-auth:ci"]',
          op: 'update',
          before: expect.objectContaining({ origin: 'self-service', key: '(sensitive)' }),
          after: expect.objectContaining({ origin: 'manifest', key: '(sensitive)' }),
        }),
      ]);
      expect(planned.unmanaged).toEqual([]);

      const result = await apply(options(c));
      expect(result.generated).toEqual([]); // the manifest omits the key: nothing new is generated
      const [after] = await rows(c, `select secrets, unique_value, origin from pf_credentials where identity = 'ci'`);
      expect(after).toEqual({ ...before, origin: 'manifest' });
      const [developer] = await rows(c, `select origin from pf_developers where email = 'sam@example.com'`);
      expect(developer).toEqual({ origin: 'manifest' });
      expect((await plan(options(c))).changes).toEqual([]);
    } finally {
      await c.close();
    }
  });

  it("keeps a managed developer's self-made credentials its entry does not declare, and lists them as unmanaged", async () => {
    const c = await portalCase(
      sqlite,
      `  - email: ada@example.com\n    fullName: Ada\n    status: approved\n    credentials:\n      - { type: acl, group: partners }\n`,
    );
    try {
      const ada = await loginInvited(c, 'ada@example.com');
      await c.portal.createCredential(ada, { type: 'key-auth', name: 'laptop' });
      const planned = await plan(options(c));
      expect(planned.changes).toEqual([]);
      expect(planned.unmanaged!.map((o) => o.address)).toEqual([
        'developer["ada@example.com"].credential["key-auth:laptop"]',
      ]);
      await apply(options(c));
      expect(await rows(c, `select type, identity, origin from pf_credentials order by type`)).toEqual([
        { type: 'acl', identity: 'partners', origin: 'manifest' },
        { type: 'key-auth', identity: 'laptop', origin: 'self-service' },
      ]);
    } finally {
      await c.close();
    }
  });

  it('deletes everything a deleted developer owns, and the plan shows a delete for each credential, self-made ones included', async () => {
    const c = await portalCase(sqlite, `${ADA}  - { email: bob@example.com, fullName: Bob, status: approved }\n`);
    try {
      const ada = await loginInvited(c, 'ada@example.com');
      await c.portal.createCredential(ada, { type: 'key-auth', name: 'laptop' });
      await c.portal.createCredential(ada, { type: 'basic-auth', username: 'ada-basic' });
      c.w.write('m.yaml', manifestOf('  - { email: bob@example.com, fullName: Bob, status: approved }\n'));
      const planned = await plan(options(c));
      expect(planned.changes.map((ch) => `${ch.op} ${ch.address}`)).toEqual([
        'delete developer["ada@example.com"].credential["basic-auth:ada-basic"]',
        'delete developer["ada@example.com"].credential["key-auth:laptop"]',
        'delete developer["ada@example.com"]',
      ]);
      expect(planned.unmanaged).toEqual([]);
      await apply(options(c));
      expect(await rows(c, `select count(*) as n from pf_credentials`)).toEqual([{ n: 0 }]);
      expect(await rows(c, `select email from pf_developers`)).toEqual([{ email: 'bob@example.com' }]);
    } finally {
      await c.close();
    }
  });

  it('never deletes a self-registered developer the manifests do not declare', async () => {
    const c = await portalCase(sqlite, ADA);
    try {
      const sam = await c.signUp('sam@example.com');
      await c.portal.createCredential(sam, { type: 'key-auth', name: 'ci' });
      c.w.write('m.yaml', manifestOf('  - { email: bob@example.com, fullName: Bob, status: approved }\n'));
      const planned = await plan(options(c));
      expect(planned.changes.map((ch) => `${ch.op} ${ch.address}`)).toEqual([
        'delete developer["ada@example.com"]',
        'create developer["bob@example.com"]',
      ]);
      expect(planned.unmanaged!.map((o) => o.address)).toContain('developer["sam@example.com"]');
    } finally {
      await c.close();
    }
  });
});
