// The rules of self-service applications over real HTTP (docs/applications.md), on SQLite and
// PostgreSQL: what the manifests manage, registrations only an admin lifts, self-service switched
// off, the limits (two instances racing on one state included), and the account's deletion.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { BACKENDS, dropTestSchemas } from './helpers/backends.js';
import {
  applied,
  appPortal,
  changeSettings,
  holdDeveloper,
  secondInstance,
  seedApis,
  seedApplication,
  type AppPortal,
  type Caller,
} from './helpers/service-app.js';
import { PASSWORD } from './helpers/service.js';
import { withStateDb } from './helpers/state-db.js';

afterAll(dropTestSchemas);

const running: AppPortal[] = [];
afterEach(async () => {
  for (const portal of running.splice(0)) await portal.stop();
});

async function portalWithApis(state: string | undefined): Promise<AppPortal> {
  const portal = await appPortal(applied(state));
  running.push(portal);
  await seedApis(portal.ws, [{ name: 'payments' }, { name: 'search', autoApprove: true }]);
  return portal;
}

async function createApplication(portal: AppPortal, caller: Caller, name: string): Promise<string> {
  const created = await portal.call('POST', '/api/v1/applications', { name }, caller.bearer);
  expect(created.status, created.text).toBe(201);
  return created.json().application.id;
}

function applicationCount(portal: AppPortal, email: string): Promise<number> {
  return withStateDb(portal.ws, async (query) => {
    const [row] = (await query(
      `select count(*) as n from pf_applications a join pf_developers d on d.id = a.developer_id where d.email = '${email}'`,
    )) as Array<{ n: number | string }>;
    return Number(row!.n);
  });
}

describe.each(BACKENDS)('application rules on $name', (backend) => {
  it('keeps what the manifests manage, and lets the developer add to a managed application', async () => {
    const portal = await portalWithApis(backend.newState());
    const managed = await seedApplication(portal.ws, 'ada@example.com', {
      name: 'billing',
      description: 'Billing service',
      descriptionManaged: true,
      registrations: [{ api: 'payments', status: 'approved' }],
    });
    const open = await seedApplication(portal.ws, 'ada@example.com', { name: 'reports', description: null });
    const ada = await portal.login('ada@example.com');
    const base = `/api/v1/applications/${managed}`;

    const shown = await portal.call('GET', base, undefined, ada.bearer);
    expect(shown.json().application).toMatchObject({
      origin: 'manifest',
      managed: { application: true, description: true },
      registrations: [{ api: 'payments', status: 'approved', origin: 'manifest', managed: true }],
    });
    const patch = await portal.call('PATCH', base, { description: 'mine' }, ada.bearer);
    expect(patch.status).toBe(403);
    expect(patch.json().errors).toEqual([expect.objectContaining({ field: 'description' })]);
    expect((await portal.call('DELETE', base, undefined, ada.bearer)).status).toBe(403);
    const withdraw = await portal.call('DELETE', `${base}/registrations/payments`, undefined, ada.bearer);
    expect(withdraw.status).toBe(403);
    expect(withdraw.json().detail).toContain('payments');

    // A description the manifests leave to the developer is theirs to change.
    const described = await portal.call(
      'PATCH',
      `/api/v1/applications/${open}`,
      { description: 'Reports' },
      ada.bearer,
    );
    expect(described.status, described.text).toBe(200);
    expect(described.json().application).toMatchObject({
      description: 'Reports',
      managed: { application: true, description: false },
    });

    // Self-made credentials and registration requests on a managed application, theirs to undo.
    const made = await portal.call('POST', `${base}/credentials`, { type: 'key-auth', name: 'mine' }, ada.bearer);
    expect(made.status, made.text).toBe(201);
    const requested = await portal.call('POST', `${base}/registrations`, { api: 'search' }, ada.bearer);
    expect(requested.json().registration).toMatchObject({ status: 'approved', origin: 'self-service' });
    const id = made.json().credential.id;
    expect((await portal.call('DELETE', `${base}/credentials/${id}`, undefined, ada.bearer)).status).toBe(204);
    expect((await portal.call('DELETE', `${base}/registrations/search`, undefined, ada.bearer)).status).toBe(204);
    expect((await portal.call('GET', base, undefined, ada.bearer)).json().application).toMatchObject({
      description: 'Billing service',
      credentials: [],
      registrations: [{ api: 'payments' }],
    });
  });

  it('leaves a rejected or revoked registration, and an application holding one, to the admin', async () => {
    const portal = await portalWithApis(backend.newState());
    const rejected = await seedApplication(portal.ws, 'bob@example.com', {
      name: 'rejected-app',
      origin: 'self-service',
      registrations: [
        { api: 'payments', status: 'rejected' },
        { api: 'search', status: 'approved' },
      ],
    });
    const revoked = await seedApplication(portal.ws, 'bob@example.com', {
      name: 'revoked-app',
      origin: 'self-service',
      registrations: [{ api: 'search', status: 'revoked' }],
    });
    const bob = await portal.login('bob@example.com');
    for (const [id, api, status] of [
      [rejected, 'payments', 'rejected'],
      [revoked, 'search', 'revoked'],
    ] as const) {
      const deleted = await portal.call('DELETE', `/api/v1/applications/${id}`, undefined, bob.bearer);
      expect(deleted.status).toBe(403);
      expect(deleted.json().errors).toEqual([{ field: 'api', message: `${api} is ${status}` }]);
      const withdrawn = await portal.call(
        'DELETE',
        `/api/v1/applications/${id}/registrations/${api}`,
        undefined,
        bob.bearer,
      );
      expect(withdrawn.status).toBe(403);
      expect(withdrawn.json().detail).toContain(status);
      // Requesting it again is no way around it.
      const again = await portal.call('POST', `/api/v1/applications/${id}/registrations`, { api }, bob.bearer);
      expect(again.status).toBe(409);
    }
    // The approved one beside it is the developer's to withdraw.
    const fine = await portal.call(
      'DELETE',
      `/api/v1/applications/${rejected}/registrations/search`,
      undefined,
      bob.bearer,
    );
    expect(fine.status).toBe(204);
    expect(await applicationCount(portal, 'bob@example.com')).toBe(2);
    // Deleting the account still deletes everything.
    const gone = await portal.call('DELETE', '/api/v1/me', { password: PASSWORD }, bob.bearer);
    expect(gone.status, gone.text).toBe(204);
    expect(await applicationCount(portal, 'bob@example.com')).toBe(0);
  });

  it('with selfService.enabled false refuses creating, editing and requesting, but not withdrawing or deleting', async () => {
    const portal = await portalWithApis(backend.newState());
    const bob = await portal.login('bob@example.com');
    const id = await createApplication(portal, bob, 'billing');
    const base = `/api/v1/applications/${id}`;
    const made = await portal.call('POST', `${base}/credentials`, { type: 'key-auth', name: 'k' }, bob.bearer);
    const credentialId = made.json().credential.id;
    expect((await portal.call('POST', `${base}/registrations`, { api: 'payments' }, bob.bearer)).status).toBe(201);
    await changeSettings(portal.ws, (settings) => {
      settings.selfService = { ...settings.selfService, enabled: false };
    });

    for (const [method, path, body] of [
      ['POST', '/api/v1/applications', { name: 'other' }],
      ['PATCH', base, { description: 'd' }],
      ['POST', `${base}/registrations`, { api: 'search' }],
      ['POST', `${base}/credentials`, { type: 'key-auth', name: 'k2' }],
      ['PATCH', `${base}/credentials/${credentialId}`, { name: 'k3' }],
      ['POST', `${base}/credentials/${credentialId}/rotate`],
    ] as const) {
      const answer = await portal.call(method, path, body, bob.bearer);
      expect(answer.status, `${method} ${path}: ${answer.text}`).toBe(403);
    }
    expect((await portal.call('GET', base, undefined, bob.bearer)).status).toBe(200);
    expect((await portal.call('DELETE', `${base}/registrations/payments`, undefined, bob.bearer)).status).toBe(204);
    expect((await portal.call('DELETE', `${base}/credentials/${credentialId}`, undefined, bob.bearer)).status).toBe(
      204,
    );
    expect((await portal.call('DELETE', base, undefined, bob.bearer)).status).toBe(204);
  });

  it("counts every self-made credential toward maxCredentials, its applications' included", async () => {
    const portal = await portalWithApis(backend.newState());
    const managed = await seedApplication(portal.ws, 'bob@example.com', { name: 'managed' });
    await changeSettings(portal.ws, (settings) => {
      settings.selfService = { ...settings.selfService, maxCredentials: 3 };
    });
    const bob = await portal.login('bob@example.com');
    const own = await createApplication(portal, bob, 'billing');
    const create = (path: string, name: string) =>
      portal.call('POST', path, { type: 'key-auth', name }, bob.bearer).then((answer) => answer.status);
    expect(await create('/api/v1/credentials', 'own')).toBe(201);
    expect(await create(`/api/v1/applications/${own}/credentials`, 'app')).toBe(201);
    expect(await create(`/api/v1/applications/${managed}/credentials`, 'managed-app')).toBe(201);
    for (const path of [
      '/api/v1/credentials',
      `/api/v1/applications/${own}/credentials`,
      `/api/v1/applications/${managed}/credentials`,
    ]) {
      const refused = await portal.call('POST', path, { type: 'key-auth', name: 'one-more' }, bob.bearer);
      expect(refused.status, path).toBe(403);
      expect(refused.json().detail).toContain('(3)');
    }
  });

  it('holds maxApplications when two instances create at once on one state', async () => {
    const portal = await portalWithApis(backend.newState());
    // A managed application is not self-made: it does not count.
    await seedApplication(portal.ws, 'bob@example.com', { name: 'managed' });
    await changeSettings(portal.ws, (settings) => {
      settings.selfService = { ...settings.selfService, maxApplications: 3 };
    });
    const other = await secondInstance(portal);
    running.push(other);
    const bob = await portal.login('bob@example.com');
    // Sessions of their own, so that nothing but the developer's row orders the requests.
    const sessions = [bob.bearer];
    for (let i = 0; i < 5; i++) {
      const login = await other.call('POST', '/api/v1/session', { email: bob.email, password: PASSWORD });
      sessions.push({ authorization: `Bearer ${login.json().token}` });
    }
    // Every request waits behind another writer, then takes the developer's row in turn.
    const release = await holdDeveloper(portal.ws, bob.email);
    const racing = Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        (i % 2 === 0 ? portal : other)
          .call('POST', '/api/v1/applications', { name: `app-${i}` }, sessions[i % sessions.length])
          .then((answer) => answer.status),
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 800));
    await release();
    const statuses = await racing;
    expect(statuses.filter((status) => status === 201)).toHaveLength(3);
    expect(statuses.filter((status) => status === 403)).toHaveLength(21);
    expect(await applicationCount(portal, 'bob@example.com')).toBe(4);
    const listed = await other.call('GET', '/api/v1/applications', undefined, bob.bearer);
    expect(listed.json().applications.filter((a: { origin: string }) => a.origin === 'self-service')).toHaveLength(3);
    // Deleting one makes room again.
    const id = listed.json().applications.find((a: { origin: string }) => a.origin === 'self-service').id;
    expect((await portal.call('DELETE', `/api/v1/applications/${id}`, undefined, bob.bearer)).status).toBe(204);
    expect((await other.call('POST', '/api/v1/applications', { name: 'again' }, bob.bearer)).status).toBe(201);
  });
});
