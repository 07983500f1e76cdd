// Issue 17 point 6, docs/unmanaged.md: self-service changes do not move the serial, so a saved plan records
// the version of each developer and credential it touches; apply refuses it when one of them
// changed, naming the object and what changed it, or when an address or unique value it takes
// is now held. A sign-up elsewhere leaves it valid.
import { afterAll, describe, expect, it } from 'vitest';
import { apply, plan } from '../src/engine.js';
import { BACKENDS, dropTestSchemas } from './helpers/backends.js';
import { manifestOf, portalCase, type PortalCase } from './helpers/portal.js';
import { refusedWith } from './helpers/saved-plan.js';

afterAll(dropTestSchemas);

const ADA = '  - { email: ada@example.com, fullName: Ada, status: approved }\n';
const EVE = 'developer["eve@example.com"]';
const ENV = {
  PORTALFORM_SECRET_KEY: 'a-given-key-of-plenty-characters',
  PORTALFORM_SECRET_PASSWORD: 'a-given-password-long-enough',
};

function options(c: PortalCase) {
  return { paths: ['m.yaml'], state: c.w.state, cwd: c.w.dir, env: ENV, secretsOut: `${c.w.dir}/secrets.json` };
}

/** The plan of these manifest entries, made now, to be applied later. */
async function planOf(c: PortalCase, developers: string) {
  c.w.write('m.yaml', manifestOf(developers));
  return plan(options(c));
}

for (const backend of BACKENDS) {
  describe(`a saved plan and self-service changes (${backend.name})`, () => {
    it('stays valid over a sign-up of another developer, and records the versions it touches', async () => {
      const c = await portalCase(backend, ADA);
      try {
        await c.signUp('eve@example.com');
        const adopt = await planOf(c, `${ADA}  - { email: eve@example.com, fullName: Eve, status: approved }\n`);
        expect(adopt.changes.map((x) => `${x.op} ${x.address}`)).toEqual([`update ${EVE}`]);
        expect(Object.keys(adopt.touches!.developers)).toEqual([EVE]);
        await c.signUp('zed@example.com');
        const result = await apply({ ...options(c), plan: adopt });
        expect(result.applied).toBe(true);
      } finally {
        await c.close();
      }
    });

    it('is refused when a developer it changes changed itself since, naming it and the change', async () => {
      const c = await portalCase(backend, ADA);
      try {
        const eve = await c.signUp('eve@example.com');
        const adopt = await planOf(c, `${ADA}  - { email: eve@example.com, fullName: Eve, status: approved }\n`);
        await c.portal.updateMe(eve, { fullName: 'Eve Renamed' });
        expect(await refusedWith(apply({ ...options(c), plan: adopt }))).toMatch(
          /^Saved plan is stale: developer\["eve@example.com"\] changed since the plan was made \(version \d+ is now \d+; self-service update-name by eve@example.com at \d{4}-/,
        );
      } finally {
        await c.close();
      }
    });

    it('is refused when a credential it changes was rotated since', async () => {
      const c = await portalCase(backend, ADA);
      try {
        const eve = await c.signUp('eve@example.com');
        const made = await c.portal.createCredential(eve, { type: 'key-auth', name: 'k' });
        const adopt = await planOf(
          c,
          ADA +
            '  - { email: eve@example.com, fullName: eve, status: approved, credentials: [{ type: key-auth, name: k }] }\n',
        );
        expect(Object.keys(adopt.touches!.credentials)).toEqual([`${EVE}.credential["key-auth:k"]`]);
        await c.portal.rotateCredential(eve, made.credential.id);
        expect(await refusedWith(apply({ ...options(c), plan: adopt }))).toMatch(
          /^Saved plan is stale: developer\["eve@example.com"\]\.credential\["key-auth:k"\] changed since the plan was made \(version \d+ is now \d+; self-service rotate-credential by eve@example.com/,
        );
      } finally {
        await c.close();
      }
    });

    it('is refused when an address it takes is now held', async () => {
      const c = await portalCase(backend, ADA);
      try {
        const eve = await c.signUp('eve@example.com');
        const create = await planOf(
          c,
          ADA +
            '  - { email: eve@example.com, fullName: eve, status: approved, credentials: [{ type: key-auth, name: mine, key: { fromEnv: PORTALFORM_SECRET_KEY } }] }\n',
        );
        await c.portal.createCredential(eve, { type: 'key-auth', name: 'mine' });
        expect(await refusedWith(apply({ ...options(c), plan: create }))).toMatch(
          /^Saved plan is stale: developer\["eve@example.com"\]\.credential\["key-auth:mine"\] changed since the plan was made \(it now exists; self-service create-credential by eve@example.com/,
        );
      } finally {
        await c.close();
      }
    });

    it('is refused when a unique value it takes is now held, naming the holder', async () => {
      const c = await portalCase(backend, ADA);
      try {
        const eve = await c.signUp('eve@example.com');
        const create = await planOf(
          c,
          ADA +
            '  - { email: nora@example.com, fullName: Nora, status: approved, credentials: [{ type: basic-auth, username: shared, password: { fromEnv: PORTALFORM_SECRET_PASSWORD } }] }\n',
        );
        await c.portal.createCredential(eve, { type: 'basic-auth', username: 'shared' });
        expect(await refusedWith(apply({ ...options(c), plan: create }))).toMatch(
          /^Saved plan is stale: developer\["eve@example.com"\]\.credential\["basic-auth:shared"\] changed since the plan was made \(it now holds the basic-auth username that developer\["nora@example.com"\]\.credential\["basic-auth:shared"\] takes; self-service create-credential/,
        );
      } finally {
        await c.close();
      }
    });
  });
}
