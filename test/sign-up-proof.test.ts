// No adoption without proof (issue 25): a sign-up proves nothing about its address, so a plan never
// adopts one that has not verified it, a sign-up alone never replaces a tombstone, and `--replace`
// deletes such an account and creates the declared developer anew. Over the real CLI, on both backends.
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { openPortal } from '../src/portal/index.js';
import { BACKENDS, dropTestSchemas } from './helpers/backends.js';
import { CONSOLE_TOKEN, startPortal, type PortalServer } from './helpers/pages-server.js';
import { loginInvited, manifestOf, PASSWORD, portalCase, refusal, type PortalCase } from './helpers/portal.js';
import { proveAddress } from './helpers/proof.js';
import { withStateDb } from './helpers/state-db.js';

afterAll(dropTestSchemas);

const VIP_ENTRY =
  '  - { email: vip@example.com, fullName: VIP, status: approved, credentials: [{ type: acl, group: admins }] }\n';
const BOB = '  - { email: bob@example.com, fullName: Bob, status: approved }\n';
const VIP = 'developer["vip@example.com"]';
const LOCATED = /^m\.yaml:3:5: error: /m;
const TOMBSTONE_ERROR =
  /developer\["vip@example\.com"\] deleted their own account through the portal on \d{4}-\d\d-\d\dT[\d:.]+Z; the manifests still declare them\..*Someone has signed up with this email since: that account replaces the record only once it verifies the address/;
const UNVERIFIED_ERROR =
  /developer\["vip@example\.com"\] signed up through the portal and has not verified their address, so the plan does not adopt them\. The developer can verify it with the link mailed to them \(a new link is sent from the sign-in page\), or plan with --replace 'developer\["vip@example\.com"\]' to delete that account and create the declared developer anew/;

interface Listed {
  email: string;
  status: string;
  origin: string;
  emailVerified: boolean;
  credentials: Array<Record<string, unknown>>;
}

function listed(c: PortalCase, email: string): Listed | undefined {
  const result = c.w.run(['state', 'list', '--json']);
  expect(result.code, result.stderr).toBe(0);
  return (JSON.parse(result.stdout).developers as Listed[]).find((d) => d.email === email);
}

const tombstones = (c: PortalCase) =>
  withStateDb(c.w, async (query) => (await query('select email from pf_tombstones')).length);

/** vip, declared approved with acl admins, deletes their account; a stranger signs up with the address. */
async function strangerTakesVip(backend: (typeof BACKENDS)[number]): Promise<PortalCase> {
  const c = await portalCase(backend, VIP_ENTRY + BOB);
  const vip = await loginInvited(c, 'vip@example.com');
  await c.portal.deleteAccount(vip, { password: PASSWORD });
  await c.portal.register({ email: 'VIP@example.com', fullName: 'Stranger', password: PASSWORD });
  return c;
}

describe.each(BACKENDS)('no adoption without proof on $name', (backend) => {
  it('a stranger on a deleted managed address is neither adopted nor approved until the address is proven', async () => {
    const c = await strangerTakesVip(backend);
    try {
      expect(await tombstones(c)).toBe(1); // the sign-up left the record of the deletion in place
      const plan = c.w.run(['plan', 'm.yaml']);
      expect(plan.code).toBe(1);
      expect(plan.stderr).toMatch(LOCATED);
      expect(plan.stderr).toMatch(TOMBSTONE_ERROR);
      expect(c.w.run(['apply', 'm.yaml', '--auto-approve']).code).toBe(1);
      const stranger = { status: 'pending', origin: 'self-service', emailVerified: false, credentials: [] };
      expect(listed(c, 'vip@example.com')).toMatchObject(stranger);

      // The tombstone replaced, the address still not verified: the plan refuses to adopt.
      await proveAddress(c.w, 'vip@example.com', { verify: false });
      expect(await tombstones(c)).toBe(0);
      const unverified = c.w.run(['plan', 'm.yaml']);
      expect(unverified.code).toBe(1);
      expect(unverified.stderr).toMatch(LOCATED);
      expect(unverified.stderr).toMatch(UNVERIFIED_ERROR);
      expect(unverified.stderr).not.toMatch(/deleted their own account/);
      expect(unverified.stderr).not.toMatch(/\n\s+at /);
      expect(c.w.run(['apply', 'm.yaml', '--auto-approve']).code).toBe(1);
      expect(listed(c, 'vip@example.com')).toMatchObject(stranger);

      // Proven: whoever owns the mailbox is vip, and the unchanged manifests adopt and approve them.
      await proveAddress(c.w, 'vip@example.com');
      const adopted = c.w.run(['plan', 'm.yaml', '--json']);
      expect(adopted.code, adopted.stderr).toBe(0);
      const ops = JSON.parse(adopted.stdout).changes.map(
        (ch: { op: string; address: string }) => `${ch.op} ${ch.address}`,
      );
      expect(ops).toEqual([`approve ${VIP}`, `update ${VIP}`, `create ${VIP}.credential["acl:admins"]`]);
      expect(c.w.run(['apply', 'm.yaml', '--auto-approve']).code).toBe(0);
      expect(listed(c, 'vip@example.com')).toMatchObject({
        status: 'approved',
        origin: 'manifest',
        emailVerified: true,
        credentials: [{ type: 'acl', group: 'admins', origin: 'manifest' }],
      });
    } finally {
      await c.close();
    }
  });

  it('--replace deletes the unproven account and creates the declared developer, each a plan step', async () => {
    const c = await strangerTakesVip(backend);
    try {
      const planned = c.w.run(['plan', 'm.yaml', '--json', '--replace', VIP]);
      expect(planned.code, planned.stderr).toBe(0);
      const changes = JSON.parse(planned.stdout).changes as Array<Record<string, unknown>>;
      expect(changes.map((ch) => `${ch.op} ${ch.address}`)).toEqual([
        `update ${VIP}`, // the record of the deletion cleared
        `delete ${VIP}`,
        `create ${VIP}`,
        `create ${VIP}.credential["acl:admins"]`,
      ]);
      expect(changes[1]).toMatchObject({ actions: ['delete', 'create'], before: { fullName: 'Stranger' } });
      const applied = c.w.run(['apply', 'm.yaml', '--auto-approve', '--replace', VIP]);
      expect(applied.code, applied.stderr).toBe(0);
      expect(listed(c, 'vip@example.com')).toMatchObject({ fullName: 'VIP', origin: 'manifest', emailVerified: true });
      expect(await tombstones(c)).toBe(0);
      // The stranger's password opens nothing.
      const login = await refusal(c.portal.login({ email: 'vip@example.com', password: PASSWORD }));
      expect(login.status).toBe(401);
      expect(c.w.run(['plan', 'm.yaml', '--detailed-exitcode']).code).toBe(0);
    } finally {
      await c.close();
    }
  });

  it('a sign-up made before the pull request that declares its address is merged is not adopted on merge', async () => {
    const c = await portalCase(backend, BOB);
    try {
      await c.portal.register({ email: 'early@example.com', fullName: 'Early', password: PASSWORD });
      c.w.write('m.yaml', manifestOf(`  - { email: early@example.com, status: approved }\n${BOB}`));
      const plan = c.w.run(['plan', 'm.yaml']);
      expect(plan.code).toBe(1);
      expect(plan.stderr).toMatch(
        /^m\.yaml:3:5: error: developer\["early@example\.com"\] signed up through the portal/m,
      );
      expect(c.w.run(['apply', 'm.yaml', '--auto-approve']).code).toBe(1);
      expect(listed(c, 'early@example.com')).toMatchObject({ status: 'pending', origin: 'self-service' });
      await proveAddress(c.w, 'early@example.com');
      expect(c.w.run(['apply', 'm.yaml', '--auto-approve']).code).toBe(0);
      expect(listed(c, 'early@example.com')).toMatchObject({ status: 'approved', origin: 'manifest' });
    } finally {
      await c.close();
    }
  });

  it('a saved plan that adopts a verified sign-up, its entry leaving the name to them as requests prints it, applies', async () => {
    const c = await portalCase(backend, BOB);
    try {
      await c.portal.register({ email: 'sam@example.com', fullName: 'Sam', password: PASSWORD });
      await proveAddress(c.w, 'sam@example.com');
      c.w.write(
        'm.yaml',
        manifestOf(`${BOB}${c.w.run(['requests', '--format', 'manifest']).stdout.replace(/^/gm, '  ')}`),
      );
      expect(c.w.run(['plan', 'm.yaml', '--out', 'sam.plan']).code).toBe(0);
      const applied = c.w.run(['apply', 'sam.plan']);
      expect(applied.code, applied.stderr).toBe(0);
      expect(listed(c, 'sam@example.com')).toMatchObject({ fullName: 'Sam', status: 'approved', origin: 'manifest' });
    } finally {
      await c.close();
    }
  });

  it('a saved plan that adopts a developer is refused once a stranger holds the address unproven', async () => {
    const c = await portalCase(backend, BOB);
    try {
      const sam = await c.signUp('sam@example.com'); // approved and verified
      c.w.write(
        'm.yaml',
        manifestOf(
          `${BOB}  - { email: sam@example.com, status: approved, credentials: [{ type: acl, group: admins }] }\n`,
        ),
      );
      const saved = c.w.run(['plan', 'm.yaml', '--out', 'sam.plan']);
      expect(saved.code, saved.stderr).toBe(0);
      await c.portal.deleteAccount(sam, { password: PASSWORD });
      await c.portal.register({ email: 'sam@example.com', fullName: 'Stranger', password: PASSWORD });
      const applied = c.w.run(['apply', 'sam.plan']);
      expect(applied.code).toBe(1);
      // Refused either as stale (the new row's version differs from the one planned, as it does once the
      // first account verified through the portal) or, where the versions happen to match, as unverified.
      expect(applied.stderr).toMatch(
        new RegExp(
          'Saved plan is stale|the saved plan\'s step \\d+ \\(update developer\\["sam@example\\.com"\\]\\) is refused: ' +
            'the developer signed up through the portal and has not verified their address',
        ),
      );
      expect(listed(c, 'sam@example.com')).toMatchObject({
        fullName: 'Stranger',
        origin: 'self-service',
        emailVerified: false,
        credentials: [],
      });
    } finally {
      await c.close();
    }
  });
});

/** ada managed; first@ a verified access request; second@ a sign-up that has not verified its address. */
async function oneOfEach(backend: (typeof BACKENDS)[number]): Promise<PortalCase> {
  const c = await portalCase(backend, '  - { email: ada@example.com, fullName: Ada, status: approved }\n');
  await c.portal.register({ email: 'first@example.com', fullName: 'First', password: PASSWORD });
  await proveAddress(c.w, 'first@example.com');
  await c.portal.register({ email: 'second@example.com', fullName: 'Second', password: PASSWORD });
  return c;
}

describe.each(BACKENDS)('unverified sign-ups listed apart on $name', (backend) => {
  it('state list and state show say whether each address is verified; plans count unverified sign-ups apart', async () => {
    const c = await oneOfEach(backend);
    try {
      const all = JSON.parse(c.w.run(['state', 'list', '--json']).stdout).developers as Listed[];
      expect(all.map((d) => [d.email, d.origin, d.emailVerified])).toEqual([
        ['ada@example.com', 'manifest', true],
        ['first@example.com', 'self-service', true],
        ['second@example.com', 'self-service', false],
      ]);
      expect(Object.keys(all[0]!).slice(5, 8)).toEqual(['origin', 'emailVerified', 'credentials']);
      const shown = c.w.run(['state', 'show', 'developer["second@example.com"]', '--json']);
      expect(JSON.parse(shown.stdout)).toMatchObject({ origin: 'self-service', emailVerified: false });
      expect(c.w.run(['state', 'show', 'developer["second@example.com"]']).stdout).toMatch(/emailVerified\s+= false/);

      const json = c.w.run(['plan', 'm.yaml', '--json']);
      expect(json.code, json.stderr).toBe(0);
      expect(JSON.parse(json.stdout).unmanaged).toEqual([
        expect.objectContaining({ address: 'developer["first@example.com"]', status: 'pending', emailVerified: true }),
        expect.objectContaining({
          address: 'developer["second@example.com"]',
          status: 'pending',
          emailVerified: false,
        }),
      ]);
      const text = c.w.run(['plan', 'm.yaml', '--detailed-exitcode']);
      expect(text.code, text.stderr).toBe(0);
      expect(text.stdout).toContain('1 pending access request, oldest first:\n    developer["first@example.com"]');
      expect(text.stdout).toContain('  1 unverified sign-up (not access requests until they verify their address');
      expect(text.stdout).not.toContain('second@example.com');
      for (const format of ['markdown', 'html']) {
        const other = c.w.run(['plan', 'm.yaml', '--format', format]).stdout;
        expect(other, format).toContain('1 unverified sign-up (not access requests');
        expect(other, format).toContain('1 pending access request, oldest first');
        expect(other, format).not.toContain('second@example.com');
      }
    } finally {
      await c.close();
    }
  });

  it('requests keeps them in --json, lists them apart, comments their entries out; export leaves them out', async () => {
    const c = await oneOfEach(backend);
    try {
      const { requests } = JSON.parse(c.w.run(['requests', '--json']).stdout);
      expect(requests.map((r: Record<string, unknown>) => [r.email, r.emailVerified])).toEqual([
        ['first@example.com', true],
        ['second@example.com', false],
      ]);
      expect(Object.keys(requests[0])).toEqual(['email', 'fullName', 'emailVerified', 'createdAt', 'manifest']);
      const text = c.w.run(['requests']).stdout;
      expect(text).toMatch(/^1 pending access request, oldest first:\n {2}first@example\.com {2}"First" {2}requested /);
      expect(text).toMatch(
        /\n1 unverified sign-up, oldest first \(not access requests until they verify their address with the link mailed to them\):\n {2}second@example\.com {2}"Second" {2}signed up /,
      );
      const entries = c.w.run(['requests', '--format', 'manifest']);
      expect(entries.code, entries.stderr).toBe(0);
      expect(parse(entries.stdout)).toEqual([{ email: 'first@example.com', status: 'approved' }]);
      expect(entries.stdout).toContain(
        '# second@example.com has not verified their address: not an access request until they use the link mailed to them (a plan would refuse to adopt them)\n# - email: second@example.com\n#   status: approved',
      );

      const exported = c.w.run(['export', '--include-unmanaged']);
      expect(exported.code, exported.stderr).toBe(0);
      expect(exported.stdout).toContain('first@example.com');
      expect(exported.stdout).not.toContain('second@example.com');
      expect(exported.stderr).toBe(
        'Note: left out 1 unverified sign-up (developer["second@example.com"]): they have not verified their address, and a plan would refuse to adopt them.\n',
      );
      // A plan on that export adopts the verified request and fails on nothing.
      c.w.write('export/portal.yaml', exported.stdout);
      const planned = c.w.run(['plan', 'export', '--json']);
      expect(planned.code, planned.stderr).toBe(0);
      expect(JSON.parse(planned.stdout).changes.map((ch: { address: string }) => ch.address)).toEqual([
        'developer["first@example.com"]',
      ]);
    } finally {
      await c.close();
    }
  });

  it("the console's access-requests page lists them apart, without an entry that approves them", async () => {
    const server = await startPortal('developers:\n  - { email: ada@example.com, fullName: Ada, status: approved }\n', {
      state: backend.newState(),
    });
    try {
      const engine = await openPortal({ state: server.w.state, cwd: server.w.dir, env: {} });
      try {
        await engine.register({ email: 'first@example.com', fullName: 'First', password: PASSWORD });
        await proveAddress(server.w, 'first@example.com');
        await engine.register({ email: 'second@example.com', fullName: 'Second', password: PASSWORD });
      } finally {
        await engine.close();
      }
      const page = await consolePage(server, '/console/requests');
      expect(page).toContain('1 pending sign-up, oldest first');
      expect(page).toContain('- email: first@example.com\n  status: approved</pre>');
      const apart = page.slice(page.indexOf('<h2 id="unverified">'));
      expect(apart).toMatch(/^<h2 id="unverified">1 unverified sign-up<\/h2>/);
      expect(apart).toContain('>second@example.com</a>');
      expect(page).not.toContain('- email: second@example.com');
      expect(page.indexOf('second@example.com')).toBeGreaterThan(page.indexOf('<h2 id="unverified">'));
    } finally {
      await server.close();
    }
  });
});

/** A page of the console, signed in with a console token. */
async function consolePage(server: PortalServer, url: string): Promise<string> {
  const login = await server.app.inject({ method: 'GET', url: '/console/login' });
  const csrf = /name="_csrf" value="([^"]+)"/.exec(login.body)![1]!;
  const cookie = login.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
  const signedIn = await server.app.inject({
    method: 'POST',
    url: '/console/login',
    payload: `_csrf=${encodeURIComponent(csrf)}&token=${CONSOLE_TOKEN}`,
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
  });
  expect(signedIn.statusCode).toBe(303);
  const session = signedIn.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
  const page = await server.app.inject({ method: 'GET', url, headers: { cookie: session } });
  expect(page.statusCode).toBe(200);
  return page.body;
}
