// Renderings of APIs, applications and registrations (docs/applications.md) in every plan format, from plans
// built by hand as the planner builds them: names, before/after, descriptionManagedBy, cascades
// called out step by step, and registration requests right after sign-ups.
import { describe, expect, it } from 'vitest';
import { renderPlanDiff } from '../src/render/diff.js';
import { renderPlanHtml } from '../src/render/html.js';
import { renderPlanMarkdown } from '../src/render/markdown.js';
import { renderPlanText } from '../src/render/text.js';
import { unmanagedTextLines } from '../src/render/unmanaged.js';
import {
  apiAddress,
  applicationAddress,
  credentialAddress,
  developerAddress,
  registrationAddress,
} from '../src/model.js';
import { type Action, type Change, type Plan, summarize, type UnmanagedObject } from '../src/plan/types.js';
import type { StateSnapshot, StoredApplication } from '../src/store/types.js';
import { credential, developer, state, stored } from './helpers/builders.js';

const ADA = 'ada@example.com';

function change(
  address: string,
  kind: Change['kind'],
  op: Change['op'],
  before: Record<string, unknown> | null,
  after: Record<string, unknown> | null,
  action: Action,
): Change {
  return { address, kind, op, before, after, action };
}

function planOf(changes: Change[], unmanaged: UnmanagedObject[] = []): Plan {
  return {
    formatVersion: '1',
    state: { lineage: 'l', serial: 3 },
    changes,
    summary: summarize(changes),
    errors: [],
    warnings: [],
    manifestDigest: 'd',
    paths: [],
    secretsDirs: [],
    generates: [],
    unmanaged,
  };
}

const text = (plan: Plan) => [...renderPlanText(plan, false)].join('\n');
const html = (plan: Plan) => [...renderPlanHtml(plan, { generatedAt: new Date(0) })].join('\n');

/** Deleting ada: her billing application's key and registration, the application, her own key, then her. */
function cascadePlan(): Plan {
  const app = applicationAddress(ADA, 'billing');
  return planOf([
    change(
      credentialAddress(ADA, 'key-auth', 'prod', 'billing'),
      'credential',
      'delete',
      { type: 'key-auth', name: 'prod' },
      null,
      {
        do: 'credential.delete',
        email: ADA,
        application: 'billing',
        type: 'key-auth',
        identity: 'prod',
      },
    ),
    change(
      credentialAddress(ADA, 'key-auth', 'ci', 'billing'),
      'credential',
      'delete',
      { type: 'key-auth', name: 'ci' },
      null,
      {
        do: 'credential.delete',
        email: ADA,
        application: 'billing',
        type: 'key-auth',
        identity: 'ci',
      },
    ),
    change(registrationAddress(ADA, 'billing', 'payments'), 'registration', 'delete', { status: 'approved' }, null, {
      do: 'registration.delete',
      email: ADA,
      application: 'billing',
      api: 'payments',
    }),
    change(app, 'application', 'delete', { name: 'billing', description: 'Billing' }, null, {
      do: 'application.delete',
      email: ADA,
      name: 'billing',
    }),
    change(developerAddress(ADA), 'developer', 'delete', { email: ADA, status: 'approved' }, null, {
      do: 'developer.delete',
      email: ADA,
    }),
  ]);
}

describe('a cascade', () => {
  it('is shown step by step in the text plan, each owned deletion naming what it goes with, and called out', () => {
    const output = text(cascadePlan());
    expect(output).toContain('  # developer["ada@example.com"].application["billing"] will be deleted');
    expect(output).toContain(
      '  # (deleting it also deletes its 2 credentials and 1 registration, each a step of its own; it goes with developer["ada@example.com"], deleted below)',
    );
    expect(output).toContain('  # (goes with developer["ada@example.com"].application["billing"], deleted below)');
    expect(output).toContain(
      '  # (deleting it also deletes its application "billing", 2 credentials and 1 registration, each a step of its own)',
    );
    expect(output).toContain('  - application "billing" {');
    expect(output).toContain('  - registration "payments" {');
    expect(output).toContain('Warning: this plan deletes 5 objects:');
    expect(output).toContain('  - developer["ada@example.com"] will be deleted\n');
    expect(output).toContain(
      '  deleting developer["ada@example.com"] also deletes its application "billing", 2 credentials and 1 registration',
    );
    // The application's own cascade is said too, once.
    expect(output).toContain(
      '  deleting developer["ada@example.com"].application["billing"] also deletes its 2 credentials and 1 registration',
    );
  });

  it('is called out the same way in markdown and HTML', () => {
    const plan = cascadePlan();
    const [markdown] = renderPlanMarkdown(plan);
    expect(markdown).toContain(
      '> - deleting `developer["ada@example.com"]` also deletes its application "billing", 2 credentials and 1 registration',
    );
    expect(markdown).toContain('-   application "billing" {');
    const page = html(plan);
    expect(page).toContain(
      '<li>deleting <code>developer[&quot;ada@example.com&quot;]</code> also deletes its application &quot;billing&quot;, 2 credentials and 1 registration</li>',
    );
    expect(page).toContain('it goes with developer[&quot;ada@example.com&quot;], deleted below)');
  });

  it('names an API deletion with the registrations that go with it', () => {
    const plan = planOf([
      change(registrationAddress(ADA, 'billing', 'payments'), 'registration', 'delete', { status: 'approved' }, null, {
        do: 'registration.delete',
        email: ADA,
        application: 'billing',
        api: 'payments',
      }),
      change(apiAddress('payments'), 'api', 'delete', { name: 'payments', title: 'Payments' }, null, {
        do: 'api.delete',
        name: 'payments',
      }),
    ]);
    const output = text(plan);
    expect(output).toContain('  - api "payments" {');
    expect(output).toContain('deleting api["payments"] also deletes 1 registration to it');
    expect(output).toContain('(goes with api["payments"], deleted below)');
  });
});

describe('new objects and transitions', () => {
  const created = planOf([
    change(
      apiAddress('payments'),
      'api',
      'create',
      null,
      { name: 'payments', title: 'Payments API', aclGroups: ['partners'] },
      {
        do: 'api.create',
        api: {
          name: 'payments',
          title: 'Payments API',
          description: null,
          autoApproveRegistrations: null,
          aclGroups: ['partners'],
        },
      },
    ),
    change(
      applicationAddress(ADA, 'billing'),
      'application',
      'create',
      null,
      { name: 'billing', description: 'Billing service', descriptionManagedBy: 'manifests' },
      {
        do: 'application.create',
        email: ADA,
        application: { name: 'billing', description: 'Billing service', descriptionManaged: true },
      },
    ),
    change(
      registrationAddress(ADA, 'billing', 'payments'),
      'registration',
      'create',
      null,
      { api: 'payments', status: 'approved' },
      {
        do: 'registration.create',
        email: ADA,
        application: 'billing',
        api: 'payments',
        status: 'approved',
      },
    ),
    change(
      registrationAddress(ADA, 'shop', 'payments'),
      'registration',
      'revoke',
      { status: 'approved' },
      { status: 'revoked' },
      {
        do: 'registration.transition',
        email: ADA,
        application: 'shop',
        api: 'payments',
        from: 'approved',
        to: 'revoked',
      },
    ),
  ]);

  it('shows each with its own name, its attributes and who manages an application’s description', () => {
    const output = text(created);
    expect(output).toContain('  + api "payments" {');
    expect(output).toContain('      + title     = "Payments API"');
    expect(output).toContain('  + application "billing" {');
    expect(output).toContain('      + descriptionManagedBy = "manifests"');
    expect(output).toContain(
      '  # developer["ada@example.com"].application["billing"].registration["payments"] will be created',
    );
    expect(output).toContain('  ~ registration "payments" {');
    expect(output).toContain('      ~ status = "approved" -> "revoked"');
    expect(output).toContain('Plan: 3 to create, 0 to update, 0 to delete, 1 status transition, 0 to move.');
    expect(output).toContain(
      'Warning: this plan revokes 1 registration (their applications can no longer call the API):',
    );
    expect(output).toContain(
      '  - developer["ada@example.com"].application["shop"].registration["payments"] will be revoked (its application can no longer call the API)',
    );
  });

  it('groups an API apart from the developers in markdown and HTML', () => {
    const [markdown] = renderPlanMarkdown(created);
    expect(markdown).toContain('<details><summary>Show the 4 changes to 1 API and 1 developer</summary>');
    expect(markdown!.indexOf('### `api["payments"]`')).toBeLessThan(
      markdown!.indexOf('### `developer["ada@example.com"]`'),
    );
    const page = html(created);
    expect(page).toContain('<h2 id="api-changes">Changes to 1 API</h2>');
    expect(page).toContain('<code>api[&quot;payments&quot;]</code> · 1 change: create');
  });

  it('moves an application by its names', () => {
    const output = text(
      planOf([
        change(
          applicationAddress(ADA, 'shop'),
          'application',
          'move',
          { name: 'billing' },
          { name: 'shop' },
          {
            do: 'application.move',
            email: ADA,
            from: 'billing',
            to: 'shop',
          },
        ),
      ]),
    );
    expect(output).toContain('  → billing -> shop');
  });
});

describe('the diff format', () => {
  const billing = (extra: Partial<StoredApplication> = {}): StoredApplication => ({
    id: 'app-1',
    developerId: 'dev-1',
    name: 'billing',
    description: 'Billing',
    descriptionManaged: false,
    origin: 'self-service',
    createdAt: '2026-01-01T00:00:00.000Z',
    credentials: [],
    registrations: [
      {
        id: 'r1',
        applicationId: 'app-1',
        api: 'payments',
        status: 'pending',
        origin: 'self-service',
        createdAt: '2026-01-01T00:00:00.000Z',
      },
    ],
    ...extra,
  });

  it('shows an adopted application’s registration approved inside the developer’s document, and an API’s own document', () => {
    const ada = stored(developer(ADA, 'approved', { credentials: [credential('acl', 'partners')] }));
    const current: StateSnapshot = {
      ...state([{ ...ada, applications: [billing()] }]),
      apis: [
        {
          name: 'payments',
          title: null,
          description: null,
          autoApproveRegistrations: null,
          aclGroups: [],
          createdAt: 'x',
        },
      ],
    };
    const plan = planOf([
      change(
        apiAddress('payments'),
        'api',
        'update',
        { title: null },
        { title: 'Payments' },
        {
          do: 'api.update',
          name: 'payments',
          set: { title: 'Payments' },
        },
      ),
      change(
        applicationAddress(ADA, 'billing'),
        'application',
        'update',
        { origin: 'self-service' },
        { origin: 'manifest' },
        {
          do: 'application.update',
          email: ADA,
          name: 'billing',
          set: { adopt: true },
        },
      ),
      change(
        registrationAddress(ADA, 'billing', 'payments'),
        'registration',
        'approve',
        { status: 'pending' },
        { status: 'approved' },
        {
          do: 'registration.transition',
          email: ADA,
          application: 'billing',
          api: 'payments',
          from: 'pending',
          to: 'approved',
        },
      ),
    ]);
    const output = renderPlanDiff(plan, current, false);
    expect(output).toContain('--- api["payments"] (before)\n+++ api["payments"] (after)');
    expect(output).toContain('-title: null\n+title: Payments');
    expect(output.indexOf('api["payments"]')).toBeLessThan(output.indexOf('developer["ada@example.com"]'));
    expect(output).toContain('--- developer["ada@example.com"] (before)');
    expect(output).toContain('     descriptionManagedBy: developer\n-    origin: self-service\n');
    expect(output).toContain('-        status: pending\n+        status: approved');
  });
});

describe('the unmanaged section', () => {
  it('names the pending registration requests right after the pending sign-ups, and counts the rest', () => {
    const unmanaged: UnmanagedObject[] = [
      {
        address: developerAddress('zoe@example.com'),
        kind: 'developer',
        origin: 'self-service',
        status: 'pending',
        emailVerified: true,
        createdAt: '2026-01-01',
      },
      {
        address: registrationAddress(ADA, 'billing', 'payments'),
        kind: 'registration',
        origin: 'self-service',
        status: 'pending',
        createdAt: '2026-01-02',
      },
      {
        address: applicationAddress(ADA, 'billing'),
        kind: 'application',
        origin: 'self-service',
        createdAt: '2026-01-02',
      },
      {
        address: registrationAddress(ADA, 'billing', 'maps'),
        kind: 'registration',
        origin: 'self-service',
        status: 'approved',
        createdAt: '2026-01-03',
      },
    ];
    const lines = unmanagedTextLines(unmanaged);
    expect(lines).toEqual([
      '',
      'Not managed by the manifests (left as they are; none of this is a change):',
      '  1 pending access request, oldest first:',
      '    developer["zoe@example.com"]  requested 2026-01-01',
      '  1 pending registration request, oldest first:',
      '    developer["ada@example.com"].application["billing"].registration["payments"]  requested 2026-01-02',
      '  1 self-made application',
      '  1 other self-made registration',
      '  Approve a request by declaring the developer (or the registration) in a manifest: portalform requests --format manifest prints the entries.',
    ]);
    const page = html(planOf([], unmanaged));
    expect(page).toContain('<h3>1 pending registration request, oldest first:</h3>');
    expect(page.indexOf('pending access request')).toBeLessThan(page.indexOf('pending registration request'));
    const [markdown] = renderPlanMarkdown(planOf([], unmanaged));
    expect(markdown).toContain('- 1 pending registration request, oldest first:');
  });
});
