// Issue 15 point 1, docs/state.md: a plan made on no state applies once, creating the state; a second
// apply is refused as already applied, and applying it to a state created since as not matching.
// Sealed with a key derived from PORTALFORM_STATE_KEY when one is set, only integrity-checked otherwise.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BACKENDS, dropTestSchemas } from './helpers/backends.js';
import { workspace } from './helpers/cli.js';
import { forge, planCase, refusedWith } from './helpers/saved-plan.js';

afterAll(dropTestSchemas);

const KEY = 'a-state-key-of-at-least-32-characters!!';
const OTHER_KEY = 'another-state-key-of-32-characters-or-more';
const SECRET_ENV = { PORTALFORM_SECRET_ADA_KEY: 'ada-given-key-long-enough-1234' };
const MANIFEST = `version: 1
developers:
  - email: ada@example.com
    fullName: Ada
    status: approved
    credentials:
      - { type: key-auth, name: ci, key: { fromEnv: PORTALFORM_SECRET_ADA_KEY } }
      - { type: acl, group: partners }
`;

for (const backend of BACKENDS) {
  describe(`a plan made on no state (${backend.name})`, () => {
    it('applies once, creating the state with what it shows; a second apply is refused as already applied', async () => {
      const c = planCase(backend.newState(), SECRET_ENV);
      const file = await c.savePlan('first.plan', MANIFEST);
      expect(JSON.parse(readFileSync(file, 'utf8')).plan.state).toEqual({ lineage: null, serial: 0 });
      expect(JSON.parse(readFileSync(file, 'utf8')).seal.key).toBe('none');
      await c.applyPlan(file);
      const created = JSON.parse(await c.listing());
      expect(created.serial).toBe(1);
      expect(
        created.developers.map((d: any) => [d.email, d.credentials.map((x: any) => `${x.type}:${x.identity}`)]),
      ).toEqual([['ada@example.com', ['acl:partners', 'key-auth:ci']]]);
      expect(await refusedWith(c.applyPlan(file))).toMatch(/^Saved plan was already applied/);
      expect(JSON.parse(await c.listing()).serial).toBe(1);
    });

    it('is refused as not matching a state created since by another apply', async () => {
      const c = planCase(backend.newState(), SECRET_ENV);
      const file = await c.savePlan('first.plan', MANIFEST);
      await c.applyManifest();
      const before = await c.listing();
      expect(await refusedWith(c.applyPlan(file))).toMatch(
        /^Saved plan does not match this state: it was made when no state existed/,
      );
      expect(await c.listing()).toBe(before);
    });

    it('without a state key, is checked for integrity: an edit the digest does not cover is refused', async () => {
      const c = planCase(backend.newState(), SECRET_ENV);
      const file = await c.savePlan('first.plan', MANIFEST);
      const json = JSON.parse(readFileSync(file, 'utf8'));
      json.plan.changes[0].action.developer.status = 'pending';
      writeFileSync(`${c.dir}/edited.plan`, JSON.stringify(json));
      expect(await refusedWith(c.applyPlan(`${c.dir}/edited.plan`))).toMatch(
        /^Saved plan is not authentic: .*digest does not match/,
      );
    });
  });

  describe(`a plan made on no state with PORTALFORM_STATE_KEY (${backend.name})`, () => {
    it('is sealed with the key: refused without it, with another key, or edited; applies with it', async () => {
      const state = backend.newState();
      const withKey = planCase(state, { ...SECRET_ENV, PORTALFORM_STATE_KEY: KEY });
      const file = await withKey.savePlan('first.plan', MANIFEST);
      expect(JSON.parse(readFileSync(file, 'utf8')).seal.key).toBe('state-key');

      const noKey = planCase(state, SECRET_ENV);
      expect(await refusedWith(noKey.applyPlan(file))).toMatch(
        /^Saved plan is not authentic: it was sealed with a state key/,
      );
      const otherKey = planCase(state, { ...SECRET_ENV, PORTALFORM_STATE_KEY: OTHER_KEY });
      expect(await refusedWith(otherKey.applyPlan(file))).toMatch(/^Saved plan is not authentic/);
      // Everything the file holds recomputed, as an attacker would: the MAC still does not verify.
      const forged = forge(
        file,
        (plan) => ((plan.changes[0]!.action as any).developer.fullName = 'Mallory'),
        `${withKey.dir}/forged.plan`,
      );
      expect(await refusedWith(withKey.applyPlan(forged))).toMatch(/^Saved plan is not authentic/);
      // A plan made without the key is refused once a key is set: it could have been edited.
      const unkeyed = await planCase(state, SECRET_ENV).savePlan('unkeyed.plan', MANIFEST);
      expect(await refusedWith(withKey.applyPlan(unkeyed))).toMatch(
        /^Saved plan is not authentic: PORTALFORM_STATE_KEY is set, but the plan was made without it/,
      );

      await withKey.applyPlan(file);
      expect(JSON.parse(await withKey.listing())).toMatchObject({
        serial: 1,
        developers: [{ email: 'ada@example.com', fullName: 'Ada' }],
      });
      expect(await refusedWith(withKey.applyPlan(file))).toMatch(/^Saved plan was already applied/);
    });
  });
}

describe('plan on a missing state (issue 15 point 11)', () => {
  it("notes which state it did not find and that apply would create it; the saved plan's hint names that state", () => {
    const w = workspace();
    w.write('m.yaml', MANIFEST.replace(/credentials:[\s\S]*$/, 'credentials: []\n'));
    const planned = w.run(['plan', 'm.yaml', '--state', 'typo.db', '--out', 'p.plan', '--detailed-exitcode']);
    expect(planned.code).toBe(2); // a note, not an error: the exit code is the plan's
    expect(planned.stderr).toContain(
      `Note: no state found at typo.db (${join(w.dir, 'typo.db')}); apply will create it there.`,
    );
    expect(planned.stdout).toContain('To apply exactly these changes, run: portalform apply p.plan --state typo.db');
    expect(existsSync(join(w.dir, 'typo.db'))).toBe(false);
    // The workspace names its state in PORTALFORM_STATE: not the default, so the hint names it too.
    const fromEnv = w.run(['plan', 'm.yaml', '--out', 'q.plan']);
    expect(fromEnv.stderr).toContain(`Note: no state found at ${w.state}; apply will create it there.`);
    expect(fromEnv.stdout).toContain(`run: portalform apply q.plan --state ${w.state}`);
  });
});
