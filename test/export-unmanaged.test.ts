// export writes the managed objects only, so a plan on it stays empty; --include-unmanaged adds the
// others, which a plan then adopts (issue 17, point 7; docs/cli.md).
import { afterAll, describe, expect, it } from 'vitest';
import { BACKENDS, dropTestSchemas } from './helpers/backends.js';
import { loginInvited, portalCase } from './helpers/portal.js';

afterAll(dropTestSchemas);
const sqlite = BACKENDS[0]!;
const ADA =
  '  - email: ada@example.com\n    fullName: Ada\n    status: approved\n    credentials:\n      - { type: acl, group: partners }\n';
const BOB = '  - { email: bob@example.com, fullName: Bob, status: approved }\n';

describe('export and unmanaged objects', () => {
  it('exports only what the manifests manage, and a plan on the export has no changes', async () => {
    const c = await portalCase(sqlite, ADA + BOB);
    try {
      const sam = await c.signUp('sam@example.com');
      await c.portal.createCredential(sam, { type: 'key-auth', name: 'sam-key' });
      const ada = await loginInvited(c, 'ada@example.com');
      await c.portal.createCredential(ada, { type: 'key-auth', name: 'laptop' });
      // bob is released: he stays, unmanaged.
      c.w.write('m.yaml', `version: 1\ndevelopers:\n${ADA}removed:\n  - { developer: bob@example.com, keep: true }\n`);
      expect(c.w.run(['apply', 'm.yaml', '--auto-approve']).code).toBe(0);

      const exported = c.w.run(['export', '--out', 'exported']);
      expect(exported.code, exported.stderr).toBe(0);
      const text = c.w.run(['export']).stdout;
      expect(text).toContain('ada@example.com');
      expect(text).toContain('group: partners');
      for (const absent of ['sam@example.com', 'bob@example.com', 'laptop', 'origin:'])
        expect(text).not.toContain(absent);

      const planned = c.w.run(['plan', 'exported', '--detailed-exitcode', '--json']);
      expect(planned.code, planned.stderr).toBe(0);
      const json = JSON.parse(planned.stdout);
      expect(json.changes).toEqual([]);
      expect(json.unmanaged.map((o: { address: string }) => o.address).sort()).toEqual([
        'developer["ada@example.com"].credential["key-auth:laptop"]',
        'developer["bob@example.com"]',
        'developer["sam@example.com"]',
        'developer["sam@example.com"].credential["key-auth:sam-key"]',
      ]);
    } finally {
      await c.close();
    }
  });

  it('--include-unmanaged exports everything, each unmanaged object marked, and a plan on it only adopts', async () => {
    const c = await portalCase(sqlite, ADA);
    try {
      const sam = await c.signUp('sam@example.com');
      await c.portal.createCredential(sam, { type: 'key-auth', name: 'sam-key' });
      const exported = c.w.run(['export', '--include-unmanaged', '--out', 'all']);
      expect(exported.code, exported.stderr).toBe(0);
      const text = c.w.run(['export', '--include-unmanaged']).stdout;
      expect(text).toContain(
        '# origin: self-service. This developer was not created by portalform; applying this manifest adopts it.',
      );
      expect(text).toContain('name: sam-key');

      const planned = JSON.parse(c.w.run(['plan', 'all', '--json']).stdout);
      expect(
        planned.changes.map((ch: { op: string; address: string; after: { origin?: string } }) => [
          ch.op,
          ch.address,
          ch.after.origin,
        ]),
      ).toEqual([
        ['update', 'developer["sam@example.com"]', 'manifest'],
        ['update', 'developer["sam@example.com"].credential["key-auth:sam-key"]', 'manifest'],
      ]);
      expect(planned.summary).toMatchObject({ create: 0, delete: 0, update: 2 });
      expect(c.w.run(['export', '--help']).stdout).toContain('--include-unmanaged');
    } finally {
      await c.close();
    }
  });
});
