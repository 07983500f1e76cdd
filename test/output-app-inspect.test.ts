// state list / state show, export (manifest) and requests over APIs, applications and registrations
// (docs/applications.md), from states built by hand as the store reads them.
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { managedOnly } from '../src/export/index.js';
import { exportManifest } from '../src/export/manifest.js';
import { filterListing, findStateObject, listing } from '../src/inspect.js';
import { renderStateObjectText } from '../src/render/state-listing.js';
import { mergedEntries, registrationApprovalEntry, registrationRequestsOf } from '../src/requests.js';
import type { StateSnapshot, StoredApplication, StoredDeveloper } from '../src/store/types.js';
import { credential, developer, state, stored } from './helpers/builders.js';

function application(
  owner: StoredDeveloper,
  name: string,
  extra: Partial<StoredApplication> & { keys?: string[]; apis?: Record<string, string> } = {},
): StoredApplication {
  const { keys = [], apis = {}, ...rest } = extra;
  const id = `${owner.id}-${name}`;
  const twin = stored(
    developer(owner.email, owner.status, { credentials: keys.map((k) => credential('key-auth', k)) }),
  );
  return {
    id,
    developerId: owner.id,
    name,
    description: null,
    descriptionManaged: false,
    origin: 'manifest',
    createdAt: '2026-02-01T00:00:00.000Z',
    credentials: twin.credentials.map((c) => ({ ...c, developerId: owner.id, applicationId: id })),
    registrations: Object.entries(apis).map(([api, status], i) => ({
      id: `${id}-r${i}`,
      applicationId: id,
      api,
      status: status as 'approved',
      origin: 'manifest' as const,
      createdAt: `2026-02-0${i + 2}T00:00:00.000Z`,
    })),
    ...rest,
  };
}

const PAYMENTS = {
  name: 'payments',
  title: 'Payments API',
  description: 'Charge cards.',
  autoApproveRegistrations: true,
  aclGroups: ['partners'],
  createdAt: '2026-01-01T00:00:00.000Z',
};
const MAPS = {
  name: 'maps',
  title: null,
  description: null,
  autoApproveRegistrations: null,
  aclGroups: [],
  createdAt: 'x',
};

/** ada (managed) with a managed billing application and a self-made sandbox one holding a pending request; zoe self-made. */
function fixture(): StateSnapshot {
  const ada = stored(developer('ada@example.com', 'approved', { credentials: [credential('acl', 'partners')] }));
  ada.applications = [
    application(ada, 'billing', {
      description: 'Billing service',
      descriptionManaged: true,
      keys: ['prod'],
      apis: { payments: 'approved' },
    }),
    {
      ...application(ada, 'sandbox', { description: 'my sandbox', keys: ['dev'] }),
      origin: 'self-service',
      registrations: [
        {
          id: 's1',
          applicationId: 'x',
          api: 'maps',
          status: 'pending',
          origin: 'self-service',
          createdAt: '2026-03-01T00:00:00.000Z',
        },
      ],
    },
  ];
  ada.applications[1]!.credentials[0]!.origin = 'self-service';
  const zoe = stored(developer('zoe@example.com', 'approved'), 'self-service');
  zoe.applications = [
    {
      ...application(zoe, 'shop', { description: 'Shop' }),
      origin: 'self-service',
      registrations: [
        {
          id: 'z1',
          applicationId: 'y',
          api: 'payments',
          status: 'pending',
          origin: 'self-service',
          createdAt: '2026-02-15T00:00:00.000Z',
        },
      ],
    },
  ];
  return { ...state([ada, zoe]), apis: [PAYMENTS, MAPS] };
}

describe('state list --json', () => {
  it('has the documented shape: APIs without origin, each developer’s own credentials and its applications', () => {
    const listed = listing(fixture());
    expect(Object.keys(listed)).toEqual(['lineage', 'serial', 'apis', 'developers']);
    expect(listed.apis[0]).toEqual({
      name: 'payments',
      title: 'Payments API',
      description: 'Charge cards.',
      autoApproveRegistrations: true,
      aclGroups: ['partners'],
    });
    expect(listed.apis[1]).toEqual({
      name: 'maps',
      title: null,
      description: null,
      autoApproveRegistrations: null,
      aclGroups: [],
    });
    const ada = listed.developers[0]!;
    expect(ada.credentials).toEqual([{ type: 'acl', group: 'partners', active: true, origin: 'manifest' }]);
    expect(ada.applications[0]).toEqual({
      name: 'billing',
      description: 'Billing service',
      origin: 'manifest',
      createdAt: '2026-02-01T00:00:00.000Z',
      credentials: [{ type: 'key-auth', name: 'prod', key: '(sensitive)', active: true, origin: 'manifest' }],
      registrations: [
        { api: 'payments', status: 'approved', origin: 'manifest', createdAt: '2026-02-02T00:00:00.000Z' },
      ],
    });
    expect(JSON.stringify(listed)).not.toContain('digest');
  });

  it('filters by an application’s or a registration’s address prefix', () => {
    const all = listing(fixture());
    const one = filterListing(all, { prefix: 'developer["ada@example.com"].application["sandbox"]' });
    expect(one.apis).toEqual([]);
    expect(one.developers.map((d) => [d.email, d.credentials.length, d.applications.map((a) => a.name)])).toEqual([
      ['ada@example.com', 0, ['sandbox']],
    ]);
    const registration = filterListing(all, {
      prefix: 'developer["zoe@example.com"].application["shop"].registration["pay',
    });
    expect(registration.developers[0]!.applications[0]!.registrations.map((r) => r.api)).toEqual(['payments']);
    expect(filterListing(all, { prefix: 'api["pay' }).apis.map((a) => a.name)).toEqual(['payments']);
  });
});

describe('state show', () => {
  const all = listing(fixture());

  it('shows an API, an application, an application’s credential and a registration, with canonical emails', () => {
    expect(findStateObject(all, 'api["payments"]')).toMatchObject({
      address: 'api["payments"]',
      kind: 'api',
      aclGroups: ['partners'],
    });
    const app = findStateObject(all, 'developer["ADA@Example.com"].application["billing"]');
    expect(app).toMatchObject({
      address: 'developer["ada@example.com"].application["billing"]',
      kind: 'application',
      developer: 'ada@example.com',
      description: 'Billing service',
    });
    expect(
      findStateObject(all, 'developer["ada@example.com"].application["billing"].credential["key-auth:prod"]'),
    ).toMatchObject({
      kind: 'credential',
      developer: 'ada@example.com',
      application: 'billing',
      key: '(sensitive)',
    });
    expect(
      findStateObject(all, 'developer["ada@example.com"].application["billing"].registration["payments"]'),
    ).toEqual({
      address: 'developer["ada@example.com"].application["billing"].registration["payments"]',
      kind: 'registration',
      developer: 'ada@example.com',
      application: 'billing',
      api: 'payments',
      status: 'approved',
      origin: 'manifest',
      createdAt: '2026-02-02T00:00:00.000Z',
    });
    const lines = [...renderStateObjectText(app, false)];
    expect(lines).toContain('application "billing" {');
    expect(lines).toContain('    credential "key-auth:prod" {');
    expect(lines).toContain('    registration "payments" {');
    expect(lines).toContain('        status    = "approved"');
  });

  it('says what is missing and where to look', () => {
    expect(() => findStateObject(all, 'api["nope"]')).toThrow(
      'api["nope"] is not in the state; run portalform state list',
    );
    expect(() => findStateObject(all, 'developer["ada@example.com"].application["nope"]')).toThrow(
      `run portalform state list "developer[\\"ada@example.com\\"]" to see the developer's applications`,
    );
    expect(() =>
      findStateObject(all, 'developer["ada@example.com"].application["billing"].registration["maps"]'),
    ).toThrow("to see the application's registrations");
    expect(() => findStateObject(all, 'application["billing"]')).toThrow(/expected/);
  });
});

describe('export --format manifest', () => {
  it('writes the APIs and the managed applications with credentials and registrations, descriptions only where managed', () => {
    const exported = parse(exportManifest(managedOnly(fixture())));
    expect(exported.apis).toEqual([
      { name: 'maps' },
      {
        name: 'payments',
        title: 'Payments API',
        description: 'Charge cards.',
        autoApproveRegistrations: true,
        aclGroups: ['partners'],
      },
    ]);
    expect(exported.developers).toEqual([
      {
        email: 'ada@example.com',
        fullName: 'Test Developer',
        status: 'approved',
        credentials: [{ type: 'acl', group: 'partners' }],
        applications: [
          {
            name: 'billing',
            description: 'Billing service',
            credentials: [{ type: 'key-auth', name: 'prod' }],
            registrations: [{ api: 'payments', status: 'approved' }],
          },
        ],
      },
    ]);
  });

  it('with --include-unmanaged adds the self-made applications, registrations and credentials, marked, without their descriptions', () => {
    const text = exportManifest(fixture());
    const exported = parse(text);
    expect(exported.developers[0].applications[1]).toEqual({
      name: 'sandbox',
      credentials: [{ type: 'key-auth', name: 'dev' }],
      registrations: [{ api: 'maps', status: 'pending' }],
    });
    expect(exported.developers[1].applications).toEqual([
      { name: 'shop', registrations: [{ api: 'payments', status: 'pending' }] },
    ]);
    expect(text).toContain(
      '# origin: self-service. This application was not created by portalform; applying this manifest adopts it.',
    );
    expect(text).toContain(
      '# origin: self-service. This registration was not created by portalform; applying this manifest adopts it.',
    );
  });
});

describe('requests', () => {
  it('lists the pending registration requests the manifests do not declare, oldest first, each with its entry', () => {
    // The unmanaged rows the store reads for fixture(): zoe, her shop and its request; ada's sandbox and its request.
    const found = registrationRequestsOf([
      {
        email: 'zoe@example.com',
        origin: 'self-service',
        status: 'approved',
        emailVerified: true,
        createdAt: '2026-01-01',
      },
      { email: 'zoe@example.com', application: 'shop', origin: 'self-service', createdAt: '2026-02-01' },
      { email: 'ada@example.com', application: 'sandbox', origin: 'self-service', createdAt: '2026-02-01' },
      {
        email: 'ada@example.com',
        application: 'sandbox',
        type: 'key-auth',
        identity: 'dev',
        origin: 'self-service',
        createdAt: '2026-02-01',
      },
      {
        email: 'zoe@example.com',
        application: 'shop',
        api: 'maps',
        origin: 'self-service',
        status: 'approved',
        createdAt: '2026-02-10T00:00:00.000Z',
      },
      {
        email: 'ada@example.com',
        application: 'sandbox',
        api: 'maps',
        origin: 'self-service',
        status: 'pending',
        createdAt: '2026-03-01T00:00:00.000Z',
      },
      {
        email: 'zoe@example.com',
        application: 'shop',
        api: 'payments',
        origin: 'self-service',
        status: 'pending',
        createdAt: '2026-02-15T00:00:00.000Z',
      },
    ]);
    expect(found.map((r) => [r.email, r.application, r.api, r.createdAt])).toEqual([
      ['zoe@example.com', 'shop', 'payments', '2026-02-15T00:00:00.000Z'],
      ['ada@example.com', 'sandbox', 'maps', '2026-03-01T00:00:00.000Z'],
    ]);
    // zoe is not declared: her entry approves her too; ada is: hers carries no status.
    expect(parse(found[0]!.manifest)).toEqual([
      {
        email: 'zoe@example.com',
        status: 'approved',
        applications: [{ name: 'shop', registrations: [{ api: 'payments', status: 'approved' }] }],
      },
    ]);
    expect(parse(found[1]!.manifest)).toEqual([
      {
        email: 'ada@example.com',
        applications: [{ name: 'sandbox', registrations: [{ api: 'maps', status: 'approved' }] }],
      },
    ]);
  });

  it('merges a developer’s requests into one entry, sign-ups first, with a merge comment for a declared developer', () => {
    const registrations = [
      { email: 'ada@example.com', application: 'billing', api: 'maps', createdAt: '1', manifest: '' },
      { email: 'sam@example.com', application: 'app', api: 'maps', createdAt: '2', manifest: '' },
      { email: 'ada@example.com', application: 'billing', api: 'payments', createdAt: '3', manifest: '' },
      { email: 'ada@example.com', application: 'shop', api: 'payments', createdAt: '4', manifest: '' },
    ];
    const requests = [{ email: 'sam@example.com', fullName: 'Sam', emailVerified: true, createdAt: '0', manifest: '' }];
    const entries = mergedEntries({ requests, registrations, declared: new Set(['ada@example.com']) });
    expect(entries).toHaveLength(2);
    expect(parse(entries[0]!)).toEqual([
      {
        email: 'sam@example.com',
        status: 'approved',
        applications: [{ name: 'app', registrations: [{ api: 'maps', status: 'approved' }] }],
      },
    ]);
    expect(entries[1]!.split('\n')[0]).toBe(
      `# "ada@example.com" is already declared in the manifests: merge this entry's applications into that developer's entry`,
    );
    expect(parse(entries[1]!)).toEqual([
      {
        email: 'ada@example.com',
        applications: [
          {
            name: 'billing',
            registrations: [
              { api: 'maps', status: 'approved' },
              { api: 'payments', status: 'approved' },
            ],
          },
          { name: 'shop', registrations: [{ api: 'payments', status: 'approved' }] },
        ],
      },
    ]);
    // A sign-up with no registration request: the entry that approves the sign-up alone.
    expect(parse(registrationApprovalEntry('new@example.com', [], { declared: false }))).toEqual([
      { email: 'new@example.com', status: 'approved' },
    ]);
  });
});
