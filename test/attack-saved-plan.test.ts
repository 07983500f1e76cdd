// Issue 14, point 1: a saved plan edited by someone who can recompute everything the file holds
// is refused with `Saved plan is not authentic`; one sealed with the state's own key (an insider)
// still has every step checked against the state, the life cycle and the manifests.
import { spawnSync } from 'node:child_process';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { readPlanFile } from '../src/plan/planfile.js';
import type { Change, Plan } from '../src/plan/types.js';
import { summarize } from '../src/plan/types.js';
import { BIN } from './helpers/cli.js';
import { forge, planCase, refusedWith, resealWithStateKey, type PlanCase } from './helpers/saved-plan.js';

const ADA = 'developer["ada@example.com"]';
const REX = 'developer["rex@example.com"]';
const manifest = (adaName: string, extraCredential = '') => `version: 1
developers:
  - { email: ada@example.com, fullName: ${adaName}, status: approved, credentials: [{ type: acl, group: partners }${extraCredential}] }
  - { email: rex@example.com, fullName: Rex, status: rejected }
`;
const PEM =
  '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEattackerattackerattackerattacker\n-----END PUBLIC KEY-----\n';

async function seeded(): Promise<PlanCase> {
  const c = planCase();
  await c.applyManifest(manifest('Ada'));
  return c;
}

/** A harmless plan: Ada's name changes. */
async function harmless(c: PlanCase, name = 'harmless.plan'): Promise<string> {
  return c.savePlan(name, manifest('Ada L.'));
}

function step(
  address: string,
  kind: Change['kind'],
  op: Change['op'],
  action: Change['action'],
  before: Change['before'] = null,
  after: Change['after'] = null,
): Change {
  return { address, kind, op, before, after, action };
}

const approveRex = (from: 'pending' | 'rejected') =>
  step(
    REX,
    'developer',
    'approve',
    { do: 'developer.transition', email: 'rex@example.com', from, to: 'approved' },
    { status: from },
    { status: 'approved' },
  );
const aclAdmins = step(
  `${ADA}.credential["acl:admins"]`,
  'credential',
  'create',
  {
    do: 'credential.create',
    email: 'ada@example.com',
    type: 'acl',
    identity: 'admins',
    fields: { group: 'admins' },
    secrets: {},
  },
  null,
  { group: 'admins', active: true },
);
const ownJwt = step(`${ADA}.credential["jwt:attacker"]`, 'credential', 'create', {
  do: 'credential.create',
  email: 'ada@example.com',
  type: 'jwt',
  identity: 'attacker',
  fields: { key: 'attacker', algorithm: 'ES256', rsaPublicKey: PEM },
  secrets: {},
});
const deletePartners = step(
  `${ADA}.credential["acl:partners"]`,
  'credential',
  'delete',
  { do: 'credential.delete', email: 'ada@example.com', type: 'acl', identity: 'partners' },
  { group: 'partners' },
  null,
);

function add(...changes: Change[]) {
  return (plan: Plan) => {
    plan.changes.push(...changes);
    plan.summary = summarize(plan.changes);
  };
}

async function expectRefusedUnchanged(c: PlanCase, file: string, message: RegExp): Promise<void> {
  const before = await c.listing();
  expect(await refusedWith(c.applyPlan(file))).toMatch(message);
  expect(await c.listing()).toBe(before);
}

const NOT_AUTHENTIC = /^Saved plan is not authentic/;

describe('a forged saved plan (digests recomputed, no key)', () => {
  it('applies when untouched: the refusals below are the forgeries, not the plans', async () => {
    const c = await seeded();
    const file = await harmless(c);
    await c.applyPlan(file);
    expect(await c.listing()).toContain('"fullName":"Ada L."');
  });

  it('is refused when it approves a rejected developer, whether or not the step is a real edge', async () => {
    const c = await seeded();
    const file = await harmless(c);
    await expectRefusedUnchanged(c, forge(file, add(approveRex('rejected')), `${c.dir}/a.plan`), NOT_AUTHENTIC);
    await expectRefusedUnchanged(c, forge(file, add(approveRex('pending')), `${c.dir}/b.plan`), NOT_AUTHENTIC);
  });

  it("is refused when it adds acl: admins, or a jwt with the attacker's own public key", async () => {
    const c = await seeded();
    const file = await harmless(c);
    await expectRefusedUnchanged(c, forge(file, add(aclAdmins), `${c.dir}/acl.plan`), NOT_AUTHENTIC);
    await expectRefusedUnchanged(c, forge(file, add(ownJwt), `${c.dir}/jwt.plan`), NOT_AUTHENTIC);
  });

  it('is refused when it deletes a credential while what it shows is harmless', async () => {
    const c = await seeded();
    const file = await harmless(c);
    // The action deletes; the change still shows the harmless name update.
    const hidden = forge(file, (plan) => (plan.changes[0]!.action = deletePartners.action), `${c.dir}/hidden.plan`);
    await expectRefusedUnchanged(
      c,
      hidden,
      /^Saved plan is not authentic: step 1 shows update developer\["ada@example.com"\] but its action does something else/,
    );
    expect(() => readPlanFile(hidden)).toThrow(NOT_AUTHENTIC); // `show` reads it the same way
    const shown = spawnSync(process.execPath, [BIN, 'show', hidden], {
      cwd: c.dir,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', HOME: c.dir },
    });
    expect(shown.status).toBe(1);
    expect(shown.stderr).toMatch(/Error: Saved plan is not authentic/);
    // The step shows the delete, but the summary still counts a harmless update.
    const miscounted = forge(file, (plan) => (plan.changes[0] = deletePartners), `${c.dir}/miscounted.plan`);
    await expectRefusedUnchanged(c, miscounted, /^Saved plan is not authentic: its summary does not count its steps/);
    // Everything consistent, the before/after text made harmless: only the seal can tell.
    const relabelled = forge(
      file,
      (plan) => {
        plan.changes[0] = { ...deletePartners, before: { group: 'unused-test-group' } };
        plan.summary = summarize(plan.changes);
      },
      `${c.dir}/relabelled.plan`,
    );
    await expectRefusedUnchanged(c, relabelled, NOT_AUTHENTIC);
    // `show` checks the seal too when the plan's state is at hand, so the harmless text is never shown.
    const show = (file: string) =>
      spawnSync(process.execPath, [BIN, 'show', file], {
        cwd: c.dir,
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '', HOME: c.dir, PORTALFORM_STATE: c.state },
      });
    expect(show(relabelled)).toMatchObject({
      status: 1,
      stderr: expect.stringMatching(/Error: Saved plan is not authentic: it was not sealed by this state/),
    });
    expect(show(file)).toMatchObject({ status: 0, stdout: expect.stringContaining('Ada L.') });
  });

  it('is refused when replayed with its serial changed', async () => {
    const c = await seeded();
    const file = await harmless(c);
    await c.applyPlan(file);
    await c.applyManifest(manifest('Ada'));
    const replay = forge(file, (plan) => (plan.state.serial = 3), `${c.dir}/replay.plan`);
    await expectRefusedUnchanged(c, replay, NOT_AUTHENTIC);
  });

  it('is refused when pointed at another state (its lineage changed)', async () => {
    const a = await seeded();
    const b = await seeded();
    const lineageOfB = readLineage(b);
    const file = forge(await harmless(a), (plan) => (plan.state.lineage = lineageOfB), `${b.dir}/pointed.plan`);
    await expectRefusedUnchanged(b, file, NOT_AUTHENTIC);
  });

  it('is refused when sealed by a state made to look like the real one (same lineage and serial)', async () => {
    const real = await seeded();
    const fake = planCase();
    await fake.applyManifest(manifest('Ada'));
    const db = new Database(fake.state);
    db.prepare("update pf_meta set value = ? where key = 'lineage'").run(readLineage(real));
    db.close();
    // The look-alike's own plan, sealed by it, declaring acl: admins in the attacker's manifests.
    const file = await fake.savePlan('lookalike.plan', manifest('Ada', ', { type: acl, group: admins }'));
    expect(readPlanFile(file).state).toEqual({ lineage: readLineage(real), serial: 1 });
    await expectRefusedUnchanged(real, file, /^Saved plan is not authentic: it was not sealed by this state/);
  });
});

describe("a saved plan sealed with the state's own key (an insider), every step checked again", () => {
  async function resealed(c: PlanCase, name: string, edit: (plan: Plan) => void): Promise<string> {
    const file = forge(await harmless(c, name), edit);
    await resealWithStateKey(file, c.state, c.dir);
    return file;
  }

  it('refuses approving a rejected developer: the life cycle has no such step', async () => {
    const c = await seeded();
    await expectRefusedUnchanged(
      c,
      await resealed(c, 'approve.plan', add(approveRex('pending'))),
      /step 2 \(approve developer\["rex@example.com"\]\) is refused: the developer is rejected, not pending/,
    );
  });

  it('refuses a credential the manifests did not produce', async () => {
    const c = await seeded();
    await expectRefusedUnchanged(
      c,
      await resealed(c, 'acl.plan', add(aclAdmins)),
      /step 2 \(create .*acl:admins.*\) is refused: the manifests do not declare it/,
    );
    await expectRefusedUnchanged(
      c,
      await resealed(c, 'jwt.plan', add(ownJwt)),
      /step 2 \(create .*jwt:attacker.*\) is refused: the manifests do not declare it/,
    );
  });

  it('refuses deleting a credential the manifests still declare', async () => {
    const c = await seeded();
    await expectRefusedUnchanged(
      c,
      await resealed(c, 'delete.plan', add(deletePartners)),
      /step 2 \(delete .*acl:partners.*\) is refused: the manifests still declare it/,
    );
  });
});

function readLineage(c: PlanCase): string {
  const db = new Database(c.state, { readonly: true });
  try {
    return (db.prepare("select value from pf_meta where key = 'lineage'").get() as { value: string }).value;
  } finally {
    db.close();
  }
}
