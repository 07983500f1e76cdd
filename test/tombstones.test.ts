// A managed developer who deleted their own account is not silently created again (issue 17, point 5; docs/unmanaged.md).
import { afterAll, describe, expect, it } from 'vitest';
import { apply, plan } from '../src/engine.js';
import { BACKENDS, dropTestSchemas } from './helpers/backends.js';
import { loginInvited, PASSWORD, portalCase, type PortalCase } from './helpers/portal.js';
import { withStateDb } from './helpers/state-db.js';
import { verifyWithEngine } from './helpers/verification.js';

afterAll(dropTestSchemas);
const sqlite = BACKENDS[0]!;
const ADA = '  - { email: ada@example.com, fullName: Ada, status: approved }\n';
const BOB = '  - { email: bob@example.com, fullName: Bob, status: approved }\n';
const ADDRESS = 'developer["ada@example.com"]';

const options = (c: PortalCase, more: { replace?: string[] } = {}) => ({
  paths: ['m.yaml'],
  state: c.w.state,
  cwd: c.w.dir,
  env: {},
  ...more,
});
const tombstones = (c: PortalCase) =>
  withStateDb(c.w, async (query) => (await query('select email from pf_tombstones')) as Array<{ email: string }>);

/** ada, declared, deletes her own account through the portal. */
async function adaLeaves(): Promise<PortalCase> {
  const c = await portalCase(sqlite, ADA + BOB);
  const ada = await loginInvited(c, 'ada@example.com');
  await c.portal.deleteAccount(ada, { password: PASSWORD });
  expect(await tombstones(c)).toEqual([{ email: 'ada@example.com' }]);
  return c;
}

describe('tombstones', () => {
  it('fails the plan while the manifests still declare her: says she deleted her account, when, and what to do', async () => {
    const c = await adaLeaves();
    try {
      const result = c.w.run(['plan', 'm.yaml']);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(
        /m\.yaml:3:5: error: developer\["ada@example\.com"\] deleted their own account through the portal on \d{4}-\d\d-\d\dT[\d:.]+Z; the manifests still declare them\. Remove the entry \(the plan then clears the record of the deletion\), or plan with --replace 'developer\["ada@example\.com"\]' to invite them anew/,
      );
      expect(result.stderr).not.toMatch(/\n\s+at /);
      await expect(apply(options(c))).rejects.toThrow('the plan has errors; nothing was changed');
      expect(await tombstones(c)).toHaveLength(1);
    } finally {
      await c.close();
    }
  });

  it('removing the entry clears the tombstone, as a plan step', async () => {
    const c = await adaLeaves();
    try {
      c.w.write('m.yaml', `version: 1\ndevelopers:\n${BOB}`);
      const planned = await plan(options(c));
      expect(planned.errors).toEqual([]);
      expect(planned.changes.map((ch) => [ch.op, ch.address, ch.before, ch.after])).toEqual([
        ['update', ADDRESS, { accountDeletedAt: expect.any(String) }, { accountDeletedAt: null }],
      ]);
      await apply(options(c));
      expect(await tombstones(c)).toEqual([]);
      expect((await plan(options(c))).changes).toEqual([]);
      // Declared again later, she is simply created anew.
      c.w.write('m.yaml', `version: 1\ndevelopers:\n${ADA}${BOB}`);
      expect((await plan(options(c))).changes.map((ch) => `${ch.op} ${ch.address}`)).toEqual([`create ${ADDRESS}`]);
    } finally {
      await c.close();
    }
  });

  it('--replace creates her anew, clearing the tombstone in the same apply', async () => {
    const c = await adaLeaves();
    try {
      const planned = await plan(options(c, { replace: [ADDRESS] }));
      expect(planned.errors).toEqual([]);
      expect(planned.changes.map((ch) => `${ch.op} ${ch.address}`)).toEqual([`update ${ADDRESS}`, `create ${ADDRESS}`]);
      await apply(options(c, { replace: [ADDRESS] }));
      expect(await tombstones(c)).toEqual([]);
      const rows = await withStateDb(c.w, (query) =>
        query(`select origin from pf_developers where email = 'ada@example.com'`),
      );
      expect(rows).toEqual([{ origin: 'manifest' }]);
      expect((await plan(options(c))).changes).toEqual([]);
    } finally {
      await c.close();
    }
  });

  it('a new sign-up with her email replaces the tombstone only once it proves the address: the plan then adopts it', async () => {
    const c = await adaLeaves();
    try {
      await c.portal.register({ email: 'ada@example.com', fullName: 'Ada Again', password: PASSWORD });
      expect(await tombstones(c)).toEqual([{ email: 'ada@example.com' }]);
      await expect(plan(options(c))).rejects.toThrow('the plan has 1 error');
      // Once it has proven the address (docs/unmanaged.md).
      await verifyWithEngine(c.portal, { state: c.w.state, cwd: c.w.dir }, 'ada@example.com', PASSWORD);
      expect(await tombstones(c)).toEqual([]);
      const planned = await plan(options(c));
      expect(planned.errors).toEqual([]);
      expect(planned.changes.find((ch) => ch.op === 'update' && ch.address === ADDRESS)).toMatchObject({
        before: { origin: 'self-service' },
        after: { origin: 'manifest' },
      });
    } finally {
      await c.close();
    }
  });
});
