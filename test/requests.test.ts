// `portalform requests`: the pending access requests and the entries that approve them (issue 17, point 2); the
// entries leave `fullName` out, so that the developer keeps managing the name (issue 24, point 20).
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { BACKENDS, dropTestSchemas } from './helpers/backends.js';
import { workspace } from './helpers/cli.js';
import { PASSWORD, portalCase } from './helpers/portal.js';
import { verifyWithEngine } from './helpers/verification.js';

afterAll(dropTestSchemas);
const sqlite = BACKENDS[0]!;

describe('portalform requests', () => {
  it('lists the unmanaged pending developers oldest first, with the entry that approves each', async () => {
    const c = await portalCase(sqlite, '  - { email: ada@example.com, fullName: Ada, status: pending }\n');
    try {
      await c.portal.register({ email: 'zoe@example.com', fullName: 'Zoë Z', password: PASSWORD });
      await c.portal.register({ email: 'bob@example.com', fullName: 'Bob: the "builder"', password: PASSWORD });
      // Both prove their address: only then are they access requests an apply may approve.
      for (const email of ['zoe@example.com', 'bob@example.com'])
        await verifyWithEngine(c.portal, { state: c.w.state, cwd: c.w.dir }, email, PASSWORD);
      await c.signUp('sam@example.com'); // approved: not a request

      const json = c.w.run(['requests', '--json']);
      expect(json.code, json.stderr).toBe(0);
      const { requests } = JSON.parse(json.stdout) as {
        requests: Array<{ email: string; fullName: string; createdAt: string; manifest: string }>;
      };
      // ada is pending too, but the manifests manage her: she is no request.
      expect(requests.map((r) => r.email)).toEqual(['zoe@example.com', 'bob@example.com']);
      expect(requests[0]!.createdAt <= requests[1]!.createdAt).toBe(true);
      expect(requests[1]!.fullName).toBe('Bob: the "builder"');
      expect(parse(requests[1]!.manifest)).toEqual([{ email: 'bob@example.com', status: 'approved' }]);

      const text = c.w.run(['requests']);
      expect(text.stdout).toContain('2 pending access requests, oldest first:');
      expect(text.stdout.indexOf('zoe@')).toBeLessThan(text.stdout.indexOf('bob@'));

      // The entries alone, pasted under `developers:`, approve both in one apply.
      const entries = c.w.run(['requests', '--format', 'manifest']);
      expect(entries.code, entries.stderr).toBe(0);
      expect(parse(entries.stdout)).toEqual([
        { email: 'zoe@example.com', status: 'approved' },
        { email: 'bob@example.com', status: 'approved' },
      ]);
      c.w.write(
        'm.yaml',
        `version: 1\ndevelopers:\n- { email: ada@example.com, fullName: Ada, status: pending }\n${entries.stdout}`,
      );
      const applied = c.w.run(['apply', 'm.yaml', '--auto-approve']);
      expect(applied.code, applied.stderr).toBe(0);
      expect(JSON.parse(c.w.run(['requests', '--json']).stdout)).toEqual({ requests: [], registrations: [] });
      const listed = JSON.parse(c.w.run(['state', 'list', '--json']).stdout).developers;
      expect(listed.find((d: { email: string }) => d.email === 'bob@example.com')).toMatchObject({
        status: 'approved',
        origin: 'manifest',
        fullName: 'Bob: the "builder"',
      });
      // The entry left the name out, so bob still manages it: the portal lets him change it.
      const bob = await c.portal.authenticate(
        (await c.portal.login({ email: 'bob@example.com', password: PASSWORD })).token,
      );
      expect((await c.portal.updateMe(bob!, { fullName: 'Bob Builder' })).fullName).toBe('Bob Builder');
      const none = c.w.run(['requests', '--format', 'manifest']);
      expect(none).toMatchObject({ code: 0, stdout: '' });
      expect(none.stderr).toContain('No pending access requests.');
    } finally {
      await c.close();
    }
  });

  it('refuses a missing state, saying how to create one, and creates nothing', () => {
    const w = workspace();
    const result = w.run(['requests']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^Error: no state at .*portalform\.db; run `portalform apply` first/m);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(w.run(['requests', '--json']).code).toBe(1);
  });

  it('has help with examples and rejects an unknown format', () => {
    const w = workspace();
    const help = w.run(['requests', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--format <format>');
    expect(help.stdout).toContain('portalform requests --format manifest');
    const bad = w.run(['requests', '--format', 'yaml']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("argument 'yaml' is invalid");
  });
});
