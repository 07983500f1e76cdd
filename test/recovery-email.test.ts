// Changing the address by mail, and the password strength rule, over real HTTP against
// `portalform serve` (docs/portal-service.md, "Mail" and "Passwords").
import { afterAll, describe, expect, it } from 'vitest';
import { BACKENDS, dropTestSchemas } from './helpers/backends.js';
import { confirmChange, linkOf, NEW_PASSWORD, PASSWORD, recoveryCase, verifiedSignUp } from './helpers/recovery.js';
import { hashPassword } from '../src/secrets/vault.js';
import { runSql, withStateDb } from './helpers/state-db.js';

afterAll(dropTestSchemas);

const ADA = '  - { email: ada@example.com, fullName: Ada, status: approved }\n';
const VIP = '  - { email: vip@example.com, fullName: Vip, status: approved }\n';

describe.each(BACKENDS)('address change on $name', (backend) => {
  it('waits for the link mailed to the new address, tells the old one, and voids an older request', async () => {
    const c = await recoveryCase(backend, ADA);
    await verifiedSignUp(c, 'sam@example.com');
    const sam = await c.login('sam@example.com');
    const wrong = await c.call(
      'PUT',
      '/api/v1/me/email',
      { email: 'sam2@example.com', password: 'not my password at all' },
      sam,
    );
    expect([wrong.status, wrong.json.errors]).toEqual([400, [{ field: 'password', message: 'is wrong' }]]);
    expect(
      (await c.call('PUT', '/api/v1/me/email', { email: 'ada@example.com', password: PASSWORD }, sam)).status,
    ).toBe(409);
    const first = await c.call('PUT', '/api/v1/me/email', { email: 'sam2@example.com', password: PASSWORD }, sam);
    expect(first.status, first.text).toBe(202);
    expect(first.json).toMatchObject({
      email: 'sam@example.com',
      pendingEmail: 'sam2@example.com',
      emailVerified: true,
    });
    const [older] = await c.deliver();
    expect(older!.to).toEqual(['sam2@example.com']);
    const second = await c.call('PUT', '/api/v1/me/email', { email: 'Sam3@example.com', password: PASSWORD }, sam);
    expect(second.json.pendingEmail).toBe('sam3@example.com');
    expect((await c.call('GET', '/api/v1/me', undefined, sam)).json.pendingEmail).toBe('sam3@example.com');
    const [newer] = await c.deliver();
    const link = linkOf(newer!);
    expect([newer!.to, link.path]).toEqual([['sam3@example.com'], '/verify']);

    expect(await confirmChange(c.w, { token: linkOf(older!).token, password: PASSWORD })).toBe(false);
    await expect(confirmChange(c.w, { token: link.token, password: 'not my password at all' })).rejects.toMatchObject({
      status: 400,
      errors: [{ field: 'password', message: 'is wrong' }],
    });
    expect(await confirmChange(c.w, { token: link.token, password: PASSWORD })).toBe(true);
    expect(await confirmChange(c.w, { token: link.token, password: PASSWORD })).toBe(false);
    const me = await c.call('GET', '/api/v1/me', undefined, sam);
    expect(me.json).toMatchObject({ email: 'sam3@example.com', pendingEmail: null, emailVerified: true });
    const [told] = await c.deliver();
    expect(told!.to).toEqual(['sam@example.com']);
    expect(told!.text).toContain('sam3@example.com');
    expect(told!.text).not.toMatch(/token=/);
    const actions = JSON.parse(c.w.run(['history', '--json']).stdout).entries.map((e: any) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['request-email-change', 'change-email']));
    expect(c.logs()).not.toContain(link.token);
  });

  it('answers 409 when the address was taken meanwhile, 403 for a managed developer, and replaces a tombstone', async () => {
    const c = await recoveryCase(backend, ADA + VIP);
    await verifiedSignUp(c, 'sam@example.com');
    const sam = await c.login('sam@example.com');
    await c.call('PUT', '/api/v1/me/email', { email: 'taken@example.com', password: PASSWORD }, sam);
    const [mail] = await c.deliver();
    await verifiedSignUp(c, 'taken@example.com');
    await expect(confirmChange(c.w, { token: linkOf(mail!).token, password: PASSWORD })).rejects.toMatchObject({
      status: 409,
    });

    const invite = JSON.parse(c.w.run(['invite', 'developer["ada@example.com"]', '--json', '--no-mail']).stdout);
    await c.call('POST', '/api/v1/password', { token: invite.token, password: PASSWORD });
    const ada = await c.login('ada@example.com');
    expect(
      (await c.call('PUT', '/api/v1/me/email', { email: 'ada2@example.com', password: PASSWORD }, ada)).status,
    ).toBe(403);

    // vip deletes the account, leaving a tombstone; sam's change to that address replaces it.
    const vipInvite = JSON.parse(c.w.run(['invite', 'developer["vip@example.com"]', '--json', '--no-mail']).stdout);
    await c.call('POST', '/api/v1/password', { token: vipInvite.token, password: PASSWORD });
    await c.call('DELETE', '/api/v1/me', { password: PASSWORD }, await c.login('vip@example.com'));
    expect(await withStateDb(c.w, (q) => q('select email from pf_tombstones'))).toEqual([{ email: 'vip@example.com' }]);
    await c.call('PUT', '/api/v1/me/email', { email: 'vip@example.com', password: PASSWORD }, sam);
    const [vipMail] = await c.deliver();
    expect(await confirmChange(c.w, { token: linkOf(vipMail!).token, password: PASSWORD })).toBe(true);
    expect(await withStateDb(c.w, (q) => q('select email from pf_tombstones'))).toEqual([]);
  });
});

describe.each(BACKENDS)('password strength on $name', (backend) => {
  it('refuses weak passwords at sign-up and change with zxcvbn feedback; existing passwords keep working', async () => {
    const c = await recoveryCase(backend, ADA);
    for (const password of ['password1234', '123456789012', 'aaaaaaaaaaaa', 'weak@example.com']) {
      const answer = await c.call('POST', '/api/v1/register', {
        email: 'weak@example.com',
        fullName: 'Weak',
        password,
      });
      expect(answer.status, password).toBe(400);
      expect(answer.json.errors, password).toEqual([
        { field: 'password', message: expect.stringMatching(/^is too easy to guess: \S/) },
      ]);
    }
    expect(
      (await c.call('POST', '/api/v1/register', { email: 'weak@example.com', fullName: 'W', password: 'short' })).json
        .errors,
    ).toEqual([{ field: 'password', message: 'must be at least 12 characters long' }]);
    await verifiedSignUp(c, 'sam@example.com');
    const sam = await c.login('sam@example.com');
    const weak = await c.call(
      'PUT',
      '/api/v1/me/password',
      { currentPassword: PASSWORD, newPassword: 'sam@example.com' },
      sam,
    );
    expect([weak.status, weak.json.errors[0].field]).toEqual([400, 'newPassword']);
    expect(weak.json.detail).toMatch(/personal/);
    const ok = await c.call(
      'PUT',
      '/api/v1/me/password',
      { currentPassword: PASSWORD, newPassword: NEW_PASSWORD },
      sam,
    );
    expect(ok.status).toBe(204);
    // A weak password stored before the rule still logs in.
    const hash = await hashPassword('password1234');
    await runSql(c.w, [`update pf_developers set password_hash = '${hash}' where email = 'sam@example.com'`]);
    expect(await c.login('sam@example.com', 'password1234')).toBeTruthy();
  });
});
