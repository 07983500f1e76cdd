// A registration request from the portal to its approval, as the console shows it, over real HTTP
// against `portalform serve` on SQLite and PostgreSQL (issue 26, "Done means"): a developer's
// application asks for an API; the console's access requests list it with its entry; the reviewer
// merges that entry into the developer's manifest entry and applies; the console then shows the
// registration approved on the API's page and the developer's, and no request left.
import { afterAll, describe, expect, it } from 'vitest';
import { BACKENDS, dropTestSchemas } from './helpers/backends.js';
import { workspace, type Workspace } from './helpers/cli.js';
import { PageClient, startServe } from './helpers/serve-process.js';
import { PASSWORD, STATE_ENV } from './helpers/service.js';

afterAll(dropTestSchemas);

const CONSOLE_TOKEN = 'console-token-of-the-flow-0123456789abcdef';

const ADA = `  - email: ada@example.com
    fullName: Ada Lovelace
    status: approved
    applications:
      - name: billing
        description: Billing service
        registrations:
          - { api: payments, status: approved }
`;
const BOB = `  - email: bob@example.com
    fullName: Bob Builder
    status: approved
`;
const manifest = (developers: string) => `version: 1
apis:
  - { name: payments, title: Payments API, description: Charge cards and refunds. }
developers:
${developers}`;

function apply(ws: Workspace, text: string): void {
  ws.write('portal.yaml', text);
  const result = ws.run(['apply', 'portal.yaml', '--auto-approve'], { env: STATE_ENV });
  expect(result.code, result.stderr).toBe(0);
}

const decode = (text: string) =>
  text
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

describe.each(BACKENDS)('a registration request through the console on $name', (backend) => {
  it('is listed with its entry, and once that entry is merged and applied, shown approved', {
    timeout: 120_000,
  }, async () => {
    const ws = workspace(backend.newState());
    apply(ws, manifest(ADA + BOB));
    const server = await startServe(ws, { PORTALFORM_CONSOLE_TOKEN: CONSOLE_TOKEN });
    try {
      const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
        const response = await fetch(server.url + path, {
          method,
          headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
        return { status: response.status, text: await response.text() };
      };
      // Bob sets a password from an invite, signs in, makes an application and asks for payments.
      const invite = ws.run(['invite', 'developer["bob@example.com"]', '--json', '--no-mail'], { env: STATE_ENV });
      expect(invite.code, invite.stderr).toBe(0);
      expect(
        (await call('POST', '/api/v1/password', { token: JSON.parse(invite.stdout).token, password: PASSWORD })).status,
      ).toBe(204);
      const session = await call('POST', '/api/v1/session', { email: 'bob@example.com', password: PASSWORD });
      expect(session.status, session.text).toBe(201);
      const bob = { authorization: `Bearer ${JSON.parse(session.text).token}` };
      const created = await call('POST', '/api/v1/applications', { name: 'mobile', description: 'Mobile app' }, bob);
      expect(created.status, created.text).toBe(201);
      const { id } = JSON.parse(created.text).application;
      const requested = await call('POST', `/api/v1/applications/${id}/registrations`, { api: 'payments' }, bob);
      expect(requested.status, requested.text).toBe(201);
      expect(JSON.parse(requested.text).registration.status).toBe('pending');

      const admin = new PageClient(server.url);
      expect((await admin.signIn(CONSOLE_TOKEN)).status).toBe(303);
      const requests = await (await admin.get('/console/requests')).text();
      expect(requests).toContain('Registration requests</h2>\n<p>1 pending registration request');
      expect(requests).toContain(
        'The manifests declare bob@example.com: merge the <code>applications</code> of this entry into theirs.',
      );
      const entry = decode(/<pre id="registration-entry-0">([^<]*)<\/pre>/.exec(requests)![1]!);
      expect(entry).toBe(
        [
          '- email: bob@example.com',
          '  applications:',
          '    - name: mobile',
          '      registrations:',
          '        - api: payments',
          '          status: approved',
        ].join('\n'),
      );
      const pendingPage = await (await admin.get('/console/apis/payments')).text();
      expect(pendingPage).toContain('<h2 id="registrations-pending">Pending (1)</h2>');

      // The history shows bob's request as the registration it made.
      const history = await admin.get('/console/history');
      expect(history.status).toBe(200);
      const timeline = await history.text();
      expect(timeline).toContain(
        'developer[&quot;bob@example.com&quot;].application[&quot;mobile&quot;].registration[&quot;payments&quot;] will be created',
      );
      expect(timeline).toContain('+ registration &quot;payments&quot; {');

      // The reviewer merges the entry's applications into bob's entry, as the console says, and applies.
      const merged = `${BOB}${entry
        .split('\n')
        .slice(1)
        .map((line) => `  ${line}`)
        .join('\n')}\n`;
      apply(ws, manifest(ADA + merged));

      const after = await (await admin.get('/console/requests')).text();
      expect(after).toContain('<p>No registration request is waiting.</p>');
      const api = await (await admin.get('/console/apis/payments')).text();
      expect(api).toContain('<h2 id="registrations-pending">Pending (0)</h2>');
      expect(api).toContain('<h2 id="registrations-approved">Approved (2)</h2>');
      const approved = api.slice(api.indexOf('id="registrations-approved"'));
      expect(approved).toMatch(
        /bob@example\.com<\/a><\/td>\n<td data-label="Application" class="nowrap">mobile<\/td>\n<td data-label="Origin" class="nowrap">manifest</,
      );
      const developer = await (await admin.get('/console/developers/bob%40example.com')).text();
      expect(developer).toContain('<h2 id="applications">Applications (1)</h2>');
      expect(developer).toMatch(
        />payments<\/a><\/td><td data-label="Status"><span class="badge approved">approved<\/span>/,
      );
      // The entry left the description out: the developer keeps it.
      expect(developer).toContain('Mobile app <span class="muted">(the developer\'s)</span>');
    } finally {
      await server.stop();
    }
  });
});
