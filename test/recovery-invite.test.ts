// Invites by mail over real HTTP against `portalform serve` (docs/portal-service.md): the printed
// and the mailed token void each other, a newer invite voids the older ones and the waiting
// message, a password set voids every outstanding link, and an earlier portalform's invite still works.
import { afterAll, describe, expect, it } from 'vitest';
import { sha256 } from '../src/hash.js';
import { BACKENDS, dropTestSchemas } from './helpers/backends.js';
import { linkOf, NEW_PASSWORD, PASSWORD, recoveryCase } from './helpers/recovery.js';
import { runSql, withStateDb } from './helpers/state-db.js';

afterAll(dropTestSchemas);

const ADA = '  - { email: ada@example.com, fullName: Ada, status: approved }\n';

describe.each(BACKENDS)('invites by mail on $name', (backend) => {
  it('mails an invite whose token and the printed one void each other; --no-mail queues nothing', async () => {
    const c = await recoveryCase(backend, ADA);
    const printed = JSON.parse(c.w.run(['invite', 'developer["ada@example.com"]', '--json']).stdout);
    const outbox = JSON.parse(c.w.run(['outbox', '--json']).stdout).messages;
    expect(outbox.map((m: any) => [m.kind, m.to])).toEqual([['invite', 'ada@example.com']]);
    const [mail] = await c.deliver();
    const mailed = linkOf(mail!);
    expect(mailed.path).toBe('/password');
    expect(mailed.token).not.toBe(printed.token);
    expect((await c.call('POST', '/api/v1/password', { token: mailed.token, password: PASSWORD })).status).toBe(204);
    const refused = await c.call('POST', '/api/v1/password', { token: printed.token, password: NEW_PASSWORD });
    expect([refused.status, refused.json.errors]).toEqual([
      400,
      [{ field: 'token', message: 'unknown, used or expired' }],
    ]);

    // The other way round: the printed token used first voids the mailed one.
    const second = JSON.parse(c.w.run(['invite', 'developer["ada@example.com"]', '--json']).stdout);
    const [secondMail] = await c.deliver();
    expect((await c.call('POST', '/api/v1/password', { token: second.token, password: NEW_PASSWORD })).status).toBe(
      204,
    );
    const mailedToken = linkOf(secondMail!).token;
    expect((await c.call('POST', '/api/v1/password', { token: mailedToken, password: PASSWORD })).status).toBe(400);

    const quiet = c.w.run(['invite', 'developer["ada@example.com"]', '--no-mail']);
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.stdout).not.toContain('queued');
    expect(await c.deliver()).toEqual([]);
    const history = JSON.parse(c.w.run(['history', '--json']).stdout).entries.filter((e: any) => e.kind === 'invite');
    expect(history.map((e: any) => e.mailed)).toEqual([true, true, false]);
    expect(`${c.logs()}${JSON.stringify(history)}`).not.toContain(printed.token);
  });

  it('voids older invites and drops the waiting message; a password change voids every outstanding link', async () => {
    const c = await recoveryCase(backend, ADA);
    const older = JSON.parse(c.w.run(['invite', 'developer["ada@example.com"]', '--json']).stdout);
    const newer = JSON.parse(c.w.run(['invite', 'developer["ada@example.com"]', '--json']).stdout);
    expect((await c.call('POST', '/api/v1/password', { token: older.token, password: PASSWORD })).status).toBe(400);
    expect((await fetch(`${c.url}/password?token=${older.token}`)).status).toBe(410);
    const mails = await c.deliver();
    expect(mails).toHaveLength(1);
    expect((await c.call('POST', '/api/v1/password', { token: newer.token, password: PASSWORD })).status).toBe(204);

    const session = await c.login('ada@example.com');
    const pending = JSON.parse(c.w.run(['invite', 'developer["ada@example.com"]', '--json', '--no-mail']).stdout);
    await c.call('POST', '/api/v1/password-reset', { email: 'ada@example.com' });
    const [reset] = await c.deliver();
    const change = await c.call(
      'PUT',
      '/api/v1/me/password',
      { currentPassword: PASSWORD, newPassword: NEW_PASSWORD },
      session,
    );
    expect(change.status, change.text).toBe(204);
    for (const token of [pending.token, linkOf(reset!).token])
      expect((await c.call('POST', '/api/v1/password', { token, password: 'yet another passphrase' })).status).toBe(
        400,
      );
    expect((await c.call('GET', '/api/v1/me', undefined, session)).status).toBe(200);
  });

  it('still accepts an unused invite an earlier portalform stored in pf_invites, once', async () => {
    const c = await recoveryCase(backend, ADA);
    const token = 'an-invite-token-from-an-earlier-portalform-0123';
    const [ada] = (await withStateDb(c.w, (q) =>
      q(`select id from pf_developers where email = 'ada@example.com'`),
    )) as any[];
    await runSql(c.w, [
      `insert into pf_invites (token_digest, developer_id, created_at, expires_at, used_at)
       values ('${sha256(token)}', '${ada.id}', '2020-01-01T00:00:00.000Z', '2999-01-01T00:00:00.000Z', null)`,
    ]);
    expect((await fetch(`${c.url}/password?token=${token}`)).status).toBe(200);
    expect((await c.call('POST', '/api/v1/password', { token, password: PASSWORD })).status).toBe(204);
    expect((await c.call('POST', '/api/v1/password', { token, password: NEW_PASSWORD })).status).toBe(400);
    expect(await c.login('ada@example.com')).toBeTruthy();
  });
});
