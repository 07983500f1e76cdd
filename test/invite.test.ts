// `portalform invite ADDR` (docs/portal-service.md): a single-use, 72-hour link with which a developer sets a password.
import { afterAll, describe, expect, it } from 'vitest';
import { BACKENDS, dropTestSchemas } from './helpers/backends.js';
import { workspace } from './helpers/cli.js';
import { manifestOf, PASSWORD, portalCase, refusal } from './helpers/portal.js';
import { runSql, withStateDb } from './helpers/state-db.js';

afterAll(dropTestSchemas);

const ADA = '  - { email: ada@example.com, fullName: Ada, status: approved }\n';

describe.each(BACKENDS)('portalform invite on $name', (backend) => {
  it('prints a link whose token sets a password once, within 72 hours, recorded without the token', async () => {
    const c = await portalCase(backend, ADA);
    try {
      const text = c.w.run(['invite', 'developer["Ada@example.com"]', '--public-url', 'https://portal.example.com/']);
      expect(text.code, text.stderr).toBe(0);
      expect(text.stdout).toMatch(
        /^https:\/\/portal\.example\.com\/password\?token=[A-Za-z0-9_-]{43}\n\(single use, expires /,
      );
      const run = c.w.run(['invite', 'developer["ada@example.com"]', '--json'], {
        env: { PORTALFORM_PUBLIC_URL: 'https://dev.example.com' },
      });
      expect(run.code, run.stderr).toBe(0);
      const json = JSON.parse(run.stdout);
      expect(Object.keys(json).sort()).toEqual(['expiresAt', 'token', 'url']);
      expect(json.url).toBe(`https://dev.example.com/password?token=${json.token}`);
      const hours = (Date.parse(json.expiresAt) - Date.now()) / 3600_000;
      expect(hours).toBeGreaterThan(71.9);
      expect(hours).toBeLessThanOrEqual(72);

      expect((await refusal(c.portal.login({ email: 'ada@example.com', password: PASSWORD }))).status).toBe(401); // no password yet
      await c.portal.setPasswordWithInvite({ token: json.token, password: PASSWORD });
      expect((await c.portal.login({ email: 'ada@example.com', password: PASSWORD })).token).toBeTruthy();
      const reused = await refusal(
        c.portal.setPasswordWithInvite({ token: json.token, password: 'another passphrase' }),
      );
      expect([reused.status, reused.errors?.[0]?.field]).toEqual([400, 'token']);
      expect((await refusal(c.portal.setPasswordWithInvite({ token: 'made-up', password: PASSWORD }))).status).toBe(
        400,
      );

      const history = JSON.parse(c.w.run(['history', '--json']).stdout).entries;
      const invites = history.filter((e: any) => e.kind === 'invite');
      expect(invites).toHaveLength(2);
      expect(invites[0]).toMatchObject({ chain: 'events', serial: 1, address: 'developer["ada@example.com"]' });
      const stored =
        JSON.stringify(history) + JSON.stringify(await withStateDb(c.w, (q) => q('select * from pf_link_tokens')));
      expect(stored).not.toContain(json.token);
      expect(c.w.run(['history', 'verify']).code).toBe(0);
    } finally {
      await c.close();
    }
  });

  it('refuses an expired link, an unknown developer and a missing state; invites a self-service one', async () => {
    const c = await portalCase(backend, ADA);
    try {
      const expired = JSON.parse(c.w.run(['invite', 'developer["ada@example.com"]', '--json']).stdout);
      await runSql(c.w, [`update pf_link_tokens set expires_at = '2000-01-01T00:00:00.000Z'`]);
      expect((await refusal(c.portal.setPasswordWithInvite({ token: expired.token, password: PASSWORD }))).status).toBe(
        400,
      );
      expect(
        (await refusal(c.portal.setPasswordWithInvite({ token: expired.token, password: 'short' }))).errors?.map(
          (e) => e.field,
        ),
      ).toEqual(['password']);
      await c.signUp('sam@example.com');
      // Any developer may be invited: for a self-service one the link works as a password reset.
      const self = c.w.run(['invite', 'developer["sam@example.com"]', '--json', '--no-mail']);
      expect(self.code, self.stderr).toBe(0);
      await c.portal.setPasswordWithInvite({ token: JSON.parse(self.stdout).token, password: 'another passphrase' });
      expect((await c.portal.login({ email: 'sam@example.com', password: 'another passphrase' })).token).toBeTruthy();
      const unknown = c.w.run(['invite', 'developer["nobody@example.com"]']);
      expect([unknown.code, unknown.stderr]).toEqual([
        1,
        expect.stringMatching(/developer\["nobody@example.com"\] is not in the state/),
      ]);
      expect(c.w.run(['invite', 'developer["ada@example.com"]', '--public-url', 'ftp://x']).stderr).toMatch(
        /invalid public URL/,
      );
      expect(unknown.stderr).not.toMatch(/\n\s+at /);
    } finally {
      await c.close();
    }
    const empty = workspace(backend.newState());
    const missing = empty.run(['invite', 'developer["ada@example.com"]']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no state at .*run `portalform apply`/);
    empty.write('m.yaml', manifestOf(ADA));
    expect(empty.run(['apply', 'm.yaml', '--auto-approve']).code).toBe(0);
    await runSql(empty, [`delete from pf_migration where name = '0003_portal'`]);
    expect(empty.run(['invite', 'developer["ada@example.com"]']).stderr).toMatch(
      /older schema .*run `portalform apply` to migrate/,
    );
  });
});
