// `portalform outbox` and what the outbox stores (docs/portal-service.md, "Mail"): the listing's
// shape, no token or link in any row or output, the refusals of a missing or older state, the
// migration's "who is verified", the SMTP URL rules and serve's mail flags.
import { networkInterfaces } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { checkMailOptions, escapeHtml, NO_SMTP_WARNING, parseSmtpUrl, renderMessage } from '../src/mail/index.js';
import { BACKENDS, dropTestSchemas } from './helpers/backends.js';
import { workspace } from './helpers/cli.js';
import { mailCase, verifyMessage } from './helpers/mail.js';
import { startSmtpServer } from './helpers/smtp-server.js';
import { runSql, withStateDb } from './helpers/state-db.js';
import { undoApplications } from './helpers/store-app-schema.js';

afterAll(dropTestSchemas);

const TOKEN = /token=([A-Za-z0-9_-]{43})/;

describe.each(BACKENDS)('portalform outbox on $name', (backend) => {
  it('lists what waits, failed or expired, oldest first, and no row or output holds a token or link', async () => {
    const smtp = await startSmtpServer();
    const c = await mailCase(backend);
    try {
      const ada = c.ids['ada@example.com']!;
      await c.enqueue([verifyMessage('ada@example.com', ada)]);
      const sender = c.sender(smtp.url);
      await sender.runOnce();
      const sentToken = TOKEN.exec(smtp.received[0]!.text)![1]!;

      await c.enqueue([{ kind: 'reset', to: 'ada@example.com', developerId: ada, fullName: 'Ada' }]);
      c.clock.advance(1000);
      await c.enqueue([verifyMessage('bob@example.com', c.ids['bob@example.com']!)]);
      smtp.reply = { code: 554, message: 'Transaction failed' };
      expect(await sender.runOnce()).toMatchObject({ failed: 2 }); // each attempt made a token, voided on failure
      expect(smtp.received).toHaveLength(1);
      smtp.reply = null;
      c.clock.advance(1000);
      const later = {
        kind: 'decision' as const,
        to: 'bob@example.com',
        developerId: c.ids['bob@example.com']!,
        fullName: 'Bob',
        changes: [{ subject: 'your developer account', status: 'revoked' as const }],
      };
      await c.enqueue([later]);

      const run = c.w.run(['outbox', '--json']);
      expect(run.code, run.stderr).toBe(0);
      const { messages } = JSON.parse(run.stdout);
      expect(messages.map((m: { kind: string; status: string }) => [m.kind, m.status])).toEqual([
        ['reset', 'failed'],
        ['verify', 'failed'],
        ['decision', 'waiting'],
      ]);
      expect(Object.keys(messages[0]).sort()).toEqual(
        ['attempts', 'createdAt', 'id', 'kind', 'lastError', 'nextAttemptAt', 'status', 'to'].sort(),
      );
      expect(messages[0]).toMatchObject({
        to: 'ada@example.com',
        attempts: 1,
        lastError: expect.stringContaining('554'),
      });
      expect(messages[2]).toMatchObject({ attempts: 0, lastError: null, nextAttemptAt: c.clock.now.toISOString() });

      const text = c.w.run(['outbox']);
      expect(text.code, text.stderr).toBe(0);
      expect(text.stdout).toMatch(
        /^3 messages, oldest first:\nCREATED +KIND +TO +STATUS +ATTEMPTS +NEXT ATTEMPT +LAST ERROR\n/,
      );
      expect(text.stdout).toContain('decision  bob@example.com  waiting');

      const stored = await withStateDb(c.w, async (q) =>
        JSON.stringify([await q('select * from pf_outbox'), await q('select * from pf_link_tokens')]),
      );
      for (const output of [stored, run.stdout, text.stdout]) {
        expect(output).not.toContain(sentToken);
        expect(output).not.toMatch(/token=|https?:\/\/|\/verify|\/password/);
      }
    } finally {
      await c.close();
      await smtp.stop();
    }
  });

  it('drops the messages of a developer an apply deletes', async () => {
    const c = await mailCase(backend);
    try {
      await c.enqueue(['ada@example.com', 'bob@example.com'].map((e) => verifyMessage(e, c.ids[e]!)));
      c.w.write('m.yaml', 'version: 1\ndevelopers:\n  - { email: ada@example.com, fullName: ada, status: approved }\n');
      expect(c.w.run(['apply', 'm.yaml', '--auto-approve']).code).toBe(0);
      const { messages } = JSON.parse(c.w.run(['outbox', '--json']).stdout);
      expect(messages.map((m: { to: string }) => m.to)).toEqual(['ada@example.com']);
    } finally {
      await c.close();
    }
  });

  it('refuses a missing state naming it, and an older one saying to run apply; the migration marks who is verified', async () => {
    const empty = workspace(backend.newState());
    const missing = empty.run(['outbox', '--json']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`no state at ${backend.name === 'sqlite' ? `${empty.dir}/portalform.db` : ''}`);
    expect(missing.stderr).not.toMatch(/\n\s+at /);

    const c = await mailCase(backend, ['ada@example.com']);
    await c.close();
    await runSql(c.w, [
      ...undoApplications(backend.name),
      'drop table pf_console_sessions',
      'drop table pf_console_attempts',
      'drop table pf_outbox',
      'drop table pf_link_tokens',
      'alter table pf_developers drop column email_verified',
      'alter table pf_developers drop column pending_email',
      `delete from pf_migration where name in ('0008_mail', '0009_console_sessions', '0010_canonical_emails')`,
      // A state from before the outbox has none of the later migrations either.
      'drop table pf_mail_throttle',
      `delete from pf_migration where name = '0011_mail_throttle'`,
      ...[
        ['p', 'pending', 'self-service'],
        ['r', 'rejected', 'self-service'],
        ['a', 'approved', 'self-service'],
        ['v', 'revoked', 'self-service'],
        ['l', 'pending', 'released'],
      ].map(
        ([id, status, origin]) =>
          `insert into pf_developers (id, email, full_name, status, meta, origin, created_at, updated_at)
           values ('${id}', '${id}@example.com', '${id}', '${status}', '{}', '${origin}', 'now', 'now')`,
      ),
    ]);
    const older = c.w.run(['outbox']);
    expect(older.code).toBe(1);
    expect(older.stderr).toMatch(/has an older schema than the outbox needs; run `portalform apply` to migrate it/);

    expect(c.w.run(['apply', 'm.yaml', '--auto-approve']).code).toBe(0);
    const verified = await withStateDb(c.w, (q) =>
      q('select email, email_verified, pending_email from pf_developers order by email'),
    );
    expect(verified.map((r: any) => [r.email, Number(r.email_verified), r.pending_email])).toEqual([
      ['a@example.com', 1, null],
      ['ada@example.com', 1, null],
      ['l@example.com', 1, null],
      ['p@example.com', 0, null],
      ['r@example.com', 0, null],
      ['v@example.com', 1, null],
    ]);
    expect(c.w.run(['outbox']).stdout).toBe('The outbox is empty: no mail waits, failed or expired.\n');
  });
});

describe('SMTP URLs and serve’s mail flags', () => {
  it('requires STARTTLS on smtp:// except to a loopback host; smtps:// is TLS from the first byte', () => {
    expect(parseSmtpUrl('smtp://mail.example.com').transport).toMatchObject({
      requireTLS: true,
      secure: false,
      port: 587,
    });
    expect(parseSmtpUrl('smtp://10.0.0.5:25').transport).toMatchObject({ requireTLS: true });
    for (const local of ['smtp://localhost:2525', 'smtp://127.0.0.1:25', 'smtp://[::1]:25'])
      expect(parseSmtpUrl(local).transport).toMatchObject({ requireTLS: false });
    expect(parseSmtpUrl('smtps://mail.example.com').transport).toMatchObject({ secure: true, port: 465 });
    const withCredentials = parseSmtpUrl('smtp://user%40x:p%40ss@mail.example.com:2525');
    expect(withCredentials.display).toBe('smtp://mail.example.com:2525');
    expect(withCredentials.transport.auth).toEqual({ user: 'user@x', pass: 'p@ss' });
    expect(() => parseSmtpUrl('http://mail.example.com')).toThrow(/use smtp:\/\/ \(STARTTLS\) or smtps:\/\//);
    expect(() => parseSmtpUrl('smtp://user:secret@')).toThrow(/invalid SMTP URL/);
    try {
      parseSmtpUrl('smtp://user:hunter2@');
    } catch (error) {
      expect(String(error)).not.toContain('hunter2');
    }
  });

  const external = Object.values(networkInterfaces())
    .flat()
    .find((address) => address && address.family === 'IPv4' && !address.internal)?.address;
  it.skipIf(!external)('sends nothing over a non-loopback smtp:// server that offers no STARTTLS', async () => {
    const smtp = await startSmtpServer('0.0.0.0');
    const c = await mailCase(BACKENDS[0]!);
    try {
      await c.enqueue([verifyMessage('ada@example.com', c.ids['ada@example.com']!)]);
      const report = await c.sender(`smtp://${external}:${smtp.port}`).runOnce();
      expect(report, c.logs.join('\n')).toMatchObject({ sent: 0, retried: 1 });
      expect(smtp.received).toEqual([]);
      expect(c.logs.join('\n')).toMatch(/STARTTLS/);
    } finally {
      await c.close();
      await smtp.stop();
    }
  });

  it('refuses --smtp-url without --public-url or --mail-from, and warns when there is no SMTP URL', () => {
    expect(checkMailOptions({})).toEqual({ warnings: [NO_SMTP_WARNING] });
    expect(NO_SMTP_WARNING).toMatch(/sign-ups cannot verify/);
    expect(() => checkMailOptions({ smtpUrl: 'smtp://localhost', mailFrom: 'p@example.com' })).toThrow(
      /^--smtp-url needs --public-url/,
    );
    expect(() => checkMailOptions({ smtpUrl: 'smtp://localhost', publicUrl: 'https://portal.example.com' })).toThrow(
      /^--smtp-url needs --mail-from/,
    );
    expect(() =>
      checkMailOptions({ smtpUrl: 'smtp://localhost', publicUrl: 'https://p.example.com', mailFrom: 'nobody' }),
    ).toThrow(/is not an address/);
    const ok = { smtpUrl: 'smtp://localhost', publicUrl: 'https://p.example.com', mailFrom: 'Portal <p@example.com>' };
    expect(checkMailOptions(ok)).toEqual({ warnings: [] });
  });

  it('escapes what a developer wrote in the HTML body and says it plainly in the text', async () => {
    const message = {
      kind: 'decision' as const,
      to: 'x@example.com',
      developerId: 'd',
      fullName: '<script>alert("x")</script>',
      changes: [{ subject: 'app <b> & "api"', status: 'approved' as const }],
    };
    const mail = await renderMessage(message, 'https://p.example.com/', async () => 'unused');
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(mail.html).toContain('<li>app &lt;b&gt; &amp; &quot;api&quot;: approved</li>');
    expect(mail.text).toContain('  - app <b> & "api": approved');
    expect(mail.text).not.toContain('token');
    expect(escapeHtml(`'`)).toBe('&#39;');
  });
});
