// Applications and APIs that manifests declare, as `portalform serve` shows them to developers
// (docs/applications.md): a real apply, then real HTTP, on SQLite and PostgreSQL.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { BACKENDS, dropTestSchemas } from './helpers/backends.js';
import { applied, appPortal, outboxSize, type AppPortal } from './helpers/service-app.js';
import { STATE_ENV } from './helpers/service.js';

afterAll(dropTestSchemas);

const running: AppPortal[] = [];
afterEach(async () => {
  for (const portal of running.splice(0)) await portal.stop();
});

const DECLARED = `version: 1
portal:
  autoApproveRegistrations: false
  selfService: { maxApplications: 2 }
apis:
  - name: payments
    title: Payments API
    description: Charge cards and refunds.
    aclGroups: [partners]
  - { name: search, autoApproveRegistrations: true }
developers:
  - email: ada@example.com
    fullName: Ada Lovelace
    status: approved
    applications:
      - name: billing
        description: Billing service
        credentials:
          - { type: key-auth, name: prod }
        registrations:
          - { api: payments, status: approved }
      - name: reports
        registrations:
          - { api: search, status: rejected }
  - { email: bob@example.com, fullName: Bob, status: approved }
`;

describe.each(BACKENDS)('declared applications on $name', (backend) => {
  it('shows what an apply declared, keeps it from the developer, and leaves self-made additions to the next apply', async () => {
    const portal = await appPortal(applied(backend.newState(), DECLARED));
    running.push(portal);
    const ada = await portal.login('ada@example.com');

    const apis = await portal.call('GET', '/api/v1/apis', undefined, ada.bearer);
    expect(apis.json().apis).toEqual([
      { name: 'payments', title: 'Payments API', description: 'Charge cards and refunds.', autoApprove: false },
      { name: 'search', title: null, description: null, autoApprove: true },
    ]);
    const listed = (await portal.call('GET', '/api/v1/applications', undefined, ada.bearer)).json().applications;
    const billing = listed.find((a: { name: string }) => a.name === 'billing');
    const reports = listed.find((a: { name: string }) => a.name === 'reports');
    expect(billing).toMatchObject({
      description: 'Billing service',
      origin: 'manifest',
      managed: { application: true, description: true },
      credentials: [{ type: 'key-auth', name: 'prod', active: true, origin: 'manifest', managed: true }],
      registrations: [{ api: 'payments', status: 'approved', origin: 'manifest', managed: true }],
    });
    expect(reports.managed).toEqual({ application: true, description: false });

    const base = `/api/v1/applications/${billing.id}`;
    expect((await portal.call('PATCH', base, { description: 'mine' }, ada.bearer)).status).toBe(403);
    expect((await portal.call('DELETE', base, undefined, ada.bearer)).status).toBe(403);
    expect((await portal.call('DELETE', `${base}/registrations/payments`, undefined, ada.bearer)).status).toBe(403);
    const managedKey = billing.credentials[0].id;
    expect((await portal.call('POST', `${base}/credentials/${managedKey}/rotate`, undefined, ada.bearer)).status).toBe(
      403,
    );
    const described = await portal.call(
      'PATCH',
      `/api/v1/applications/${reports.id}`,
      { description: 'Mine' },
      ada.bearer,
    );
    expect(described.status, described.text).toBe(200);

    // Self-made additions to a declared application: the next apply of the same manifests keeps them.
    const mailed = await outboxSize(portal.ws);
    const requested = await portal.call('POST', `${base}/registrations`, { api: 'search' }, ada.bearer);
    expect(requested.json().registration).toMatchObject({ status: 'approved', origin: 'self-service' });
    expect(await outboxSize(portal.ws)).toBe(mailed);
    const made = await portal.call('POST', `${base}/credentials`, { type: 'key-auth', name: 'mine' }, ada.bearer);
    expect(made.status, made.text).toBe(201);
    const bob = await portal.login('bob@example.com');
    const own = await portal.call('POST', '/api/v1/applications', { name: 'bobs-app' }, bob.bearer);
    expect(own.status, own.text).toBe(201);
    const pending = await portal.call(
      'POST',
      `/api/v1/applications/${own.json().application.id}/registrations`,
      { api: 'payments' },
      bob.bearer,
    );
    expect(pending.json().registration.status).toBe('pending');
    // maxApplications from the manifests' portal block.
    expect((await portal.call('POST', '/api/v1/applications', { name: 'two' }, bob.bearer)).status).toBe(201);
    expect((await portal.call('POST', '/api/v1/applications', { name: 'three' }, bob.bearer)).status).toBe(403);

    const planned = portal.ws.run(['plan', 'portal.yaml', '--json'], { env: STATE_ENV });
    expect(planned.code, planned.stderr).toBe(0);
    expect(JSON.parse(planned.stdout).changes.filter((c: { op: string }) => c.op === 'delete')).toEqual([]);
    portal.apply(DECLARED);
    const after = (await portal.call('GET', '/api/v1/applications', undefined, bob.bearer)).json().applications;
    expect(after.map((a: { name: string }) => a.name).sort()).toEqual(['bobs-app', 'two']);
    const adaAfter = await portal.call('GET', base, undefined, ada.bearer);
    expect(
      adaAfter
        .json()
        .application.credentials.map((c: { name: string }) => c.name)
        .sort(),
    ).toEqual(['mine', 'prod']);
    expect(adaAfter.json().application.registrations.map((r: { api: string }) => r.api)).toEqual([
      'payments',
      'search',
    ]);
  });
});
