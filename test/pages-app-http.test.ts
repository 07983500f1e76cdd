// The dashboard's applications (docs/applications.md) as a developer meets them over HTTP, on SQLite
// and PostgreSQL: creating and describing one, its credentials with the secret shown once,
// registering it to the portal's APIs with each registration's status, withdrawing, deleting it
// with a confirmation naming what goes, and what only an administrator may lift.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, dropTestSchemas } from './helpers/backends.js';
import { type Answer, HttpBrowser, secretOf } from './helpers/http-browser.js';
import { AdminManifests } from './helpers/pages-app.js';
import { PASSWORD, startPortal, type PortalServer } from './helpers/pages-server.js';
import { verifyOverHttp } from './helpers/verification.js';

const MANIFEST = 'developers:\n  - { email: ada@example.com, fullName: Ada Lovelace, status: approved }\n';

/** The id in the path an answer redirects to: `/applications/ID?done=…`. */
function applicationIdIn(answer: Answer): string {
  const match = /^\/applications\/([^/?#]+)\?done=created$/.exec(answer.location ?? '');
  if (!match)
    throw new Error(
      `not a created application's page: ${answer.status} ${answer.location}\n${answer.body.slice(0, 800)}`,
    );
  return match[1]!;
}

/** The visible text of a page, tags dropped and white space folded, to read as a person does. */
function textOf(answer: Answer): string {
  return answer.body
    .replace(/<[^>]+>/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&#39;/g, "'")
    .replace(/\s+/g, ' ');
}

async function signUp(server: PortalServer, email: string): Promise<void> {
  const registered = await fetch(`${server.url}/api/v1/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, fullName: email.split('@')[0], password: PASSWORD }),
  });
  expect(registered.status).toBe(201);
  await verifyOverHttp(server.app, server.w, email, PASSWORD);
}

async function logIn(server: PortalServer, email: string): Promise<HttpBrowser> {
  const browser = new HttpBrowser(server.url);
  const login = await browser.submit(await browser.get('/login'), '/login', { email, password: PASSWORD });
  expect(login.location).toBe('/dashboard');
  return browser;
}

async function createApplication(kim: HttpBrowser, name: string, description = ''): Promise<string> {
  const created = await kim.submit(await kim.get('/applications/new'), '/applications', { name, description });
  return applicationIdIn(created);
}

describe.each(BACKENDS)('the applications pages over HTTP ($name)', (backend) => {
  let server: PortalServer;
  let kim: HttpBrowser;
  let lin: HttpBrowser;
  let admin: AdminManifests;

  beforeAll(async () => {
    server = await startPortal(MANIFEST, { listen: true, state: backend.newState() });
    await signUp(server, 'kim@example.com');
    await signUp(server, 'lin@example.com');
    admin = new AdminManifests(server.w, [
      { email: 'ada@example.com', fullName: 'Ada Lovelace' },
      { email: 'kim@example.com', fullName: 'Kim', applications: [] },
      { email: 'lin@example.com', fullName: 'Lin' },
    ]);
    admin.apply();
    kim = await logIn(server, 'kim@example.com');
    lin = await logIn(server, 'lin@example.com');
  }, 90_000);
  afterAll(async () => {
    await server?.close();
    await dropTestSchemas();
  });

  it('creates an application, tells a refused name at its field, and describes it', async () => {
    const empty = await kim.get('/applications');
    expect(empty.status).toBe(200);
    expect(textOf(empty)).toContain('You have no applications yet.');
    expect(empty.body).toContain('<a href="/applications" aria-current="page">Applications</a>');

    const refused = await kim.submit(await kim.get('/applications/new'), '/applications', { name: 'Not A Name' });
    expect(refused.status).toBe(400);
    expect(refused.body).toContain('aria-invalid="true"');
    expect(refused.body).toMatch(/<span class="error-text" id="f-name-error">[^<]+<\/span>/);
    expect(refused.body).toContain('value="Not A Name"');

    const id = await createApplication(kim, 'billing', 'Charges customers');
    const page = await kim.get(`/applications/${id}?done=created`);
    expect(page.status).toBe(200);
    expect(textOf(page)).toContain('The application is created.');
    expect(page.body).toContain('<h1>Application “billing”</h1>');
    expect(page.body).toContain('>Charges customers</textarea>');

    const again = await kim.submit(await kim.get('/applications/new'), '/applications', { name: 'billing' });
    expect(again.status).toBe(409);
    expect(textOf(again)).toContain('already used by another of your applications');

    const described = await kim.submit(page, `/applications/${id}/description`, { description: 'Monthly invoices' });
    expect(described.status).toBe(303);
    const after = await kim.get(described.location!);
    expect(textOf(after)).toContain('The description is saved.');
    expect(after.body).toContain('>Monthly invoices</textarea>');
    const list = await kim.get('/applications');
    expect(list.body).toContain(`<a href="/applications/${id}">billing</a>`);
    expect(textOf(list)).toContain('Monthly invoices');
  });

  it("registers to an API chosen from the portal's list, shows each status, withdraws", async () => {
    const id = await createApplication(kim, 'mobile');
    const page = await kim.get(`/applications/${id}`);
    for (const api of ['payments', 'weather', 'catalogue-search'])
      expect(page.body).toContain(`<option value="${api}">`);
    expect(textOf(page)).toContain('Payments API (payments), needs approval');
    expect(textOf(page)).toContain('weather, approved at once');

    const requested = await kim.submit(page, `/applications/${id}/registrations`, { api: 'payments' });
    expect(requested.status).toBe(303);
    const pending = await kim.get(requested.location!);
    expect(textOf(pending)).toContain('The registration is requested');
    expect(pending.body).toContain('<span class="badge pending">pending</span>');
    expect(pending.body).not.toContain('<option value="payments">');

    const auto = await kim.submit(pending, `/applications/${id}/registrations`, { api: 'weather' });
    const approved = await kim.get(auto.location!);
    expect(textOf(approved)).toContain('The registration is approved');
    expect(approved.body).toContain('<span class="badge approved">approved</span>');

    const twice = await kim.submit(pending, `/applications/${id}/registrations`, { api: 'payments' });
    expect(twice.status).toBe(409);
    const unknown = await kim.submit(pending, `/applications/${id}/registrations`, { api: 'nowhere' });
    expect(unknown.status).toBe(404);
    expect(textOf(unknown)).toContain('nowhere');

    const withdraw = `/applications/${id}/registrations/payments/withdraw`;
    const asked = await kim.submit(approved, withdraw, {});
    expect(asked.status).toBe(200);
    expect(textOf(asked)).toContain('Withdraw the registration to payments?');
    const withdrawn = await kim.submit(asked, withdraw, {});
    expect(withdrawn.status).toBe(303);
    const gone = await kim.get(withdrawn.location!);
    expect(textOf(gone)).toContain('The registration is withdrawn');
    expect(gone.body).not.toContain('<span class="badge pending">');
    expect(gone.body).toContain('<option value="payments">');
  });

  it('gives an application credentials of its own, its secret shown once on the one-time page', async () => {
    const id = await createApplication(kim, 'reports');
    const base = `/applications/${id}/credentials`;
    const form = await kim.get(`${base}/new`);
    expect(form.status).toBe(200);
    expect(form.body).not.toContain('value="acl"');
    const created = await kim.submit(form, base, { type: 'key-auth', name: 'reports-key' });
    expect(created.status).toBe(303);
    expect(created.location).toMatch(/^\/credentials\/secret\?shown=/);
    const shown = await kim.get(created.location!);
    const key = secretOf(shown, 'key');
    expect(shown.body).toContain(`href="/applications/${id}">Done: back to application “reports”</a>`);
    const reloaded = await kim.get(created.location!);
    expect(reloaded.status).toBe(410);
    expect(reloaded.body).not.toContain(key);
    const resent = await kim.submit(form, base, { type: 'key-auth', name: 'reports-key-2' });
    expect(resent.status).toBe(409);

    const page = await kim.get(`/applications/${id}`);
    expect(page.body).toContain('key-auth “reports-key”');
    expect(page.body).not.toContain('reports-key-2');
    expect(page.body).not.toContain(key);
    const dashboard = await kim.get('/dashboard');
    expect(dashboard.body).not.toContain('reports-key');

    const credential = new RegExp(`action="${base}/([^/"]+)/rotate"`).exec(page.body)![1]!;
    const confirm = await kim.get(`${base}/${credential}/rotate`);
    const rotated = await kim.submit(confirm, `${base}/${credential}/rotate`, {});
    expect(rotated.status).toBe(303);
    const second = secretOf(await kim.get(rotated.location!), 'key');
    expect(second).not.toBe(key);

    const edited = await kim.submit(await kim.get(`${base}/${credential}/edit`), `${base}/${credential}`, {
      name: 'reports-key',
      ttl: '3600',
    });
    expect(edited.location).toBe(`/applications/${id}?done=updated`);
    expect(textOf(await kim.get(edited.location!))).toMatch(/Lifetime\s*1 hour/);

    const deleted = await kim.submit(await kim.get(`${base}/${credential}/delete`), `${base}/${credential}/delete`, {});
    expect(deleted.location).toBe(`/applications/${id}?done=deleted`);
    expect((await kim.get(deleted.location!)).body).not.toContain('key-auth “reports-key”');
  });

  it('deletes an application after a confirmation naming what goes with it', async () => {
    const id = await createApplication(kim, 'short-lived');
    const base = `/applications/${id}/credentials`;
    await kim.submit(await kim.get(`${base}/new`), base, { type: 'key-auth', name: 'short-key' });
    await kim.submit(await kim.get(`/applications/${id}`), `/applications/${id}/registrations`, {
      api: 'catalogue-search',
    });

    const page = await kim.get(`/applications/${id}`);
    expect(page.body).toMatch(/data-confirm="Delete short-lived\? Its 1 credential and 1 API registration are deleted/);
    const asked = await kim.submit(page, `/applications/${id}/delete`, {});
    expect(asked.status).toBe(200);
    const words = textOf(asked);
    expect(words).toContain('Delete application “short-lived”?');
    expect(words).toContain('the credential key-auth “short-key”');
    expect(words).toContain('the registration to catalogue-search (pending)');
    expect(words).toContain('lose access at once');

    const deleted = await kim.submit(asked, `/applications/${id}/delete`, {});
    expect(deleted.location).toBe('/applications?done=deleted');
    expect(textOf(await kim.get(deleted.location!))).toContain('The application is deleted');
    expect((await kim.get(`/applications/${id}`)).status).toBe(404);
  });

  it('shows rejected and revoked registrations, which neither withdraw nor let the application go', async () => {
    const id = await createApplication(kim, 'refused');
    const page = await kim.get(`/applications/${id}`);
    await kim.submit(page, `/applications/${id}/registrations`, { api: 'payments' });
    const requested = await kim.get(
      (await kim.submit(page, `/applications/${id}/registrations`, { api: 'catalogue-search' })).location!,
    );
    // The administrator rejects one and approves the other (declaring the application adopts it),
    // revokes the approval, then releases the application: it is the developer's again, the
    // decisions stay.
    const kimsEntry = admin.developer('kim@example.com');
    const refused = (search: string) =>
      `      - name: refused\n        registrations:\n          - { api: payments, status: rejected }\n          - { api: catalogue-search, status: ${search} }\n`;
    kimsEntry.applications = [refused('approved')];
    admin.apply();
    const adopted = await kim.get(`/applications/${id}`);
    expect(textOf(adopted)).toContain('Managed by the portal’s manifests');
    kimsEntry.applications = [refused('revoked')];
    admin.apply();
    kimsEntry.applications = [];
    admin.apply(['{ developer: kim@example.com, application: refused, keep: true }']);

    const decided = await kim.get(`/applications/${id}`);
    expect(decided.body).toContain('<span class="badge rejected">rejected</span>');
    expect(decided.body).toContain('<span class="badge revoked">revoked</span>');
    expect(decided.body).not.toContain(`/applications/${id}/registrations/payments/withdraw`);
    expect(decided.body).not.toContain(`action="/applications/${id}/delete"`);
    expect(decided.body).toContain(`action="/applications/${id}/description"`);
    expect(textOf(decided)).not.toContain('Managed by the portal’s manifests');
    expect(textOf(decided)).toContain(
      'Only an administrator can delete it: it holds the revoked registration to catalogue-search and the rejected registration to payments',
    );

    const asked = await kim.get(`/applications/${id}/delete`);
    expect(asked.body).not.toContain(`action="/applications/${id}/delete"`);
    expect(textOf(asked)).toContain('Only an administrator can delete it');

    // A form from before the decision, sent now: the engine refuses, the page says why.
    const withdrawn = await kim.submit(requested, `/applications/${id}/registrations/payments/withdraw`, {
      confirm: 'yes',
    });
    expect(withdrawn.status).toBe(403);
    expect(textOf(withdrawn)).toContain('payments');
    const deleted = await kim.submit(requested, `/applications/${id}/delete`, { confirm: 'yes' });
    expect(deleted.status).toBe(403);
    expect(textOf(deleted)).toMatch(/registration to (payments|catalogue-search) was (rejected|revoked)/);
    expect((await kim.get(`/applications/${id}`)).status).toBe(200);
  });

  it("shows an application the manifests manage read-only; another developer's is not found", async () => {
    const id = await createApplication(kim, 'adopted', 'Kept in git');
    await kim.submit(await kim.get(`/applications/${id}`), `/applications/${id}/registrations`, { api: 'payments' });
    admin.developer('kim@example.com').applications = [
      '      - name: adopted\n        description: Kept in git\n        registrations: [ { api: payments, status: pending } ]\n',
    ];
    admin.apply();

    const page = await kim.get(`/applications/${id}`);
    expect(textOf(page)).toContain('Kept in git Managed by the portal’s manifests: ask an administrator to change it.');
    expect(textOf(page)).toContain('Managed by the portal’s manifests: only an administrator can delete it.');
    expect(page.body).not.toContain(`action="/applications/${id}/description"`);
    expect(page.body).not.toContain(`action="/applications/${id}/delete"`);
    expect(page.body).not.toContain('/registrations/payments/withdraw');
    expect(page.body).toContain(`href="/applications/${id}/credentials/new"`);
    const refused = await kim.post(`/applications/${id}/delete`, {
      _csrf: /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!,
      confirm: 'yes',
    });
    expect(refused.status).toBe(403);

    for (const path of [`/applications/${id}`, `/applications/${id}/delete`, `/applications/${id}/credentials/new`])
      expect((await lin.get(path)).status, path).toBe(404);
    expect(textOf(await lin.get('/applications'))).not.toContain('adopted');
  });

  it('stops at maxApplications; with self-service off, withdrawing and deleting still work', async () => {
    admin.portal = 'portal:\n  selfService: { maxApplications: 1 }\n';
    admin.apply();
    const id = await createApplication(lin, 'only-one');
    await lin.submit(await lin.get(`/applications/${id}`), `/applications/${id}/registrations`, { api: 'weather' });
    const over = await lin.submit(await lin.get('/applications/new'), '/applications', { name: 'one-too-many' });
    expect(over.status).toBe(403);
    expect(textOf(over)).toContain('Limit reached');
    expect(over.body).toContain('value="one-too-many"');

    const staleForm = await lin.get('/applications/new');
    admin.portal = 'portal:\n  selfService: { enabled: false }\n';
    admin.apply();
    try {
      const list = await lin.get('/applications');
      expect(textOf(list)).toContain('Self-service is off');
      expect(list.body).not.toContain('href="/applications/new"');
      const page = await lin.get(`/applications/${id}`);
      expect(page.body).not.toContain(`action="/applications/${id}/registrations"`);
      expect(textOf(page)).toContain('Withdrawing and deleting still work.');
      const refused = await lin.submit(staleForm, '/applications', { name: 'while-off' });
      expect(refused.status).toBe(403);
      expect(textOf(refused)).toContain('Self-service is off');

      const withdraw = `/applications/${id}/registrations/weather/withdraw`;
      const withdrawn = await lin.submit(page, withdraw, { confirm: 'yes' });
      expect(withdrawn.location).toBe(`/applications/${id}?done=withdrawn#registrations`);
      const deleted = await lin.submit(page, `/applications/${id}/delete`, { confirm: 'yes' });
      expect(deleted.location).toBe('/applications?done=deleted');
    } finally {
      admin.portal = '';
      admin.apply();
    }
  });

  it('keeps the sessions and CSRF of the other pages', async () => {
    const anonymous = new HttpBrowser(server.url);
    const away = await anonymous.get('/applications');
    expect(away.status).toBe(303);
    expect(away.location).toBe('/login?expired=1');
    const forged = await kim.post('/applications', { name: 'forged' });
    expect(forged.status).toBe(403);
    expect(textOf(forged)).toContain('This form has expired');
    expect(textOf(await kim.get('/applications'))).not.toContain('forged');
  });
});
