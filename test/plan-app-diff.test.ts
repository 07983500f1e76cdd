// Planning of APIs, applications, their credentials and registrations (docs/applications.md), on
// hand-built desired and stored states.
import { describe, expect, it } from 'vitest';
import type { Status } from '../src/model.js';
import { credential } from './helpers/builders.js';
import {
  api,
  application,
  owner,
  planOf,
  registration,
  steps,
  storedOwner,
  storedState,
  wanted,
} from './helpers/plan-app.js';

const ADA = 'developer["ada@example.com"]';
const APP = `${ADA}.application["billing"]`;
const REG = `${APP}.registration["payments"]`;
const PAYMENTS = api('payments', { title: 'Payments' });

const ada = (status: Status, registrations: Status[] = [], extra: Parameters<typeof application>[1] = {}) =>
  owner('ada@example.com', status, [
    application('billing', {
      credentials: [credential('key-auth', 'prod', {}, { key: 'ada-prod-key-000000000000' })],
      registrations: registrations.map((s) => registration('payments', s)),
      ...extra,
    }),
  ]);

describe('creating APIs, applications, their credentials and registrations', () => {
  it('creates each as a step of its own, in the order of docs/applications.md, the registration in its declared status', () => {
    const p = planOf(wanted([ada('approved', ['approved'])], { apis: [PAYMENTS] }), storedState([]));
    expect(p.errors).toEqual([]);
    expect(steps(p.changes)).toEqual([
      'create api["payments"]',
      `create ${ADA}`,
      `create ${APP}`,
      `create ${APP}.credential["key-auth:prod"]`,
      `create ${REG}`,
    ]);
    const [apiStep, , app, key, reg] = p.changes;
    expect(apiStep!.action).toMatchObject({ do: 'api.create', api: { name: 'payments', title: 'Payments' } });
    expect(app!.action).toEqual({
      do: 'application.create',
      email: 'ada@example.com',
      application: { name: 'billing', description: 'The billing app', descriptionManaged: true },
    });
    expect(key!.action).toMatchObject({ do: 'credential.create', application: 'billing', type: 'key-auth' });
    expect(key!.after).toMatchObject({ active: true, key: '(sensitive)' });
    expect(reg!.kind).toBe('registration');
    expect(reg!.after).toEqual({ api: 'payments', status: 'approved' });
    expect(reg!.action).toEqual({
      do: 'registration.create',
      email: 'ada@example.com',
      application: 'billing',
      api: 'payments',
      status: 'approved',
    });
  });

  it("shows that an entry without a description leaves it to the developer, and a revoked developer's keys inactive", () => {
    const p = planOf(
      wanted([ada('revoked', ['approved'], { description: null })], { apis: [PAYMENTS] }),
      storedState([]),
    );
    expect(p.errors).toEqual([]); // a registration may exist while its developer is not approved
    const app = p.changes.find((c) => c.kind === 'application')!;
    expect(app.after).toEqual({ name: 'billing', description: null, descriptionManagedBy: 'developer' });
    expect(app.action).toMatchObject({ application: { descriptionManaged: false } });
    expect(p.changes.find((c) => c.kind === 'credential')!.after).toMatchObject({ active: false });
  });

  it('changes nothing when the state matches', () => {
    const d = ada('approved', ['approved']);
    expect(planOf(wanted([d], { apis: [PAYMENTS] }), storedState([storedOwner(d)], [PAYMENTS])).changes).toEqual([]);
  });
});

describe('APIs', () => {
  it('updates what changed, showing before and after', () => {
    const p = planOf(
      wanted([], { apis: [api('payments', { title: 'Payments v2', aclGroups: ['partners'] })] }),
      storedState([], [PAYMENTS]),
    );
    expect(steps(p.changes)).toEqual(['update api["payments"]']);
    expect(p.changes[0]!.action).toEqual({
      do: 'api.update',
      name: 'payments',
      set: { title: 'Payments v2', aclGroups: ['partners'] },
    });
    expect(p.changes[0]!.before).toMatchObject({ title: 'Payments', aclGroups: [] });
    expect(p.changes[0]!.after).toMatchObject({ title: 'Payments v2', aclGroups: ['partners'] });
  });

  it('deletes a dropped API after a deletion step for every registration to it, self-made ones of unread developers included', () => {
    const stay = owner('ada@example.com', 'approved', [application('billing')]);
    const stored = storedOwner(ada('approved', ['approved']));
    const s = {
      ...storedState([stored], [PAYMENTS]),
      unmanaged: [
        {
          email: 'sam@example.com',
          application: 'tool',
          api: 'payments',
          origin: 'self-service' as const,
          status: 'pending' as const,
          createdAt: '2026-01-04T00:00:00Z',
        },
      ],
    };
    const p = planOf(
      wanted([
        {
          ...stay,
          applications: [application('billing', { credentials: ada('approved').applications![0]!.credentials })],
        },
      ]),
      s,
    );
    expect(steps(p.changes)).toEqual([
      `delete ${REG}`,
      'delete developer["sam@example.com"].application["tool"].registration["payments"]',
      'delete api["payments"]',
    ]);
    expect(p.changes[1]!.before).toEqual({ api: 'payments', status: 'pending' });
  });

  it('moves an API, keeping the registrations to it', () => {
    const before = storedOwner(ada('approved', ['approved']));
    const renamed = owner('ada@example.com', 'approved', [
      application('billing', {
        credentials: ada('approved').applications![0]!.credentials,
        registrations: [registration('charges', 'approved')],
      }),
    ]);
    const p = planOf(
      wanted([renamed], {
        apis: [api('charges', { title: 'Payments' })],
        moved: [{ kind: 'api', from: 'payments', to: 'charges' }],
      }),
      storedState([before], [PAYMENTS]),
    );
    expect(p.errors).toEqual([]);
    expect(steps(p.changes)).toEqual(['move api["charges"]']);
    expect(p.changes[0]!.action).toEqual({ do: 'api.move', from: 'payments', to: 'charges' });
  });

  it('refuses to move an API onto one that exists', () => {
    const p = planOf(
      wanted([], { apis: [api('charges')], moved: [{ kind: 'api', from: 'payments', to: 'charges' }] }),
      storedState([], [PAYMENTS, api('charges')]),
    );
    expect(p.errors.map((e) => e.message)).toEqual([
      'cannot move api["payments"] to api["charges"]: both exist in the state; remove the moved entry or delete one of them',
    ]);
  });

  it('replaces an API: its registrations go with it and the declared ones are created anew', () => {
    const d = ada('approved', ['approved']);
    const p = planOf(wanted([d], { apis: [PAYMENTS] }), storedState([storedOwner(d)], [PAYMENTS]), {
      replace: ['api["payments"]'],
    });
    expect(steps(p.changes)).toEqual([
      `delete ${REG}`,
      'delete api["payments"]',
      'create api["payments"]',
      `create ${REG}`,
    ]);
    expect(p.changes[1]!.replace).toBe(true);
  });
});

describe('registrations on the life cycle', () => {
  const transition = (from: Status, to: Status) => {
    const p = planOf(
      wanted([ada('approved', [to])], { apis: [PAYMENTS] }),
      storedState([storedOwner(ada('approved', [from]))], [PAYMENTS]),
    );
    return p;
  };

  it.each([
    ['pending', 'approved', ['approve']],
    ['pending', 'rejected', ['reject']],
    ['approved', 'revoked', ['revoke']],
    ['revoked', 'approved', ['approve']],
    ['pending', 'revoked', ['approve', 'revoke']],
  ] as const)('moves %s to %s as %j, a step per edge', (from, to, ops) => {
    const p = transition(from, to);
    expect(p.errors).toEqual([]);
    expect(p.changes.map((c) => [c.op, c.address])).toEqual(ops.map((op) => [op, REG]));
    expect(p.changes.at(-1)!.action).toMatchObject({ do: 'registration.transition', to, application: 'billing' });
    expect(p.changes[0]!.before).toEqual({ status: from });
  });

  it.each([
    ['approved', 'pending', 'an approved registration cannot go back to pending; revoke it instead'],
    ['approved', 'rejected', 'an approved registration cannot be rejected; set status: revoked instead'],
    ['revoked', 'pending', 'a revoked registration cannot go back to pending'],
    ['revoked', 'rejected', 'a revoked registration cannot be rejected'],
    ['rejected', 'approved', 'a rejected registration cannot change status; it comes back only by deleting it'],
    ['rejected', 'pending', 'drop it from the manifest, name it in a removed entry, or --replace its address'],
    ['rejected', 'revoked', 'a rejected registration cannot change status'],
  ] as const)('refuses %s to %s, saying why and what to do', (from, to, advice) => {
    const p = transition(from, to);
    expect(p.changes).toEqual([]);
    expect(p.errors).toHaveLength(1);
    expect(p.errors[0]!.message).toContain(`${REG}: `);
    expect(p.errors[0]!.message).toContain(advice);
    expect(p.errors[0]!.location).toEqual({ file: 'test.yaml', line: 1, column: 1 });
  });

  it('brings a rejected registration back with --replace: deleted, then created in its declared status', () => {
    const p = planOf(
      wanted([ada('approved', ['approved'])], { apis: [PAYMENTS] }),
      storedState([storedOwner(ada('approved', ['rejected']))], [PAYMENTS]),
      { replace: [REG] },
    );
    expect(p.errors).toEqual([]);
    expect(p.changes.map((c) => [c.op, c.address, c.replace])).toEqual([
      ['delete', REG, true],
      ['create', REG, true],
    ]);
  });

  it('deletes a managed registration the manifests drop, a rejected one included', () => {
    const p = planOf(
      wanted([ada('approved', [])], { apis: [PAYMENTS] }),
      storedState([storedOwner(ada('approved', ['rejected']))], [PAYMENTS]),
    );
    expect(steps(p.changes)).toEqual([`delete ${REG}`]);
    expect(p.changes[0]!.before).toEqual({ api: 'payments', status: 'rejected' });
  });

  it('adopts a self-made registration the manifests declare, then moves its status', () => {
    const d = ada('approved', ['approved']);
    const s = storedOwner(ada('approved', ['pending']));
    s.applications![0]!.registrations[0]!.origin = 'self-service';
    const p = planOf(wanted([d], { apis: [PAYMENTS] }), storedState([s], [PAYMENTS]));
    expect(p.changes.map((c) => [c.op, c.address])).toEqual([
      ['update', REG],
      ['approve', REG],
    ]);
    expect(p.changes[0]!.action).toMatchObject({ do: 'registration.update', adopt: true });
    expect(p.changes[0]!.after).toEqual({ origin: 'manifest' });
  });
});

describe('applications', () => {
  it('updates the description, and shows descriptionManagedBy when an entry leaves it to the developer', () => {
    const current = storedOwner(ada('approved'));
    const p = planOf(wanted([ada('approved', [], { description: 'New words' })]), storedState([current]));
    expect(p.changes.map((c) => [c.op, c.address, c.action])).toEqual([
      [
        'update',
        APP,
        { do: 'application.update', email: 'ada@example.com', name: 'billing', set: { description: 'New words' } },
      ],
    ]);
    const left = planOf(wanted([ada('approved', [], { description: null })]), storedState([current]));
    expect(left.changes[0]!.action).toMatchObject({ set: { descriptionManaged: false } });
    expect(left.changes[0]!.before).toMatchObject({
      descriptionManagedBy: 'manifests',
      description: 'The billing app',
    });
    expect(left.changes[0]!.after).toMatchObject({ descriptionManagedBy: 'developer', description: 'The billing app' });
  });

  it('adopts a self-made application the manifests declare, with its credential and registration', () => {
    const s = storedOwner(ada('approved', ['approved']), 'manifest', 'self-service');
    const p = planOf(wanted([ada('approved', ['approved'])], { apis: [PAYMENTS] }), storedState([s], [PAYMENTS]));
    expect(p.changes.map((c) => [c.op, c.address])).toEqual([
      ['update', APP],
      ['update', `${APP}.credential["key-auth:prod"]`],
      ['update', REG],
    ]);
    expect(p.changes[0]!.action).toMatchObject({ set: { adopt: true, descriptionManaged: true } });
    expect(p.changes[0]!.before).toMatchObject({ origin: 'self-service', descriptionManagedBy: 'developer' });
    expect(p.changes[0]!.after).toMatchObject({ origin: 'manifest', descriptionManagedBy: 'manifests' });
    expect(p.changes[1]!.action).toMatchObject({ do: 'credential.update', application: 'billing', adopt: true });
  });

  it('leaves a self-made application the manifests do not declare as it is', () => {
    const s = storedOwner(ada('approved', ['pending']), 'manifest', 'self-service');
    const p = planOf(
      wanted([owner('ada@example.com', 'approved', [])], { apis: [PAYMENTS] }),
      storedState([s], [PAYMENTS]),
    );
    expect(p.changes).toEqual([]);
  });

  it('deletes a dropped application after each of its credentials and registrations, deletions as steps of their own', () => {
    const s = storedOwner(ada('approved', ['approved']));
    const p = planOf(
      wanted([owner('ada@example.com', 'approved', [])], { apis: [PAYMENTS] }),
      storedState([s], [PAYMENTS]),
    );
    expect(steps(p.changes)).toEqual([`delete ${APP}.credential["key-auth:prod"]`, `delete ${REG}`, `delete ${APP}`]);
    expect(p.changes[0]!.action).toMatchObject({ do: 'credential.delete', application: 'billing' });
    expect(p.changes[2]!.action).toEqual({ do: 'application.delete', email: 'ada@example.com', name: 'billing' });
  });

  it('deletes a dropped developer after its own credentials, its applications and all they hold', () => {
    const d = ada('approved', ['approved']);
    const s = storedOwner({ ...d, credentials: [credential('acl', 'gold')] });
    const p = planOf(wanted([], { apis: [PAYMENTS] }), storedState([s], [PAYMENTS]));
    expect(steps(p.changes)).toEqual([
      `delete ${ADA}.credential["acl:gold"]`,
      `delete ${APP}.credential["key-auth:prod"]`,
      `delete ${REG}`,
      `delete ${APP}`,
      `delete ${ADA}`,
    ]);
  });

  it("flips an application's credentials with its developer's transition, shown right after it", () => {
    const s = storedOwner({ ...ada('approved', ['approved']), credentials: [credential('acl', 'gold')] });
    const d = { ...ada('revoked', ['approved']), credentials: [credential('acl', 'gold')] };
    const p = planOf(wanted([d], { apis: [PAYMENTS] }), storedState([s], [PAYMENTS]));
    expect(p.changes.map((c) => [c.op, c.address, c.after])).toEqual([
      ['revoke', ADA, { status: 'revoked' }],
      ['update', `${ADA}.credential["acl:gold"]`, { active: false }],
      ['update', `${APP}.credential["key-auth:prod"]`, { active: false }],
    ]);
    expect(p.changes[2]!.action).toMatchObject({ do: 'credential.activation', application: 'billing', active: false });
  });

  it('moves an application, keeping its credentials and registrations', () => {
    const s = storedOwner(ada('approved', ['approved']));
    const moved = owner('ada@example.com', 'approved', [
      { ...ada('approved', ['approved']).applications![0]!, name: 'invoices' },
    ]);
    const p = planOf(
      wanted([moved], {
        apis: [PAYMENTS],
        moved: [{ kind: 'application', email: 'ada@example.com', from: 'billing', to: 'invoices' }],
      }),
      storedState([s], [PAYMENTS]),
    );
    expect(p.errors).toEqual([]);
    expect(steps(p.changes)).toEqual([`move ${ADA}.application["invoices"]`]);
    expect(p.changes[0]!.action).toEqual({
      do: 'application.move',
      email: 'ada@example.com',
      from: 'billing',
      to: 'invoices',
    });
  });

  it('refuses to move an application onto one that exists, as a developer move is refused', () => {
    const s = storedOwner(owner('ada@example.com', 'approved', [application('billing'), application('invoices')]));
    const p = planOf(
      wanted([owner('ada@example.com', 'approved', [application('invoices')])], {
        moved: [{ kind: 'application', email: 'ada@example.com', from: 'billing', to: 'invoices' }],
      }),
      storedState([s]),
    );
    expect(p.errors.map((e) => e.message)).toEqual([
      `cannot move ${APP} to ${ADA}.application["invoices"]: both exist in the state; remove the moved entry or delete one of them`,
    ]);
  });

  it('replaces an application with --replace, and an application credential alone', () => {
    const d = ada('approved', ['approved']);
    const s = storedState([storedOwner(d)], [PAYMENTS]);
    const all = planOf(wanted([d], { apis: [PAYMENTS] }), s, { replace: [APP] });
    expect(steps(all.changes)).toEqual([
      `delete ${APP}.credential["key-auth:prod"]`,
      `delete ${REG}`,
      `delete ${APP}`,
      `create ${APP}`,
      `create ${APP}.credential["key-auth:prod"]`,
      `create ${REG}`,
    ]);
    const one = planOf(wanted([d], { apis: [PAYMENTS] }), s, { replace: [`${APP}.credential["key-auth:prod"]`] });
    expect(one.changes.map((c) => [c.op, c.address, c.replace])).toEqual([
      ['delete', `${APP}.credential["key-auth:prod"]`, true],
      ['create', `${APP}.credential["key-auth:prod"]`, true],
    ]);
  });

  it("rotates an application credential's generated secret, and refuses to rotate a self-made one", () => {
    const declared = owner('ada@example.com', 'approved', [
      application('billing', { credentials: [credential('key-auth', 'gen')] }),
    ]);
    const s = storedState([storedOwner(declared)]);
    const address = `${APP}.credential["key-auth:gen"]`;
    const p = planOf(wanted([declared]), s, { rotate: [address] });
    expect(p.changes.map((c) => [c.op, c.address, c.action])).toEqual([
      [
        'update',
        address,
        {
          do: 'credential.update',
          email: 'ada@example.com',
          application: 'billing',
          type: 'key-auth',
          identity: 'gen',
          secrets: { key: { mode: 'generate' } },
        },
      ],
    ]);
    const selfMade = storedOwner(declared, 'manifest', 'self-service');
    const refused = planOf(wanted([owner('ada@example.com', 'approved', [])]), storedState([selfMade]), {
      rotate: [address],
    });
    expect(refused.errors.map((e) => e.message)).toEqual([
      `${address}: --rotate gives new values to the generated secrets of credentials the manifests declare; its developer made it in the portal, so only they can rotate it there`,
    ]);
  });
});
