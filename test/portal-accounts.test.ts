// Accounts and sessions of the self-service engine (docs/portal-service.md), on a state a real apply made.
import { afterAll, describe, expect, it } from 'vitest';
import { apply } from '../src/engine.js';
import { verifyHistory, history } from '../src/inspect.js';
import { invite } from '../src/portal/invite.js';
import { LOGIN_WINDOW_MS } from '../src/portal/throttle.js';
import { openPortal } from '../src/portal/index.js';
import { BACKENDS, dropTestSchemas } from './helpers/backends.js';
import { workspace } from './helpers/cli.js';
import { PASSWORD, portalCase, refusal, loginInvited } from './helpers/portal.js';
import { runSql, withStateDb } from './helpers/state-db.js';
import { verifyWithEngine } from './helpers/verification.js';

afterAll(dropTestSchemas);

const ADA = '  - { email: ada@example.com, fullName: Ada, status: approved }\n';

describe.each(BACKENDS)('portal accounts on $name', (backend) => {
  it('registers a pending developer who is told the request waits, and refuses what may not register', async () => {
    const c = await portalCase(backend, `${ADA}  - { email: rex@example.com, fullName: Rex, status: revoked }\n`);
    try {
      const account = await c.portal.register({ email: 'New@Example.com', fullName: 'New One', password: PASSWORD });
      expect(account).toMatchObject({
        email: 'new@example.com',
        fullName: 'New One',
        status: 'pending',
        origin: 'self-service',
        managed: { fullName: false, email: false },
      });
      expect(account.emailVerified).toBe(false);
      // A sign-up proves its address first (with the mailed link), then waits for approval.
      const unverified = await refusal(c.portal.login({ email: 'new@example.com', password: PASSWORD }));
      expect(unverified.status).toBe(403);
      expect(unverified.detail).toMatch(/use the link we mailed you/);
      await verifyWithEngine(c.portal, { state: c.w.state, cwd: c.w.dir }, 'new@example.com', PASSWORD);
      const waiting = await refusal(c.portal.login({ email: 'new@example.com', password: PASSWORD }));
      expect(waiting.status).toBe(403);
      expect(waiting.detail).toMatch(/waiting for approval/);
      expect(
        (await refusal(c.portal.register({ email: 'new@example.com', fullName: 'Again', password: PASSWORD }))).status,
      ).toBe(409);
      const revoked = await refusal(
        c.portal.register({ email: 'rex@example.com', fullName: 'Rex', password: PASSWORD }),
      );
      expect(revoked.status).toBe(403);
      expect(revoked.detail).toMatch(/may not register until/);
      await c.setSettings((s) => (s.selfService.enabled = false));
      expect(
        (await refusal(c.portal.register({ email: 'off@example.com', fullName: 'Off', password: PASSWORD }))).status,
      ).toBe(403);
      await c.setSettings((s) => {
        s.selfService.enabled = true;
        s.autoApprove = true;
      });
      // autoApprove approves a sign-up once it proves its address.
      expect(
        (await c.portal.register({ email: 'auto@example.com', fullName: 'Auto', password: PASSWORD })).status,
      ).toBe('pending');
      await verifyWithEngine(c.portal, { state: c.w.state, cwd: c.w.dir }, 'auto@example.com', PASSWORD);
      const auto = await c.portal.authenticate(
        (await c.portal.login({ email: 'auto@example.com', password: PASSWORD })).token,
      );
      expect(await c.portal.me(auto!)).toMatchObject({ status: 'approved', emailVerified: true });
    } finally {
      await c.close();
    }
  });

  it('refuses bad input with the field named, and writes nothing', async () => {
    const c = await portalCase(backend, ADA);
    try {
      const count = async () =>
        withStateDb(c.w, async (q) => Number(((await q('select count(*) as n from pf_developers')) as any[])[0].n));
      const before = await count();
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ email: 'zero\u200bwidth@example.com', fullName: 'Z', password: PASSWORD }, 'email'],
        [{ email: 'no-at-sign', fullName: 'Z', password: PASSWORD }, 'email'],
        [{ email: 'a@localhost', fullName: 'Z', password: PASSWORD }, 'email'],
        [{ email: 'ok@example.com', fullName: '  ', password: PASSWORD }, 'fullName'],
        [{ email: 'ok@example.com', fullName: 'Ok', password: 'short' }, 'password'],
        [{ email: 'ok@example.com', fullName: 'Ok', password: 'x'.repeat(1025) }, 'password'],
      ];
      for (const [input, field] of cases) {
        const error = await refusal(c.portal.register(input as never));
        expect(error.status, JSON.stringify(input)).toBe(400);
        expect(error.errors?.map((e) => e.field)).toEqual([field]);
      }
      expect(
        (
          await c.portal.register({
            email: 'long@example.com',
            fullName: 'Long',
            password: `${PASSWORD} `.repeat(40).slice(0, 1024),
          })
        ).status,
      ).toBe('pending');
      expect(await count()).toBe(before + 1);
    } finally {
      await c.close();
    }
  });

  it('answers one message for a wrong email and a wrong password, and throttles failed logins per account in the state', async () => {
    let skipped = 0;
    const c = await portalCase(backend, ADA, { loginAttempts: 3, now: () => Date.now() + skipped });
    try {
      await c.signUp('sam@example.com');
      const unknown = await refusal(c.portal.login({ email: 'nobody@example.com', password: PASSWORD }));
      const wrong = await refusal(c.portal.login({ email: 'sam@example.com', password: 'wrong password!!' }));
      expect([unknown.status, wrong.status]).toEqual([401, 401]);
      expect(unknown.detail).toBe(wrong.detail);
      await refusal(c.portal.login({ email: 'sam@example.com', password: 'wrong password!!' }));
      await refusal(c.portal.login({ email: 'sam@example.com', password: 'wrong password!!' }));
      // A second instance sees the same count: the limit holds across instances.
      const other = await c.open({ loginAttempts: 3 });
      const throttled = await refusal(other.login({ email: 'sam@example.com', password: PASSWORD }));
      expect(throttled.status).toBe(429);
      expect(throttled.retryAfterSeconds).toBeGreaterThan(0);
      expect(throttled.retryAfterSeconds).toBeLessThanOrEqual(900);
      // Another account is not held up.
      await c.signUp('tim@example.com');
      // Once the window has passed, a correct password opens a session again.
      skipped += LOGIN_WINDOW_MS;
      expect((await c.portal.login({ email: 'sam@example.com', password: PASSWORD })).token).toHaveLength(43);
    } finally {
      await c.close();
    }
  });

  it('keeps sessions as digests with a new token at every login, ends them at logout, expiry and a password change', async () => {
    // The engine's clock stands still (a loaded machine must not age the 2-second sessions); the
    // session's expiry is reached by moving it forward.
    let skipped = 0;
    const start = Date.now();
    const c = await portalCase(backend, ADA, { sessionMaxSeconds: 2, now: () => start + skipped });
    try {
      await c.signUp('sam@example.com');
      const first = await c.portal.login({ email: 'sam@example.com', password: PASSWORD });
      const second = await c.portal.login({ email: 'sam@example.com', password: PASSWORD });
      expect(first.token).not.toBe(second.token);
      expect(first.csrfToken).not.toBe(second.csrfToken);
      const rows = (await withStateDb(c.w, (q) => q('select token_digest from pf_sessions'))) as Array<{
        token_digest: string;
      }>;
      expect(JSON.stringify(rows)).not.toContain(first.token);
      const session = (await c.portal.authenticate(first.token))!;
      expect(session).toMatchObject({ email: 'sam@example.com', csrfToken: first.csrfToken });
      await c.portal.changePassword(session, { currentPassword: PASSWORD, newPassword: 'a brand new passphrase' });
      expect(await c.portal.authenticate(second.token)).toBeNull();
      expect(await c.portal.authenticate(first.token)).not.toBeNull();
      expect((await refusal(c.portal.login({ email: 'sam@example.com', password: PASSWORD }))).status).toBe(401);
      await c.portal.logout(session);
      expect(await c.portal.authenticate(first.token)).toBeNull();
      const third = await c.portal.login({ email: 'sam@example.com', password: 'a brand new passphrase' });
      expect(await c.portal.authenticate(third.token)).not.toBeNull();
      skipped += 2100;
      expect(await c.portal.authenticate(third.token)).toBeNull();
      expect(await c.portal.authenticate('not-a-token')).toBeNull();
    } finally {
      await c.close();
    }
  });

  it('ends the sessions of a developer whom apply revokes or deletes, in the apply', async () => {
    const c = await portalCase(backend, `${ADA}  - { email: bob@example.com, fullName: Bob, status: approved }\n`);
    try {
      for (const email of ['ada@example.com', 'bob@example.com']) {
        const { token } = await invite(`developer["${email}"]`, { state: c.w.state, cwd: c.w.dir, env: {} });
        await c.portal.setPasswordWithInvite({ token, password: PASSWORD });
      }
      const ada = await c.portal.login({ email: 'ada@example.com', password: PASSWORD });
      const bob = await c.portal.login({ email: 'bob@example.com', password: PASSWORD });
      await c.applyManifest('  - { email: ada@example.com, fullName: Ada, status: revoked }\n');
      expect(await c.portal.authenticate(ada.token)).toBeNull();
      expect(await c.portal.authenticate(bob.token)).toBeNull();
      expect(await withStateDb(c.w, (q) => q('select * from pf_sessions'))).toEqual([]);
      expect((await refusal(c.portal.login({ email: 'ada@example.com', password: PASSWORD }))).status).toBe(403);
    } finally {
      await c.close();
    }
  });

  it('changes names and emails only where the manifests do not manage them', async () => {
    const c = await portalCase(backend, `${ADA}  - { email: bob@example.com, fullName: Bob, status: approved }\n`);
    try {
      const sam = await c.signUp('sam@example.com');
      expect((await c.portal.updateMe(sam, { fullName: 'Samuel' })).fullName).toBe('Samuel');
      expect((await refusal(c.portal.changeEmail(sam, { email: 'bob@example.com', password: PASSWORD }))).status).toBe(
        409,
      );
      expect(
        (await refusal(c.portal.changeEmail(sam, { email: 'sam2@example.com', password: 'wrong password!!' }))).status,
      ).toBe(400);
      // The new address waits for the link mailed to it (test/recovery-email.test.ts makes the change).
      expect(await c.portal.changeEmail(sam, { email: 'Sam2@example.com', password: PASSWORD })).toMatchObject({
        email: 'sam@example.com',
        pendingEmail: 'sam2@example.com',
      });
      expect((await c.portal.me(sam)).pendingEmail).toBe('sam2@example.com');
      const { token } = await invite('developer["ada@example.com"]', { state: c.w.state, cwd: c.w.dir, env: {} });
      await c.portal.setPasswordWithInvite({ token, password: PASSWORD });
      const ada = (await c.portal.authenticate(
        (
          await c.portal.login({ email: 'ada@example.com', password: PASSWORD })
        ).token,
      ))!;
      expect((await c.portal.me(ada)).managed).toEqual({ fullName: true, email: true });
      expect((await refusal(c.portal.updateMe(ada, { fullName: 'Augusta' }))).status).toBe(403);
      expect(
        (await refusal(c.portal.changeEmail(ada, { email: 'augusta@example.com', password: PASSWORD }))).status,
      ).toBe(403);
    } finally {
      await c.close();
    }
  });

  it('deletes an account at once, leaving a tombstone for a managed one that a new account replaces once it proves the address', async () => {
    const c = await portalCase(backend, ADA);
    try {
      const ada = await loginInvited(c, 'ada@example.com');
      await c.portal.createCredential(ada, { type: 'key-auth', name: 'mine' });
      expect((await refusal(c.portal.deleteAccount(ada, { password: 'wrong password!!' }))).status).toBe(400);
      await c.portal.deleteAccount(ada, { password: PASSWORD });
      await withStateDb(c.w, async (q) => {
        expect(await q(`select * from pf_developers where email = 'ada@example.com'`)).toEqual([]);
        expect(await q('select * from pf_credentials')).toEqual([]);
        expect(await q('select * from pf_sessions')).toEqual([]);
        expect(((await q('select email from pf_tombstones')) as any[]).map((r) => r.email)).toEqual([
          'ada@example.com',
        ]);
      });
      expect(await c.portal.authenticate(ada.token)).toBeNull();
      await c.portal.register({ email: 'ada@example.com', fullName: 'Ada again', password: PASSWORD });
      // Anyone can sign up with any address: only the new account's proof of it replaces the tombstone.
      expect(await withStateDb(c.w, (q) => q('select * from pf_tombstones'))).toHaveLength(1);
      await verifyWithEngine(c.portal, { state: c.w.state, cwd: c.w.dir }, 'ada@example.com', PASSWORD);
      expect(await withStateDb(c.w, (q) => q('select * from pf_tombstones'))).toEqual([]);
      const sam = await c.signUp('sam@example.com');
      await c.portal.deleteAccount(sam, { password: PASSWORD });
      expect(await withStateDb(c.w, (q) => q('select * from pf_tombstones'))).toEqual([]);
    } finally {
      await c.close();
    }
  });

  it('records self-service changes in the second chain without changing the serial; history verify checks both', async () => {
    const c = await portalCase(backend, ADA);
    try {
      const sam = await c.signUp('sam@example.com');
      await c.portal.updateMe(sam, { fullName: 'Samuel' });
      await c.applyManifest(`${ADA}  - { email: bob@example.com, fullName: Bob, status: approved }\n`);
      await c.portal.createCredential(sam, { type: 'hmac-auth', username: 'sam-hmac' });
      const options = { state: c.w.state, cwd: c.w.dir, env: {} };
      const { entries } = await history(options);
      expect(entries.map((e) => `${e.chain} ${e.kind} ${e.serial} ${String(e.action ?? '')}`)).toEqual([
        'apply apply 1 ',
        'events self-service 1 register',
        'events self-service 1 verify-email',
        'events self-service 1 update-name',
        'apply apply 2 ',
        'events self-service 2 create-credential',
      ]);
      expect(entries.filter((e) => e.kind === 'self-service').every((e) => e.actor === 'sam@example.com')).toBe(true);
      const verified = await verifyHistory(options);
      expect(verified).toMatchObject({
        ok: true,
        entries: 2,
        chains: { apply: { ok: true, entries: 2 }, events: { ok: true, entries: 4 } },
      });
      const cli = c.w.run(['history', 'verify']);
      expect(cli.code, cli.stderr).toBe(0);
      expect(cli.stdout).toMatch(/History verified: 2 entries[\s\S]*Other events verified: 4 entries/);
      await runSql(c.w, [`update pf_events set actor = 'mallory@example.com' where seq = 2`]);
      const broken = c.w.run(['history', 'verify']);
      expect(broken.code).toBe(1);
      expect(broken.stderr).toMatch(/failed at entry 2 of the other events' chain/);
      await runSql(c.w, [
        `update pf_events set actor = 'sam@example.com' where seq = 2`,
        'delete from pf_events where seq = 3',
      ]);
      expect((await verifyHistory(options)).ok).toBe(false);
    } finally {
      await c.close();
    }
  });

  it('refuses a missing state and one older than it needs, saying to run apply', async () => {
    const w = workspace(backend.newState());
    await expect(openPortal({ state: w.state, cwd: w.dir, env: {} })).rejects.toThrow(
      /no state at .*run `portalform apply`/,
    );
    w.write('m.yaml', 'version: 1\ndevelopers: []\n');
    await apply({ paths: ['m.yaml'], state: w.state, cwd: w.dir, env: {} });
    await runSql(w, [`delete from pf_migration where name = '0003_portal'`]);
    await expect(openPortal({ state: w.state, cwd: w.dir, env: {} })).rejects.toThrow(
      /older schema .*run `portalform apply`/,
    );
  });
});
