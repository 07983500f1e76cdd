// A forgotten password over real HTTP against `portalform serve`, with the link read from a real
// mail (docs/portal-service.md, "Mail"): the reset proves the address, answers the same for an
// unknown one, is throttled per address, and gives a vip back the address a stranger took.
import { afterAll, describe, expect, it } from 'vitest';
import { BACKENDS, dropTestSchemas } from './helpers/backends.js';
import { forgetSignUpMail, linkOf, NEW_PASSWORD, PASSWORD, recoveryCase, verifiedSignUp } from './helpers/recovery.js';
import { runSql, withStateDb } from './helpers/state-db.js';

afterAll(dropTestSchemas);

const ADA = '  - { email: ada@example.com, fullName: Ada, status: approved }\n';
const VIP = '  - { email: vip@example.com, fullName: Very Important, status: approved }\n';

describe.each(BACKENDS)('password reset on $name', (backend) => {
  it('mails a link that sets the password once and proves the address; an unknown address gets nothing but a 202', async () => {
    const c = await recoveryCase(backend, ADA);
    const signup = await c.call('POST', '/api/v1/register', {
      email: 'sam@example.com',
      fullName: 'Sam',
      password: PASSWORD,
    });
    expect(signup.status, signup.text).toBe(201);
    await runSql(c.w, [
      "update pf_developers set email_verified = 0, status = 'pending' where email = 'sam@example.com'",
    ]);
    await forgetSignUpMail(c.w, 'sam@example.com');
    const unknown = await c.call('POST', '/api/v1/password-reset', { email: 'nobody@example.com' });
    const known = await c.call('POST', '/api/v1/password-reset', { email: 'Sam@example.com' });
    expect([unknown.status, unknown.text, known.status, known.text]).toEqual([202, '', 202, '']);
    const mails = await c.deliver();
    expect(mails.map((m) => m.to)).toEqual([['sam@example.com']]);
    const { path, token } = linkOf(mails[0]!);
    expect(path).toBe('/password');

    const page = await fetch(`${c.url}/password?token=${token}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Set my password');
    const weak = await c.call('POST', '/api/v1/password', { token, password: 'password1234' });
    expect(weak.status).toBe(400);
    expect(weak.json.errors).toEqual([
      { field: 'password', message: expect.stringMatching(/too easy to guess: .*common/) },
    ]);
    expect((await c.call('POST', '/api/v1/password', { token, password: NEW_PASSWORD })).status).toBe(204);
    const again = await c.call('POST', '/api/v1/password', { token, password: 'yet another passphrase' });
    expect([again.status, again.json.errors[0].field]).toEqual([400, 'token']);
    const used = await fetch(`${c.url}/password?token=${token}`);
    const usedPage = await used.text();
    expect(usedPage).toContain('This link can no longer be used');
    expect(usedPage).toContain('href="/password-reset"');
    expect(usedPage).not.toContain('Set my password');

    // The address is proven; with autoApprove the pending sign-up is approved as by a verification.
    const me = await c.call('GET', '/api/v1/me', undefined, await c.login('sam@example.com', NEW_PASSWORD));
    expect(me.json).toMatchObject({
      email: 'sam@example.com',
      status: 'approved',
      emailVerified: true,
      pendingEmail: null,
    });
    expect((await c.call('POST', '/api/v1/session', { email: 'sam@example.com', password: PASSWORD })).status).toBe(
      401,
    );
    const history = JSON.parse(c.w.run(['history', '--json']).stdout).entries.map((e: any) => e.action);
    expect(history).toEqual(expect.arrayContaining(['verify-email', 'set-password']));
    expect(`${c.logs()}${JSON.stringify(history)}`).not.toContain(token);
  });

  it('ends the other sessions, refuses an expired link, and mails an address at most once in 5 minutes', async () => {
    const c = await recoveryCase(backend, ADA);
    await verifiedSignUp(c, 'sam@example.com');
    const session = await c.login('sam@example.com');
    await c.call('POST', '/api/v1/password-reset', { email: 'sam@example.com' });
    await c.call('POST', '/api/v1/password-reset', { email: 'sam@example.com' });
    const first = await c.deliver();
    expect(first).toHaveLength(1);
    await runSql(c.w, [`update pf_mail_throttle set sent_at = '2000-01-01T00:00:00.000Z'`]);
    await c.call('POST', '/api/v1/password-reset', { email: 'sam@example.com' });
    const second = await c.deliver();
    expect(second).toHaveLength(1);
    const expired = linkOf(first[0]!).token;
    await runSql(c.w, [`update pf_link_tokens set expires_at = '2000-01-01T00:00:00.000Z' where kind = 'reset'`]);
    expect((await c.call('POST', '/api/v1/password', { token: expired, password: NEW_PASSWORD })).json.errors).toEqual([
      { field: 'token', message: 'unknown, used or expired' },
    ]);
    expect((await fetch(`${c.url}/password?token=${expired}`)).status).toBe(410);
    await runSql(c.w, [`update pf_link_tokens set expires_at = '2999-01-01T00:00:00.000Z' where kind = 'reset'`]);
    // The newer link works; setting the password voids the older one and ends every session.
    const newer = linkOf(second[0]!).token;
    expect((await c.call('POST', '/api/v1/password', { token: newer, password: NEW_PASSWORD })).status).toBe(204);
    expect((await c.call('GET', '/api/v1/me', undefined, session)).status).toBe(401);
    expect((await c.call('POST', '/api/v1/password', { token: expired, password: NEW_PASSWORD })).status).toBe(400);
    // What was mailed more than a day ago is forgotten.
    const throttled = await withStateDb(c.w, (q) => q('select count(*) as n from pf_mail_throttle'));
    expect(Number((throttled as any[])[0].n)).toBe(1);
  });

  it('gives a vip who deleted the account the address back from a stranger, through a reset link', async () => {
    const c = await recoveryCase(backend, VIP);
    const invited = JSON.parse(c.w.run(['invite', 'developer["vip@example.com"]', '--json', '--no-mail']).stdout);
    expect((await c.call('POST', '/api/v1/password', { token: invited.token, password: PASSWORD })).status).toBe(204);
    const vip = await c.login('vip@example.com');
    expect((await c.call('DELETE', '/api/v1/me', { password: PASSWORD }, vip)).status).toBe(204);
    const stranger = await c.call('POST', '/api/v1/register', {
      email: 'VIP@example.com',
      fullName: 'Stranger',
      password: 'the stranger chose this',
    });
    expect(stranger.status, stranger.text).toBe(201);
    // The stranger's verification mail reaches vip. Opening its link verifies nothing (a mail scanner
    // does the same), and vip's own password does not verify the stranger's account.
    const [verifyMail] = await c.deliver();
    expect(verifyMail!.to).toEqual(['vip@example.com']);
    const strangerLink = linkOf(verifyMail!);
    expect(strangerLink.path).toBe('/verify');
    expect((await fetch(`${c.url}/verify?token=${strangerLink.token}`)).status).toBe(200);
    const withVipsPassword = await c.call('POST', '/api/v1/verify', { token: strangerLink.token, password: PASSWORD });
    expect([withVipsPassword.status, withVipsPassword.json.errors[0].field]).toEqual([400, 'password']);
    // The unchanged manifests neither adopt the stranger nor give it vip's access: the plan fails.
    const plan = c.w.run(['plan', 'm.yaml', '--json']);
    expect(plan.code).toBe(1);
    expect(plan.stderr).toMatch(/vip@example\.com[^\n]*deleted their own account/);
    const listed = JSON.parse(c.w.run(['state', 'list', '--json']).stdout);
    expect(listed.developers.find((d: { email: string }) => d.email === 'vip@example.com')).toMatchObject({
      fullName: 'Stranger',
      status: 'pending',
      origin: 'self-service',
      emailVerified: false,
    });
    await forgetSignUpMail(c.w, 'vip@example.com');
    await c.call('POST', '/api/v1/password-reset', { email: 'vip@example.com' });
    const [mail] = await c.deliver();
    expect(mail!.to).toEqual(['vip@example.com']);
    const { token } = linkOf(mail!);
    expect((await c.call('POST', '/api/v1/password', { token, password: NEW_PASSWORD })).status).toBe(204);
    const tombstones = await withStateDb(c.w, (q) => q('select * from pf_tombstones'));
    expect(tombstones).toEqual([]);
    expect(
      (await c.call('POST', '/api/v1/session', { email: 'vip@example.com', password: 'the stranger chose this' }))
        .status,
    ).toBe(401);
    const me = await c.call('GET', '/api/v1/me', undefined, await c.login('vip@example.com', NEW_PASSWORD));
    expect(me.json).toMatchObject({ email: 'vip@example.com', emailVerified: true });
    // Proven by vip, the account is vip's again: the unchanged manifests adopt it.
    const adopted = c.w.run(['apply', 'm.yaml', '--auto-approve']);
    expect(adopted.code, adopted.stderr).toBe(0);
    const after = JSON.parse(c.w.run(['state', 'list', '--json']).stdout);
    expect(after.developers.find((d: { email: string }) => d.email === 'vip@example.com')).toMatchObject({
      fullName: 'Very Important',
      status: 'approved',
      origin: 'manifest',
      emailVerified: true,
    });
    expect(c.logs()).not.toContain(token);
  });
});
