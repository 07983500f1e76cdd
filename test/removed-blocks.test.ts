// `removed` blocks delete what they name, or release it with keep: true (issue 17, point 4; docs/unmanaged.md).
import { afterAll, describe, expect, it } from 'vitest';
import { apply, plan } from '../src/engine.js';
import { BACKENDS, dropTestSchemas } from './helpers/backends.js';
import { loginInvited, portalCase, type PortalCase } from './helpers/portal.js';
import { withStateDb } from './helpers/state-db.js';

afterAll(dropTestSchemas);
const sqlite = BACKENDS[0]!;
const ADA = '  - { email: ada@example.com, fullName: Ada, status: approved }\n';
const BOB =
  '  - email: bob@example.com\n    fullName: Bob\n    status: approved\n    credentials:\n      - { type: acl, group: partners }\n';

function write(c: PortalCase, developers: string, removed: string): void {
  c.w.write('m.yaml', `version: 1\ndevelopers:\n${developers}removed:\n${removed}`);
}

const options = (c: PortalCase) => ({ paths: ['m.yaml'], state: c.w.state, cwd: c.w.dir, env: {} });
const steps = async (c: PortalCase) => (await plan(options(c))).changes.map((ch) => `${ch.op} ${ch.address}`);
const rows = (c: PortalCase, sql: string) =>
  withStateDb(c.w, async (query) => (await query(sql)) as Array<Record<string, unknown>>);

describe('removed blocks', () => {
  it('deletes an unmanaged developer with everything it owns, and one credential of a managed developer', async () => {
    const c = await portalCase(sqlite, ADA);
    try {
      const spam = await c.signUp('spam@example.com');
      await c.portal.createCredential(spam, { type: 'key-auth', name: 'k' });
      const ada = await loginInvited(c, 'ada@example.com');
      await c.portal.createCredential(ada, { type: 'key-auth', name: 'old' });
      await c.portal.createCredential(ada, { type: 'key-auth', name: 'new' });
      write(
        c,
        ADA,
        '  - { developer: spam@example.com }\n  - { developer: ada@example.com, credential: "key-auth:old" }\n',
      );
      expect(await steps(c)).toEqual([
        'delete developer["spam@example.com"].credential["key-auth:k"]',
        'delete developer["ada@example.com"].credential["key-auth:old"]',
        'delete developer["spam@example.com"]',
      ]);
      await apply(options(c));
      expect(await rows(c, 'select email from pf_developers order by email')).toEqual([{ email: 'ada@example.com' }]);
      expect(await rows(c, 'select identity from pf_credentials')).toEqual([{ identity: 'new' }]);
      // The entries did their work: now they name nothing stored, which is a warning, not a change.
      const again = await plan(options(c));
      expect(again.changes).toEqual([]);
      expect(again.warnings.map((w) => w.message)).toEqual([
        'removed entry names developer["spam@example.com"], which is not in the state: nothing to remove; delete the entry',
        'removed entry names developer["ada@example.com"].credential["key-auth:old"], which is not in the state: nothing to remove; delete the entry',
      ]);
      expect(again.warnings[0]!.location).toMatchObject({ line: 5 });
    } finally {
      await c.close();
    }
  });

  it('keep: true releases a managed developer and its credentials: origin released, nothing deleted, listed as unmanaged', async () => {
    const c = await portalCase(sqlite, ADA + BOB);
    try {
      write(c, ADA, '  - { developer: bob@example.com, keep: true }\n');
      const planned = await plan(options(c));
      expect(planned.changes.map((ch) => [ch.op, ch.address, ch.before?.origin, ch.after?.origin])).toEqual([
        ['update', 'developer["bob@example.com"]', 'manifest', 'released'],
        ['update', 'developer["bob@example.com"].credential["acl:partners"]', 'manifest', 'released'],
      ]);
      expect(planned.summary).toMatchObject({ delete: 0, update: 2 });
      await apply(options(c));
      expect(await rows(c, `select email, origin, status from pf_developers where email = 'bob@example.com'`)).toEqual([
        { email: 'bob@example.com', origin: 'released', status: 'approved' },
      ]);
      expect(await rows(c, 'select origin from pf_credentials')).toEqual([{ origin: 'released' }]);
      const after = await plan(options(c));
      expect(after.changes).toEqual([]);
      expect(after.warnings).toEqual([]);
      expect(after.unmanaged!.map((o) => [o.address, o.origin])).toEqual([
        ['developer["bob@example.com"]', 'released'],
        ['developer["bob@example.com"].credential["acl:partners"]', 'released'],
      ]);
      // Without the entry too, a released developer is never deleted.
      c.w.write('m.yaml', `version: 1\ndevelopers:\n${ADA}`);
      expect(await steps(c)).toEqual([]);
    } finally {
      await c.close();
    }
  });

  it('a saved plan that releases a developer and its credentials applies: apply checks each release against its entry', async () => {
    const c = await portalCase(sqlite, ADA + BOB);
    try {
      write(c, ADA, '  - { developer: bob@example.com, keep: true }\n');
      expect(c.w.run(['plan', 'm.yaml', '--out', 'release.plan']).code).toBe(0);
      const applied = c.w.run(['apply', 'release.plan']);
      expect(applied.code, applied.stderr).toBe(0);
      expect(await rows(c, `select origin from pf_developers where email = 'bob@example.com'`)).toEqual([
        { origin: 'released' },
      ]);
      expect(await rows(c, 'select origin from pf_credentials')).toEqual([{ origin: 'released' }]);
    } finally {
      await c.close();
    }
  });

  it('refuses an entry naming a developer or credential the manifests still declare, naming both places', async () => {
    const c = await portalCase(sqlite, ADA + BOB);
    try {
      write(
        c,
        ADA + BOB,
        '  - { developer: ADA@example.com }\n  - { developer: bob@example.com, credential: "acl:partners", keep: true }\n',
      );
      const result = c.w.run(['plan', 'm.yaml']);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(
        'm.yaml:10:5: error: removed entry names developer["ada@example.com"], which the manifests still declare at m.yaml:3:5',
      );
      expect(result.stderr).toContain(
        'm.yaml:11:5: error: removed entry names developer["bob@example.com"].credential["acl:partners"], which the manifests still declare at m.yaml:8:9',
      );
      expect(result.stderr).not.toMatch(/\n\s+at /);
    } finally {
      await c.close();
    }
  });

  it('refuses two entries naming the same object, pointing at the first', async () => {
    const c = await portalCase(sqlite, ADA);
    try {
      write(c, ADA, '  - { developer: spam@example.com }\n  - { developer: SPAM@example.com, keep: true }\n');
      const result = c.w.run(['validate', 'm.yaml']);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(
        'm.yaml:6:5: error: developer["spam@example.com"] is named by two removed entries (first at m.yaml:5:5); keep one',
      );
    } finally {
      await c.close();
    }
  });

  it('rejects a malformed entry with a located schema error', async () => {
    const c = await portalCase(sqlite, ADA);
    try {
      write(c, ADA, '  - { developer: x@example.com, credential: "nokey" }\n');
      const result = c.w.run(['validate', 'm.yaml']);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/m\.yaml:5:\d+: error: .*credential/);
    } finally {
      await c.close();
    }
  });
});

describe('an entry that omits fullName', () => {
  it('adopts a self-registered developer and leaves the name theirs; a developer the manifests create still needs one', async () => {
    const c = await portalCase(sqlite, ADA);
    try {
      const sam = await c.signUp('sam@example.com');
      await withStateDb(c.w, (query) =>
        query(`update pf_developers set full_name = 'Sam Chosen' where email = 'sam@example.com'`),
      );
      c.w.write('m.yaml', `version: 1\ndevelopers:\n${ADA}  - { email: sam@example.com, status: approved }\n`);
      const planned = await plan(options(c));
      expect(planned.changes).toHaveLength(1);
      expect(planned.changes[0]).toMatchObject({
        op: 'update',
        before: { fullName: 'Sam Chosen', origin: 'self-service', nameManagedBy: 'developer' },
        after: { fullName: 'Sam Chosen', origin: 'manifest', nameManagedBy: 'developer' },
      });
      await apply(options(c));
      expect(
        await rows(c, `select full_name, origin, name_managed from pf_developers where email = 'sam@example.com'`),
      ).toEqual([{ full_name: 'Sam Chosen', origin: 'manifest', name_managed: 0 }]);
      expect(await steps(c)).toEqual([]);

      // Adopted, Sam still edits his own name in the portal, and the next plan leaves it alone.
      expect((await c.portal.me(sam)).managed).toEqual({ fullName: false, email: true });
      await c.portal.updateMe(sam, { fullName: 'Sam Renamed' });
      expect(await steps(c)).toEqual([]);
      // An entry that names him takes the name over: an update, and the portal then refuses a rename.
      c.w.write(
        'm.yaml',
        `version: 1\ndevelopers:\n${ADA}  - { email: sam@example.com, fullName: Sam Declared, status: approved }\n`,
      );
      const takeOver = await plan(options(c));
      expect(takeOver.changes).toMatchObject([
        {
          op: 'update',
          before: { fullName: 'Sam Renamed', nameManagedBy: 'developer' },
          after: { fullName: 'Sam Declared', nameManagedBy: 'manifests' },
        },
      ]);
      await apply(options(c));
      expect((await c.portal.me(sam)).managed).toEqual({ fullName: true, email: true });
      await expect(c.portal.updateMe(sam, { fullName: 'Sam Again' })).rejects.toMatchObject({ status: 403 });
      expect(await steps(c)).toEqual([]);

      c.w.write(
        'm.yaml',
        `version: 1\ndevelopers:\n${ADA}  - { email: sam@example.com, status: approved }\n  - { email: new@example.com, status: approved }\n`,
      );
      const refused = c.w.run(['plan', 'm.yaml']);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(
        'm.yaml:5:5: error: developer["new@example.com"] has no fullName: a developer the manifests create needs one',
      );
    } finally {
      await c.close();
    }
  });
});
