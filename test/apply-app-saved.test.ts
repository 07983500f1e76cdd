// A saved plan over applications and registrations (docs/unmanaged.md, docs/applications.md), on
// SQLite and PostgreSQL: it records the versions of the applications and registrations it touches;
// it stays valid over an unrelated sign-up; it is refused, naming the object, when one of them
// changed since, when an application it creates now exists, or when an application appeared
// under a developer it deletes. Re-sealed by an insider, its forged application steps are refused.
import { afterAll, describe, expect, it } from 'vitest';
import { apply, plan } from '../src/engine.js';
import { BACKENDS, dropTestSchemas } from './helpers/backends.js';
import { portalCase, type PortalCase } from './helpers/portal.js';
import { forge, planCase, refusedWith, resealWithStateKey, type PlanCase } from './helpers/saved-plan.js';
import type { Workspace } from './helpers/cli.js';
import { summarize, type Change } from '../src/plan/types.js';
import { runSql, withStateDb } from './helpers/state-db.js';

afterAll(dropTestSchemas);

const ENV = { PORTALFORM_STATE_KEY: 'apply-app-saved-state-key-0123456789abcdef' };
const ADA = '  - { email: ada@example.com, fullName: Ada, status: approved }\n';
const BILLING = 'developer["ada@example.com"].application["billing"]';
const REGISTRATION = `${BILLING}.registration["payments"]`;

/** ada's entry with the application billing and its registration in `status`, or without applications. */
function manifest(registration: string | null, extra = ''): string {
  const ada =
    registration === null
      ? ''
      : `  - email: ada@example.com
    fullName: Ada
    status: approved
    applications:
      - name: billing
        registrations:
          - { api: payments, status: ${registration} }
`;
  const developers = `${ada}${extra}`;
  return `version: 1\napis:\n  - name: payments\ndevelopers:${developers ? `\n${developers}` : ' []\n'}`;
}

function options(c: PortalCase) {
  return { paths: ['m.yaml'], state: c.w.state, cwd: c.w.dir, env: ENV };
}

async function applied(c: PortalCase, text: string): Promise<void> {
  c.w.write('m.yaml', text);
  await apply(options(c));
}

async function planOf(c: PortalCase, text: string) {
  c.w.write('m.yaml', text);
  return plan(options(c));
}

describe.each(BACKENDS)('a saved plan over applications and registrations on $name', (backend) => {
  it('records the versions it touches and stays valid over an unrelated sign-up', async () => {
    const c = await portalCase(backend, ADA);
    try {
      await applied(c, manifest('approved'));
      const revoke = await planOf(c, manifest('revoked'));
      expect(revoke.changes.map((x) => `${x.op} ${x.address}`)).toEqual([`revoke ${REGISTRATION}`]);
      expect(Object.keys(revoke.touches?.registrations ?? {})).toContain(REGISTRATION);
      await c.signUp('eve@example.com');
      expect((await apply({ ...options(c), plan: revoke })).applied).toBe(true);
      const stored = await withStateDb(c.w, (q) => q('select status from pf_registrations'));
      expect(stored).toEqual([{ status: 'revoked' }]);
    } finally {
      await c.close();
    }
  });

  it('is refused when a registration it changes changed since, naming the registration', async () => {
    const c = await portalCase(backend, ADA);
    try {
      await applied(c, manifest('approved'));
      const revoke = await planOf(c, manifest('revoked'));
      await runSql(c.w, ['update pf_registrations set version = version + 1']);
      expect(await refusedWith(apply({ ...options(c), plan: revoke }))).toMatch(
        /^Saved plan is stale: developer\["ada@example.com"\]\.application\["billing"\]\.registration\["payments"\] changed since the plan was made \(version \d+ is now \d+/,
      );
      const stored = await withStateDb(c.w, (q) => q('select status from pf_registrations'));
      expect(stored).toEqual([{ status: 'approved' }]);
    } finally {
      await c.close();
    }
  });

  it('is refused when an application it creates now exists, or one appeared under a developer it deletes', async () => {
    const c = await portalCase(backend, ADA);
    try {
      await applied(c, `version: 1\napis:\n  - name: payments\ndevelopers:\n${ADA}`);
      const create = await planOf(c, manifest('approved'));
      const selfMade = (name: string) =>
        runSql(c.w, [
          `insert into pf_applications (id, developer_id, name, description, description_managed, origin, created_at, updated_at)
           select 'app-${name}', id, '${name}', null, 0, 'self-service', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'
           from pf_developers where email = 'ada@example.com'`,
        ]);
      await selfMade('billing');
      expect(await refusedWith(apply({ ...options(c), plan: create }))).toMatch(
        /^Saved plan is stale: developer\["ada@example\.com"\]\.application\["billing"\] changed since the plan was made \(it now exists/,
      );

      const remove = await planOf(c, manifest(null));
      await selfMade('shop');
      expect(await refusedWith(apply({ ...options(c), plan: remove }))).toMatch(
        /^Saved plan is stale: developer\["ada@example\.com"\] changed since the plan was made \(it now has developer\["ada@example\.com"\]\.application\["shop"\]/,
      );
    } finally {
      await c.close();
    }
  });
});

/** ada (named `name`) with billing registered to payments, pending. */
const pendingManifest = (name: string) => `version: 1
apis:
  - name: payments
developers:
  - email: ada@example.com
    fullName: ${name}
    status: approved
    applications:
      - name: billing
        registrations:
          - { api: payments, status: pending }
`;

describe.each(BACKENDS)("a saved plan's application steps checked again under the lock on $name", (backend) => {
  /** A harmless plan (ada renamed) with one forged step added, re-sealed with the state's own key: an insider's. */
  async function forged(c: PlanCase, change: Change): Promise<string> {
    const file = forge(await c.savePlan('forged.plan', pendingManifest('Ada L.')), (plan) => {
      plan.changes.push(change);
      plan.summary = summarize(plan.changes);
    });
    await resealWithStateKey(file, c.state, c.dir);
    return file;
  }

  async function expectRefusedUnchanged(c: PlanCase, file: string, reason: RegExp): Promise<void> {
    const before = await c.listing();
    const rows = () => withPlanDb(c, 'select api, status from pf_registrations');
    const registrations = await rows();
    expect(await refusedWith(c.applyPlan(file))).toMatch(reason);
    expect(await c.listing()).toBe(before);
    expect(await rows()).toEqual(registrations);
  }

  it('applies a saved plan that creates an API, an application with a credential and a registration', async () => {
    const c = planCase(backend.newState(), ENV);
    await c.applyManifest('version: 1\ndevelopers:\n  - { email: ada@example.com, fullName: Ada, status: approved }\n');
    const file = await c.savePlan(
      'create.plan',
      pendingManifest('Ada').replace(
        '      - name: billing\n',
        '      - name: billing\n        credentials: [{ type: key-auth, name: prod }]\n',
      ),
    );
    await c.applyPlan(file);
    expect(await withPlanDb(c, 'select api, status from pf_registrations')).toEqual([
      { api: 'payments', status: 'pending' },
    ]);
    const credentials = await withPlanDb(c, 'select identity from pf_credentials where application_id is not null');
    expect(credentials).toEqual([{ identity: 'prod' }]);
  });

  it('refuses approving a registration the manifests declare pending', async () => {
    const c = planCase(backend.newState());
    await c.applyManifest(pendingManifest('Ada'));
    const approve: Change = {
      address: REGISTRATION,
      kind: 'registration',
      op: 'approve',
      before: { status: 'pending' },
      after: { status: 'approved' },
      action: {
        do: 'registration.transition',
        email: 'ada@example.com',
        application: 'billing',
        api: 'payments',
        from: 'pending',
        to: 'approved',
      },
    };
    await expectRefusedUnchanged(
      c,
      await forged(c, approve),
      /step 2 \(approve developer\["ada@example\.com"\]\.application\["billing"\]\.registration\["payments"\]\) is refused: the life cycle does not go from pending to approved on the way to pending; nothing was changed/,
    );
  });

  it('refuses an application the manifests do not declare', async () => {
    const c = planCase(backend.newState());
    await c.applyManifest(pendingManifest('Ada'));
    const create: Change = {
      address: 'developer["ada@example.com"].application["shadow"]',
      kind: 'application',
      op: 'create',
      before: null,
      after: { name: 'shadow' },
      action: {
        do: 'application.create',
        email: 'ada@example.com',
        application: { name: 'shadow', description: null, descriptionManaged: false },
      },
    };
    await expectRefusedUnchanged(
      c,
      await forged(c, create),
      /step 2 \(create developer\["ada@example\.com"\]\.application\["shadow"\]\) is refused: the manifests do not declare it/,
    );
  });
});

function withPlanDb(c: PlanCase, sql: string): Promise<unknown[]> {
  return withStateDb({ dir: c.dir, state: c.state } as Workspace, (q) => q(sql));
}
