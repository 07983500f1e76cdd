// The console's applications and APIs (docs/applications.md, docs/portal-service.md "Pages") over
// HTTP on SQLite and PostgreSQL: the access requests page lists the registration requests beside
// the sign-ups — only pending ones the manifests do not declare, oldest first — each with the entry
// `portalform requests` prints; a developer's page shows its applications, their credentials
// without secrets and their registrations with status; the APIs page counts each API's
// registrations by status, and an API's page groups them by status, paged per status. Stored text
// is escaped and the pages carry the console's security headers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PAGES_CSP } from '../src/pages/index.js';
import { BACKENDS, dropTestSchemas } from './helpers/backends.js';
import { type ConsoleSession, consoleSession } from './helpers/console-app-session.js';
import { type PortalServer, startPortal } from './helpers/pages-server.js';
import { seedApplications, SECRET_SENTINEL } from './helpers/console-app-seed.js';

afterAll(dropTestSchemas);

const MANIFEST = [
  'developers:',
  '  - { email: ada@example.com, fullName: Ada Lovelace, status: approved, credentials: [ { type: acl, group: partners } ] }',
  '  - { email: pat@example.com, fullName: Pat Pending, status: pending }',
  '',
].join('\n');

/** The text between two markers of a page. */
function between(page: string, from: string, to: string): string {
  const start = page.indexOf(from);
  expect(start, from).toBeGreaterThanOrEqual(0);
  const end = page.indexOf(to, start);
  return page.slice(start, end < 0 ? undefined : end);
}

const decode = (text: string) =>
  text
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

/** The text of every `<pre id="registration-entry-N">` in page order. */
const entriesOf = (page: string) =>
  [...page.matchAll(/<pre id="registration-entry-\d+">([^<]*)<\/pre>/g)].map((m) => decode(m[1]!));

describe.each(BACKENDS)('the console of applications and APIs on $name', (backend) => {
  let server: PortalServer;
  let admin: ConsoleSession;

  beforeAll(async () => {
    server = await startPortal(MANIFEST, { state: backend.newState() });
    await seedApplications(server.w);
    admin = await consoleSession(server);
  }, 60_000);

  afterAll(async () => {
    await server?.close();
  });

  it('lists the registration requests after the sign-ups, oldest first, each with the entry that approves it', async () => {
    const page = (await admin.get('/console/requests')).body;
    const signUps = page.indexOf('<h2 id="sign-ups">');
    const registrations = page.indexOf('<h2 id="registration-requests">');
    const unverified = page.indexOf('<h2 id="unverified">');
    expect(signUps).toBeGreaterThan(0);
    expect(registrations).toBeGreaterThan(signUps);
    expect(unverified).toBeGreaterThan(registrations);
    expect(page).toContain(
      '<h2 id="registration-requests">Registration requests</h2>\n<p>3 pending registration requests',
    );
    // sam's (older, an unmanaged developer: the entry adopts it approved), ada's (declared: merge), sam's newer one.
    const entry = (email: string, status: boolean, application: string, apis: string[]) =>
      [
        `- email: ${email}`,
        ...(status ? ['  status: approved'] : []),
        '  applications:',
        `    - name: ${application}`,
        '      registrations:',
        ...apis.flatMap((api) => [`        - api: ${api}`, '          status: approved']),
      ].join('\n');
    expect(entriesOf(page)).toEqual([
      entry('sam@example.com', true, 'mobile', ['payments']),
      entry('ada@example.com', false, 'billing', ['payments']),
      entry('sam@example.com', true, 'mobile', ['search']),
    ]);
    // Copied all at once, one entry per developer: pasted, they declare no developer twice.
    const all = decode(/<pre id="all-registration-entries" hidden>([^<]*)<\/pre>/.exec(page)![1]!);
    expect(all).toBe(
      [
        entry('sam@example.com', true, 'mobile', ['payments', 'search']),
        `# "ada@example.com" is already declared in the manifests: merge this entry's applications into that developer's entry`,
        entry('ada@example.com', false, 'billing', ['payments']),
      ].join('\n'),
    );
    const section = between(page, '<h2 id="registration-requests">', '<h2 id="unverified">');
    expect(section).toContain(
      'The manifests declare ada@example.com: merge the <code>applications</code> of this entry into theirs.',
    );
    expect(section).not.toContain('The manifests declare sam@example.com');
    expect(section).toContain(
      'The manifest entry that approves it; it also declares sam@example.com, approved, in the manifests:',
    );
    // Not requests: the manifests' own pending registration, decided ones, and the sign-up's entry.
    expect(section).not.toContain('reports');
    expect(section).not.toContain('ledger');
    expect(between(page, '<h2 id="sign-ups">', '<h2 id="registration-requests">')).toContain('zoe@example.com');
    expect(section).not.toContain('zoe@example.com');
  });

  it('shows each registration request with the same entry as `portalform requests --json`, in the same order', async () => {
    const listed = server.w.run(['requests', '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    const { registrations } = JSON.parse(listed.stdout) as {
      registrations: Array<{ email: string; manifest: string }>;
    };
    expect(registrations.map((r) => r.email)).toEqual(['sam@example.com', 'ada@example.com', 'sam@example.com']);
    const page = (await admin.get('/console/requests')).body;
    expect(entriesOf(page)).toEqual(registrations.map((r) => r.manifest));
  });

  it("shows a developer's applications, their credentials without secrets and registrations with status", async () => {
    const response = await admin.get('/console/developers/ada%40example.com');
    expect(response.statusCode).toBe(200);
    const page = response.body;
    expect(page).not.toContain(SECRET_SENTINEL);
    // The application's credential is listed under the application, not among ada's own.
    const own = between(page, '<h2>Credentials (1)</h2>', '<h2 id="applications">');
    expect(own).toContain('partners');
    expect(own).not.toContain('billing-prod');
    expect(page).toContain('<h2 id="applications">Applications (2)</h2>');
    // The developer list counts the developer's own credentials too, as its page lists them.
    const list = (await admin.get('/console/developers?q=ada')).body;
    expect(list).toContain('<td data-label="Credentials">1</td>');

    const billing = between(page, '<h3 id="application-billing">', '<h3 id="application-reports">');
    expect(billing).toContain(
      '<code>developer[&quot;ada@example.com&quot;]<wbr>.application[&quot;billing&quot;]</code>',
    );
    expect(billing).toContain('<td data-label="Identity">billing-prod</td>');
    expect(billing).toContain('<h4>Credentials (1)</h4>');
    expect(billing).toContain('<h4>Registrations (2)</h4>');
    expect(billing).toMatch(/>ledger<\/a><\/td><td data-label="Status"><span class="badge approved">approved<\/span>/);
    expect(billing).toMatch(/>payments<\/a><\/td><td data-label="Status"><span class="badge pending">pending<\/span>/);
    // The developer's own description, escaped: the markup shows as text.
    expect(billing).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(page).not.toContain('<img src=x');
    expect(billing).toContain("(the developer's)");
    const reports = between(page, '<h3 id="application-reports">', '<p><a href="/console/developers">');
    expect(reports).toContain('Quarterly reports');
    expect(reports).not.toContain("(the developer's)");
    expect(reports).toContain('<h4>Credentials (0)</h4><p>None.</p>');
  });

  it('counts each API’s registrations by status and groups them by status on its page', async () => {
    const list = await admin.get('/console/apis');
    expect(list.statusCode).toBe(200);
    const rows = [...list.body.matchAll(/<tr><td data-label="API">(.*?)<\/tr>/gs)].map((m) => m[1]!);
    expect(rows).toHaveLength(3);
    const cells = (row: string) => [...row.matchAll(/<td data-label="(\w+)">(.*?)<\/td>/gs)].map((m) => [m[1], m[2]]);
    const counts = (row: string) =>
      cells(row).filter(([label]) => ['Pending', 'Approved', 'Rejected', 'Revoked'].includes(label!));
    expect(rows[0]).toContain('>ledger</a>');
    expect(counts(rows[0]!).map(([, v]) => v!.replace(/<[^>]+>/g, ''))).toEqual(['0', '1', '1', '0']);
    expect(rows[0]).toContain('<td data-label="Auto-approve">yes</td>');
    expect(rows[1]).toContain('>payments</a>');
    expect(counts(rows[1]!).map(([, v]) => v!.replace(/<[^>]+>/g, ''))).toEqual(['3', '55', '0', '0']);
    expect(rows[1]).toContain('<td data-label="Auto-approve">no, the portal&#39;s setting</td>');
    expect(rows[1]).toContain(
      'href="/console/apis/payments?status=approved" aria-label="55 approved registrations to payments"',
    );

    const payments = (await admin.get('/console/apis/payments')).body;
    expect(payments).toContain('<h1>Payments API (payments)</h1>');
    expect(payments).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(payments).not.toContain('<script>alert');
    expect(payments).toContain('<dt>ACL groups</dt><dd>partners</dd>');
    const pending = between(payments, '<h2 id="registrations-pending">', '<h2 id="registrations-approved">');
    expect(pending).toContain('<h2 id="registrations-pending">Pending (3)</h2>');
    expect([...pending.matchAll(/data-label="Application" class="nowrap">([^<]+)</g)].map((m) => m[1])).toEqual([
      'mobile',
      'billing',
      'reports',
    ]);
    const approved = between(payments, '<h2 id="registrations-approved">', '<h2 id="registrations-rejected">');
    // The oldest ten of each status, and a link to all of them.
    expect(approved.match(/<tr><td data-label="Developer">/g)).toHaveLength(10);
    expect(approved).toContain('<a href="/console/apis/payments?status=approved">All 55 approved registrations</a>');
    expect(pending).not.toContain('All 3 pending');
    expect(payments).toContain('<h2 id="registrations-rejected">Rejected (0)</h2>\n<p>None.</p>');
  });

  it('pages an API’s registrations of one status by a key, each shown once', async () => {
    const first = (await admin.get('/console/apis/payments?status=approved')).body;
    expect(first).not.toContain('id="registrations-pending"');
    const next =
      /href="(\/console\/apis\/payments\?status=approved&amp;after=[^"]+)">Next approved registrations</.exec(first);
    expect(next).not.toBeNull();
    const second = (await admin.get(decode(next![1]!))).body;
    expect(second).toContain('First page');
    expect(second).not.toContain('Next approved registrations');
    const apps = (page: string) =>
      [...page.matchAll(/data-label="Application" class="nowrap">([^<]+)</g)].map((m) => m[1]!);
    const shown = [...apps(first), ...apps(second)];
    expect(shown).toHaveLength(55);
    expect(new Set(shown).size).toBe(55);
    expect(shown[0]).toBe('fleet-01');
    expect(shown.at(-1)).toBe('fleet-55');
  });

  it('answers 404 for an unknown API, keeps signed-out visitors out, and sends the security headers', async () => {
    const missing = await admin.get('/console/apis/%3Cb%3Enope');
    expect(missing.statusCode).toBe(404);
    expect(missing.body).toContain('No API is named &lt;b&gt;nope.');
    const answer = await admin.get('/console/apis');
    expect(answer.headers['content-security-policy']).toBe(PAGES_CSP);
    expect(answer.headers['x-frame-options']).toBe('DENY');
    expect(answer.body).toContain('<a href="/console/apis" aria-current="page">APIs</a>');
    for (const url of ['/console/apis', '/console/apis/payments']) {
      const stranger = await server.app.inject({ method: 'GET', url });
      expect(stranger.statusCode, url).toBe(303);
      expect(stranger.headers.location, url).toBe('/console/login');
    }
  });
});
