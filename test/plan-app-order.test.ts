// Ordering with unique values across owners, the touches of a saved plan, the unmanaged listing,
// the read scope and sync digests, --target and the display check of the new steps (docs/applications.md).
import { describe, expect, it } from 'vitest';
import { developerDigest } from '../src/plan/digest.js';
import { checkShownMatchesSteps } from '../src/plan/planfile.js';
import { touchesOf } from '../src/plan/saved.js';
import { PlanScope } from '../src/plan/scope.js';
import { targetedBy, unknownAddresses } from '../src/plan/target.js';
import { summarize, type Plan } from '../src/plan/types.js';
import { unmanagedObjects } from '../src/plan/unmanaged.js';
import type { StoredIndex, UnmanagedRow } from '../src/store/types.js';
import { credential, developer, vault } from './helpers/builders.js';
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
const BOB = 'developer["bob@example.com"]';
const APP = `${ADA}.application["billing"]`;
const REG = `${APP}.registration["payments"]`;
const PAYMENTS = api('payments');
const key = (identity: string, value: string) => credential('key-auth', identity, {}, { key: value });
const user = (identity: string, username: string) =>
  credential('basic-auth', identity, { username }, { password: 'pw-000000000000' });

describe('unique values moving between a developer and an application', () => {
  it("frees a developer's own key before another developer's application takes it", () => {
    const adaBefore = developer('ada@example.com', 'approved', { credentials: [key('own', 'key-one-000000000000')] });
    const p = planOf(
      wanted([
        owner('bob@example.com', 'approved', [
          application('tool', { credentials: [key('app', 'key-one-000000000000')] }),
        ]),
        developer('ada@example.com', 'approved', { credentials: [key('own', 'key-two-000000000000')] }),
      ]),
      storedState([storedOwner(adaBefore)]),
    );
    expect(p.errors).toEqual([]);
    expect(steps(p.changes)).toEqual([
      `create ${BOB}`,
      `create ${BOB}.application["tool"]`,
      `update ${ADA}.credential["key-auth:own"]`,
      `create ${BOB}.application["tool"].credential["key-auth:app"]`,
    ]);
  });

  it("breaks a swap between an application's credential and a developer's own with a clearing update", () => {
    const bobBefore = owner('bob@example.com', 'approved', [
      application('tool', { credentials: [user('app', 'first')] }),
    ]);
    const adaBefore = developer('ada@example.com', 'approved', { credentials: [user('own', 'second')] });
    const p = planOf(
      wanted([
        owner('bob@example.com', 'approved', [application('tool', { credentials: [user('app', 'second')] })]),
        developer('ada@example.com', 'approved', { credentials: [user('own', 'first')] }),
      ]),
      storedState([storedOwner(bobBefore), storedOwner(adaBefore)]),
    );
    expect(p.errors).toEqual([]);
    const app = `${BOB}.application["tool"].credential["basic-auth:app"]`;
    expect(steps(p.changes)).toEqual([`update ${app}`, `update ${ADA}.credential["basic-auth:own"]`, `update ${app}`]);
    expect(p.changes[0]!.action).toMatchObject({ application: 'tool', clearUnique: true });
  });

  it('names an unmanaged application credential that holds a value the manifests take', () => {
    const sam = storedOwner(
      owner('sam@example.com', 'approved', [application('tool', { credentials: [user('app', 'shared')] })]),
      'self-service',
    );
    const p = planOf(
      wanted([developer('ada@example.com', 'approved', { credentials: [user('own', 'shared')] })]),
      storedState([sam]),
    );
    expect(p.errors.map((e) => e.message)).toEqual([
      `${ADA}.credential["basic-auth:own"] takes a unique basic-auth username "shared" that developer["sam@example.com"].application["tool"].credential["basic-auth:app"] holds, and the manifests do not manage developer["sam@example.com"].application["tool"].credential["basic-auth:app"]: declare it in a manifest to adopt it, or choose another value`,
    ]);
  });
});

describe('what a saved plan touches', () => {
  it('records the versions of the applications, their credentials and registrations of each developer it changes, and no one else’s', () => {
    const adaWanted = owner('ada@example.com', 'approved', [
      application('billing', {
        credentials: [key('prod', 'ada-key-000000000000')],
        registrations: [registration('payments', 'approved')],
      }),
    ]);
    const adaStored = storedOwner(
      owner('ada@example.com', 'approved', [
        application('billing', {
          credentials: [key('prod', 'ada-key-000000000000')],
          registrations: [registration('payments', 'pending')],
        }),
      ]),
    );
    const bob = storedOwner(
      owner('bob@example.com', 'approved', [
        application('tool', { registrations: [registration('payments', 'pending')] }),
      ]),
    );
    const s = storedState([adaStored, bob], [PAYMENTS]);
    const p = planOf(
      wanted(
        [
          adaWanted,
          owner('bob@example.com', 'approved', [
            application('tool', { registrations: [registration('payments', 'pending')] }),
          ]),
        ],
        { apis: [PAYMENTS] },
      ),
      s,
    );
    expect(steps(p.changes)).toEqual([`approve ${REG}`]);
    expect(touchesOf(p.changes, s)).toEqual({
      developers: { [ADA]: 3 },
      credentials: { [`${APP}.credential["key-auth:prod"]`]: 2 },
      applications: { [APP]: 5 },
      registrations: { [REG]: 4 },
    });
  });
});

describe('the unmanaged listing', () => {
  const rows: UnmanagedRow[] = [
    { email: 'sam@example.com', origin: 'self-service', status: 'approved', createdAt: '2026-01-01T00:00:00Z' },
    { email: 'sam@example.com', application: 'tool', origin: 'self-service', createdAt: '2026-01-02T00:00:00Z' },
    {
      email: 'sam@example.com',
      application: 'tool',
      type: 'key-auth',
      identity: 'k',
      origin: 'self-service',
      createdAt: '2026-01-03T00:00:00Z',
    },
    {
      email: 'sam@example.com',
      application: 'tool',
      api: 'payments',
      origin: 'self-service',
      status: 'pending',
      createdAt: '2026-01-04T00:00:00Z',
    },
    {
      email: 'new@example.com',
      origin: 'self-service',
      status: 'pending',
      emailVerified: true,
      createdAt: '2026-01-05T00:00:00Z',
    },
    { email: 'ada@example.com', application: 'old', origin: 'self-service', createdAt: '2026-01-06T00:00:00Z' },
    {
      email: 'ada@example.com',
      application: 'old',
      api: 'payments',
      origin: 'self-service',
      status: 'pending',
      createdAt: '2026-01-07T00:00:00Z',
    },
  ];
  const SAM_APP = 'developer["sam@example.com"].application["tool"]';

  it('lists applications and registrations, pending registration requests right after pending sign-ups', () => {
    const objects = unmanagedObjects({ ...storedState([]), unmanaged: rows }, []);
    expect(objects.map((o) => [o.address, o.kind, o.status])).toEqual([
      ['developer["new@example.com"]', 'developer', 'pending'],
      [`${SAM_APP}.registration["payments"]`, 'registration', 'pending'],
      [`${ADA}.application["old"].registration["payments"]`, 'registration', 'pending'],
      ['developer["sam@example.com"]', 'developer', 'approved'],
      [SAM_APP, 'application', undefined],
      [`${SAM_APP}.credential["key-auth:k"]`, 'credential', undefined],
      [`${ADA}.application["old"]`, 'application', undefined],
    ]);
  });

  it('leaves out what the plan deletes with an application or adopts', () => {
    const s = { ...storedState([]), unmanaged: rows };
    const changes = planOf(
      wanted([], { removed: [{ developer: 'ada@example.com', application: 'old', keep: false }] }),
      storedState(
        [
          storedOwner(
            owner('ada@example.com', 'approved', [
              application('old', { registrations: [registration('payments', 'pending')] }),
            ]),
            'manifest',
            'self-service',
          ),
        ],
        [PAYMENTS],
      ),
    ).changes;
    expect(steps(changes)).toContain(`delete ${ADA}.application["old"]`);
    const left = unmanagedObjects(s, changes).map((o) => o.address);
    expect(left).not.toContain(`${ADA}.application["old"]`);
    expect(left).not.toContain(`${ADA}.application["old"].registration["payments"]`);
    expect(left).toContain(SAM_APP);
  });
});

describe('which developers a plan reads', () => {
  const withApps = (description: string) =>
    owner('ada@example.com', 'approved', [
      application('billing', { description, credentials: [key('prod', 'secret-key-000000000000')] }),
    ]);

  it('takes a developer as in sync only when its digest covers its applications', () => {
    const a = developerDigest(withApps('one'), vault);
    expect(developerDigest(withApps('two'), vault)).not.toBe(a);
    expect(developerDigest(owner('ada@example.com', 'approved', []), vault)).not.toBe(a);
    const otherSecret = owner('ada@example.com', 'approved', [
      application('billing', { description: 'one', credentials: [key('prod', 'other-key-000000000000')] }),
    ]);
    expect(developerDigest(otherSecret, vault)).not.toBe(a);
    const index: StoredIndex = new Map([['ada@example.com', { digest: a, origin: 'manifest' }]]);
    expect(new PlanScope(wanted([withApps('one')]), []).select(index, vault).inSync.has('ada@example.com')).toBe(true);
    const changed = new PlanScope(wanted([withApps('two')]), []).select(index, vault);
    expect([...changed.read]).toEqual(['ada@example.com']);
    expect(changed.claims.unique).toEqual([
      { type: 'key-auth', value: vault.digest('key-auth', 'key', 'secret-key-000000000000') },
    ]);
  });

  it("reads the owner of a moved application, the owner named by an application's address, and for an API's the developers registering to it", () => {
    const registering = owner('bob@example.com', 'approved', [
      application('tool', { registrations: [registration('payments', 'approved')] }),
    ]);
    const d = wanted([withApps('one'), registering], {
      moved: [{ kind: 'application', email: 'ada@example.com', from: 'x', to: 'billing' }],
    });
    const index: StoredIndex = new Map([
      ['ada@example.com', { digest: developerDigest(withApps('one'), vault), origin: 'manifest' }],
      ['bob@example.com', { digest: developerDigest(registering, vault), origin: 'manifest' }],
    ]);
    expect([...new PlanScope(d, []).select(index, vault).read]).toEqual(['ada@example.com']);
    expect([
      ...new PlanScope(wanted([withApps('one'), registering]), ['api["payments"]']).select(index, vault).read,
    ]).toEqual(['bob@example.com']);
    expect([...new PlanScope(wanted([withApps('one'), registering]), [REG]).select(index, vault).read]).toEqual([
      'ada@example.com',
    ]);
  });
});

describe('--target on the new addresses', () => {
  const d = wanted(
    [
      owner('ada@example.com', 'approved', [
        application('billing', {
          credentials: [key('prod', 'k-000000000000000000')],
          registrations: [registration('payments', 'approved')],
        }),
        application('other', { registrations: [registration('payments', 'pending')] }),
      ]),
    ],
    { apis: [PAYMENTS] },
  );
  const changes = planOf(d, storedState([])).changes;

  it('keeps a registration with what it needs first: its API, developer and application', () => {
    expect(steps(changes.filter(targetedBy([REG])))).toEqual([
      'create api["payments"]',
      `create ${ADA}`,
      `create ${APP}`,
      `create ${REG}`,
    ]);
  });

  it('keeps an application with all it holds, and an API alone', () => {
    expect(steps(changes.filter(targetedBy([APP])))).toEqual([
      `create ${ADA}`,
      `create ${APP}`,
      `create ${APP}.credential["key-auth:prod"]`,
      `create ${REG}`,
    ]);
    expect(steps(changes.filter(targetedBy(['api["payments"]'])))).toEqual(['create api["payments"]']);
  });

  it('keeps the deletions of the registrations to a targeted API', () => {
    const s = storedState([storedOwner(d.developers[0]!)], [PAYMENTS]);
    const dropped = planOf(wanted(d.developers.map((x) => ({ ...x, applications: [] }))), s).changes;
    expect(steps(dropped.filter(targetedBy(['api["payments"]'])))).toEqual([
      `delete ${REG}`,
      `delete ${ADA}.application["other"].registration["payments"]`,
      'delete api["payments"]',
    ]);
  });

  it('knows the new addresses from the manifests and the state, and refuses the unknown', () => {
    const known = [REG, APP, `${APP}.credential["key-auth:prod"]`, 'api["payments"]'];
    expect(unknownAddresses(d, storedState([]), known)).toEqual([]);
    const rows: UnmanagedRow[] = [
      {
        email: 'sam@example.com',
        application: 'tool',
        api: 'payments',
        origin: 'self-service',
        status: 'pending',
        createdAt: 'x',
      },
    ];
    expect(
      unknownAddresses(d, { ...storedState([]), unmanaged: rows }, [
        'developer["sam@example.com"].application["tool"].registration["payments"]',
      ]),
    ).toEqual([]);
    expect(unknownAddresses(d, storedState([]), ['api["nope"]']).map((e) => e.message)).toEqual([
      'api["nope"] is neither in the manifests nor in the state',
    ]);
  });
});

describe('a saved plan of the new steps', () => {
  it('passes the check that what it shows is what its actions do, and fails when edited', () => {
    const s = storedState(
      [
        storedOwner(
          owner('bob@example.com', 'approved', [
            application('tool', { registrations: [registration('payments', 'pending')] }),
          ]),
        ),
      ],
      [PAYMENTS, api('old')],
    );
    const d = wanted(
      [
        owner('ada@example.com', 'approved', [
          application('billing', {
            credentials: [key('prod', 'k-000000000000000000')],
            registrations: [registration('payments', 'revoked')],
          }),
        ]),
        owner('bob@example.com', 'approved', [
          application('renamed', { registrations: [registration('payments', 'approved')] }),
        ]),
      ],
      {
        apis: [api('payments', { title: 'New' })],
        moved: [{ kind: 'application', email: 'bob@example.com', from: 'tool', to: 'renamed' }],
      },
    );
    const changes = planOf(d, s).changes;
    expect(new Set(changes.map((c) => c.action.do))).toEqual(
      new Set([
        'api.delete',
        'api.update',
        'application.move',
        'application.update',
        'developer.create',
        'application.create',
        'credential.create',
        'registration.create',
        'registration.transition',
      ]),
    );
    const plan = { changes, summary: summarize(changes) } as Plan;
    expect(() => checkShownMatchesSteps(plan)).not.toThrow();
    const edited = structuredClone(plan);
    const step = edited.changes.find((c) => c.action.do === 'registration.transition')!;
    step.address = step.address.replace('renamed', 'other');
    expect(() => checkShownMatchesSteps(edited)).toThrow(/shows approve .*other.* but its action does something else/);
  });
});
