// A developer's applications and API registrations over real HTTP (docs/applications.md): `portalform
// serve` on SQLite and PostgreSQL, every answer checked against the published schemas.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { BACKENDS, dropTestSchemas } from './helpers/backends.js';
import {
  applied,
  appPortal,
  outboxSize,
  seedApis,
  selfServiceEntries,
  type AppPortal,
  type Caller,
} from './helpers/service-app.js';
import { STATE_ENV } from './helpers/service.js';

afterAll(dropTestSchemas);

const running: AppPortal[] = [];
afterEach(async () => {
  for (const portal of running.splice(0)) await portal.stop();
});

async function portalWithApis(state: string | undefined): Promise<AppPortal> {
  const portal = await appPortal(applied(state));
  running.push(portal);
  await seedApis(portal.ws, [
    { name: 'payments', title: 'Payments API', description: 'Charge cards.', aclGroups: ['partners'] },
    { name: 'search', autoApprove: true },
    { name: 'ledger', autoApprove: false },
  ]);
  return portal;
}

async function createApplication(portal: AppPortal, caller: Caller, name: string): Promise<string> {
  const created = await portal.call('POST', '/api/v1/applications', { name }, caller.bearer);
  expect(created.status, created.text).toBe(201);
  return created.json().application.id;
}

describe.each(BACKENDS)('applications on $name', (backend) => {
  it('lists the APIs with the effective autoApprove and never their acl groups', async () => {
    const portal = await portalWithApis(backend.newState());
    const bob = await portal.login('bob@example.com');
    const listed = await portal.call('GET', '/api/v1/apis', undefined, bob.bearer);
    expect(listed.status, listed.text).toBe(200);
    expect(listed.json()).toEqual({
      apis: [
        { name: 'ledger', title: null, description: null, autoApprove: false },
        { name: 'payments', title: 'Payments API', description: 'Charge cards.', autoApprove: false },
        { name: 'search', title: null, description: null, autoApprove: true },
      ],
    });
    expect(listed.text).not.toContain('partners');
  });

  it('creates an application, registers it, gives it a credential, and deletes it with both', async () => {
    const portal = await portalWithApis(backend.newState());
    const bob = await portal.login('bob@example.com');
    const created = await portal.call(
      'POST',
      '/api/v1/applications',
      { name: 'billing', description: 'Billing service' },
      bob.browser,
    );
    expect(created.status, created.text).toBe(201);
    const application = created.json().application;
    expect(application).toMatchObject({
      name: 'billing',
      description: 'Billing service',
      origin: 'self-service',
      credentials: [],
      registrations: [],
      managed: { application: false, description: false },
    });
    const base = `/api/v1/applications/${application.id}`;

    const mailed = await outboxSize(portal.ws);
    const pending = await portal.call('POST', `${base}/registrations`, { api: 'payments' }, bob.browser);
    expect(pending.status, pending.text).toBe(201);
    expect(pending.json().registration).toMatchObject({ api: 'payments', status: 'pending', origin: 'self-service' });
    const approved = await portal.call('POST', `${base}/registrations`, { api: 'search' }, bob.browser);
    expect(approved.json().registration).toMatchObject({ api: 'search', status: 'approved' });
    // A registration the service approves itself mails nobody.
    expect(await outboxSize(portal.ws)).toBe(mailed);

    const credential = await portal.call(
      'POST',
      `${base}/credentials`,
      { type: 'key-auth', name: 'prod' },
      bob.browser,
    );
    expect(credential.status, credential.text).toBe(201);
    const { credential: made, secrets } = credential.json();
    expect(secrets.key).toEqual(expect.any(String));

    const shown = await portal.call('GET', base, undefined, bob.bearer);
    expect(shown.json().application).toMatchObject({
      credentials: [{ id: made.id, type: 'key-auth', name: 'prod', active: true, origin: 'self-service' }],
      registrations: [
        { api: 'payments', status: 'pending', origin: 'self-service' },
        { api: 'search', status: 'approved', origin: 'self-service' },
      ],
    });
    const everything = await portal.call('GET', '/api/v1/applications', undefined, bob.bearer);
    expect(everything.json().applications).toHaveLength(1);
    expect(everything.text).not.toContain(secrets.key);
    // The developer's own credentials are those of no application.
    const own = await portal.call('GET', '/api/v1/credentials', undefined, bob.bearer);
    expect(own.json()).toEqual({ credentials: [] });
    expect((await portal.call('GET', `/api/v1/credentials/${made.id}`, undefined, bob.bearer)).status).toBe(404);

    const rotated = await portal.call('POST', `${base}/credentials/${made.id}/rotate`, undefined, bob.browser);
    expect(rotated.status, rotated.text).toBe(200);
    expect(rotated.json().secrets.key).not.toBe(secrets.key);
    const renamed = await portal.call('PATCH', `${base}/credentials/${made.id}`, { name: 'live' }, bob.browser);
    expect(renamed.json().credential).toMatchObject({ name: 'live' });
    const described = await portal.call('PATCH', base, { description: 'Invoices' }, bob.browser);
    expect(described.status, described.text).toBe(200);
    expect(described.json().application.description).toBe('Invoices');

    expect((await portal.call('DELETE', `${base}/registrations/payments`, undefined, bob.browser)).status).toBe(204);
    expect((await portal.call('DELETE', base, undefined, bob.browser)).status).toBe(204);
    expect((await portal.call('GET', base, undefined, bob.bearer)).status).toBe(404);
    expect((await portal.call('GET', '/api/v1/applications', undefined, bob.bearer)).json()).toEqual({
      applications: [],
    });

    const entries = await selfServiceEntries(portal.ws);
    const app = 'developer["bob@example.com"].application["billing"]';
    const ofApplications = entries.filter((e) => e.actor === 'bob@example.com' && e.address.includes('.application['));
    expect(ofApplications.map((e) => [e.action, e.address])).toEqual([
      ['create-application', app],
      ['request-registration', `${app}.registration["payments"]`],
      ['request-registration', `${app}.registration["search"]`],
      ['create-credential', `${app}.credential["key-auth:prod"]`],
      ['rotate-credential', `${app}.credential["key-auth:prod"]`],
      ['update-credential', `${app}.credential["key-auth:prod"]`],
      ['update-application', app],
      ['withdraw-registration', `${app}.registration["payments"]`],
      ['delete-application', app],
    ]);
    expect(entries.find((e) => e.address.endsWith('["search"]'))).toMatchObject({ after: { status: 'approved' } });
    expect(entries.at(-1)).toMatchObject({
      deletedCredentials: ['key-auth:live'],
      deletedRegistrations: ['search'],
    });
    const recorded = JSON.stringify(entries);
    expect(recorded).not.toContain(secrets.key);
    expect(recorded).not.toContain(rotated.json().secrets.key);
    expect(portal.ws.run(['history', 'verify'], { env: STATE_ENV }).code).toBe(0);
  });

  it('answers problems naming the field: a bad name, a taken one, an unknown API, a second registration', async () => {
    const portal = await portalWithApis(backend.newState());
    const bob = await portal.login('bob@example.com');
    const id = await createApplication(portal, bob, 'billing');
    const cases: Array<[string, string, unknown, number, string]> = [
      ['POST', '/api/v1/applications', { name: 'Billing!' }, 400, 'name'],
      ['POST', '/api/v1/applications', { name: 'x'.repeat(64) }, 400, 'name'],
      ['POST', '/api/v1/applications', { description: 'no name' }, 400, 'name'],
      ['POST', '/api/v1/applications', { name: 'ok', owner: 'cy' }, 400, 'owner'],
      ['POST', '/api/v1/applications', { name: 'ok', description: 7 }, 400, 'description'],
      ['POST', '/api/v1/applications', { name: 'billing' }, 409, 'name'],
      ['PATCH', `/api/v1/applications/${id}`, { name: 'renamed' }, 400, 'name'],
      ['PATCH', `/api/v1/applications/${id}`, {}, 400, 'description'],
      ['POST', `/api/v1/applications/${id}/registrations`, { api: 'nowhere' }, 404, 'api'],
      ['POST', `/api/v1/applications/${id}/registrations`, { api: 'payments', status: 'approved' }, 400, 'status'],
      ['POST', `/api/v1/applications/${id}/credentials`, { type: 'key-auth', name: 'k', key: 'mine' }, 400, 'key'],
    ];
    for (const [method, path, body, status, field] of cases) {
      const answer = await portal.call(method, path, body, bob.bearer);
      expect(answer.status, `${method} ${path} ${JSON.stringify(body)}: ${answer.text}`).toBe(status);
      expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(answer.json().errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    expect(
      (await portal.call('POST', `/api/v1/applications/${id}/registrations`, { api: 'ledger' }, bob.bearer)).status,
    ).toBe(201);
    // Registered already, whatever its status: a developer never sets one.
    const again = await portal.call('POST', `/api/v1/applications/${id}/registrations`, { api: 'ledger' }, bob.bearer);
    expect(again.status).toBe(409);
    expect(again.json().errors).toEqual([{ field: 'api', message: 'already registered (pending)' }]);
    // Another developer may use the same application name.
    const cy = await portal.login('cy@example.com');
    expect((await portal.call('POST', '/api/v1/applications', { name: 'billing' }, cy.bearer)).status).toBe(201);
  });

  it("answers 404 for another developer's application, its credentials and registrations", async () => {
    const portal = await portalWithApis(backend.newState());
    const [bob, cy] = [await portal.login('bob@example.com'), await portal.login('cy@example.com')];
    const theirs = await createApplication(portal, cy, 'theirs');
    const base = `/api/v1/applications/${theirs}`;
    const made = await portal.call('POST', `${base}/credentials`, { type: 'key-auth', name: 'k' }, cy.bearer);
    const credentialId = made.json().credential.id;
    expect((await portal.call('POST', `${base}/registrations`, { api: 'payments' }, cy.bearer)).status).toBe(201);

    const mine = await createApplication(portal, bob, 'mine');
    const attempts: Array<[string, string, unknown?]> = [
      ['GET', base],
      ['PATCH', base, { description: 'mine now' }],
      ['DELETE', base],
      ['GET', `${base}/credentials`],
      ['POST', `${base}/credentials`, { type: 'key-auth', name: 'k2' }],
      ['GET', `${base}/credentials/${credentialId}`],
      ['PATCH', `${base}/credentials/${credentialId}`, { name: 'k3' }],
      ['POST', `${base}/credentials/${credentialId}/rotate`],
      ['DELETE', `${base}/credentials/${credentialId}`],
      ['POST', `${base}/registrations`, { api: 'search' }],
      ['DELETE', `${base}/registrations/payments`],
      // Cy's credential through Bob's own application, or as Bob's own credential.
      ['GET', `/api/v1/applications/${mine}/credentials/${credentialId}`],
      ['DELETE', `/api/v1/applications/${mine}/credentials/${credentialId}`],
      ['GET', `/api/v1/credentials/${credentialId}`],
      ['GET', '/api/v1/applications/no-such-id'],
    ];
    for (const [method, path, body] of attempts) {
      const answer = await portal.call(method, path, body, bob.browser);
      expect(answer.status, `${method} ${path}: ${answer.text}`).toBe(404);
    }
    const still = await portal.call('GET', base, undefined, cy.bearer);
    expect(still.json().application).toMatchObject({
      description: null,
      credentials: [{ id: credentialId, name: 'k' }],
      registrations: [{ api: 'payments', status: 'pending' }],
    });
    expect((await portal.call('GET', '/api/v1/applications', undefined, bob.bearer)).json().applications).toHaveLength(
      1,
    );
  });

  it('needs a live session, and a CSRF token with the cookie for a change', async () => {
    const portal = await portalWithApis(backend.newState());
    const bob = await portal.login('bob@example.com');
    for (const path of ['/api/v1/apis', '/api/v1/applications'])
      expect((await portal.call('GET', path)).status, path).toBe(401);
    expect((await portal.call('POST', '/api/v1/applications', { name: 'x' })).status).toBe(401);
    const id = await createApplication(portal, bob, 'billing');
    const cookieOnly = { cookie: bob.cookie };
    for (const [method, path, body] of [
      ['POST', '/api/v1/applications', { name: 'other' }],
      ['PATCH', `/api/v1/applications/${id}`, { description: 'd' }],
      ['POST', `/api/v1/applications/${id}/registrations`, { api: 'search' }],
      ['POST', `/api/v1/applications/${id}/credentials`, { type: 'key-auth', name: 'k' }],
      ['DELETE', `/api/v1/applications/${id}`],
    ] as const) {
      const answer = await portal.call(method, path, body, cookieOnly);
      expect(answer.status, `${method} ${path}`).toBe(403);
    }
    expect((await portal.call('GET', `/api/v1/applications/${id}`, undefined, cookieOnly)).status).toBe(200);
    expect((await portal.call('DELETE', `/api/v1/applications/${id}`, undefined, bob.browser)).status).toBe(204);
    expect((await portal.call('DELETE', '/api/v1/session', undefined, bob.bearer)).status).toBe(204);
    expect((await portal.call('GET', '/api/v1/applications', undefined, bob.bearer)).status).toBe(401);
  });
});

it('rate-limits the application endpoints like every other', async () => {
  const portal = await appPortal(applied(undefined), ['--rate-limit', '8']);
  running.push(portal);
  const bob = await portal.login('bob@example.com');
  const answers = [];
  for (let i = 0; i < 8; i++) answers.push(await portal.call('GET', '/api/v1/applications', undefined, bob.bearer));
  const statuses = answers.map((answer) => answer.status);
  const first = statuses.indexOf(429);
  // The login's requests counted too: some answers, then only 429s.
  expect(first).toBeGreaterThan(0);
  expect(statuses.slice(0, first).every((status) => status === 200)).toBe(true);
  expect(statuses.slice(first).every((status) => status === 429)).toBe(true);
  expect(Number(answers[first]!.headers.get('retry-after'))).toBeGreaterThan(0);
});
