// A sign-up proves its address over real HTTP against a real `serve`, its mail through a real SMTP
// server: the link arrives, opening it verifies nothing, the password does, once.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { BACKENDS, dropTestSchemas } from './helpers/backends.js';
import { workspace, type Workspace } from './helpers/cli.js';
import { call, eventually, startServe, stopServers, type ServeProcess } from './helpers/serve-mail-process.js';
import { manifest, STATE_ENV } from './helpers/service.js';
import { startSmtpServer, type TestSmtpServer } from './helpers/smtp-server.js';

const PUBLIC_URL = 'https://portal.example.com';
// A sentinel password: it must never show up in a log.
const PASSWORD = 'sentinel-Pa55word-7f3a91';

afterEach(stopServers);
afterAll(dropTestSchemas);

function applied(state: string | undefined, text = manifest()): Workspace {
  const ws = workspace(state);
  ws.write('portal.yaml', text);
  const result = ws.run(['apply', 'portal.yaml', '--auto-approve'], { env: STATE_ENV });
  expect(result.code, result.stderr).toBe(0);
  return ws;
}

function mailArgs(smtp: TestSmtpServer): string[] {
  return ['--public-url', PUBLIC_URL, '--smtp-url', smtp.url, '--mail-from', 'API portal <portal@example.com>'];
}

/** The token of the newest link mailed to `email` (waits for the sender's pass). */
async function mailedLink(smtp: TestSmtpServer, email: string, count = 1): Promise<{ link: string; token: string }> {
  const mail = await eventually(() => smtp.received.filter((m) => m.to.includes(email))[count - 1]);
  const match = /(https:\/\/portal\.example\.com\/verify\?token=([\w-]+))/.exec(mail.text);
  expect(match, mail.text).not.toBeNull();
  return { link: match![1]!, token: match![2]! };
}

const login = (server: ServeProcess, email: string, password = PASSWORD) =>
  call(server, 'POST', '/api/v1/session', { email, password });

describe.each(BACKENDS)('verified sign-ups on $name', (backend) => {
  it('sign up → mail → opening the link verifies nothing → the password does, once → login', async () => {
    const smtp = await startSmtpServer();
    try {
      const ws = applied(backend.newState());
      const server = await startServe(ws, mailArgs(smtp));
      const signup = await call(server, 'POST', '/api/v1/register', {
        email: 'Bob@Example.com',
        fullName: 'Bob',
        password: PASSWORD,
      });
      expect(signup.status, signup.text).toBe(201);
      expect(signup.json()).toEqual({ email: 'bob@example.com', fullName: 'Bob', status: 'pending' });
      const again = await call(server, 'POST', '/api/v1/register', {
        email: 'bob@example.com',
        fullName: 'B',
        password: PASSWORD,
      });
      expect(again.status).toBe(409);
      expect(again.json().detail).toMatch(/Forgot password/);

      const { token } = await mailedLink(smtp, 'bob@example.com');
      const mail = smtp.received[0]!;
      expect(mail.subject).toBe('Confirm your email address');
      expect(mail.text).toMatch(/If you did not sign up, ignore this message/);

      // A mail scanner follows the link: the page asks for the password and proves nothing.
      const page = await fetch(`${server.url}/verify?token=${token}`);
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toMatch(/<label for="[^"]+">Password<\/label>/);
      expect(html).toContain('Confirm my address');
      const unverified = await login(server, 'bob@example.com');
      expect(unverified.status).toBe(403);
      expect(unverified.json().detail).toMatch(/use the link we mailed you/);
      expect((await login(server, 'bob@example.com', 'not the password at all')).status).toBe(401);

      const wrong = await call(server, 'POST', '/api/v1/verify', { token, password: 'a wrong password!' });
      expect(wrong.status).toBe(400);
      expect(wrong.json().errors).toEqual([{ field: 'password', message: 'is wrong' }]);
      const verified = await call(server, 'POST', '/api/v1/verify', { token, password: PASSWORD });
      expect(verified.status, verified.text).toBe(204);
      const twice = await call(server, 'POST', '/api/v1/verify', { token, password: PASSWORD });
      expect(twice.status).toBe(400);
      expect(twice.json().errors).toEqual([{ field: 'token', message: 'unknown, used or expired' }]);
      const unknown = await call(server, 'POST', '/api/v1/verify', { token: 'no-such-token', password: PASSWORD });
      expect(unknown.json().errors?.[0]?.field).toBe('token');

      const waiting = await login(server, 'bob@example.com');
      expect(waiting.status).toBe(403);
      expect(waiting.json().detail).toMatch(/waiting for approval/);
      const requests = ws.run(['requests', '--json'], { env: STATE_ENV });
      expect(requests.stdout).toContain('bob@example.com');

      ws.write('portal.yaml', manifest('  - { email: bob@example.com, fullName: Bob, status: approved }\n'));
      expect(ws.run(['apply', 'portal.yaml', '--auto-approve'], { env: STATE_ENV }).code).toBe(0);
      const session = await login(server, 'bob@example.com');
      expect(session.status, session.text).toBe(201);
      const me = await call(server, 'GET', '/api/v1/me', undefined, {
        authorization: `Bearer ${session.json().token}`,
      });
      expect(me.json()).toMatchObject({ email: 'bob@example.com', emailVerified: true, pendingEmail: null });

      const history = ws.run(['history', '--json'], { env: STATE_ENV });
      const actions = JSON.parse(history.stdout).entries.filter((e: any) => e.kind === 'self-service');
      expect(actions.map((e: any) => [e.actor, e.action])).toEqual([
        ['bob@example.com', 'register'],
        ['bob@example.com', 'verify-email'],
      ]);
      expect(history.stdout).not.toContain(PASSWORD);

      server.child.kill('SIGTERM');
      const stopped = await server.done;
      expect(stopped.code).toBe(0);
      // Neither the link's token nor the password is in the service's log.
      for (const output of [server.stdout(), server.stderr()]) {
        expect(output).not.toContain(token);
        expect(output).not.toContain(PASSWORD);
      }
      expect(server.stdout()).toMatch(/sent the verify message/);
    } finally {
      await smtp.stop();
    }
  });
});

it('autoApprove approves a sign-up when it verifies; a resend within 5 minutes mails nothing', async () => {
  const smtp = await startSmtpServer();
  try {
    const ws = applied(undefined, `portal:\n  autoApprove: true\n${manifest()}`);
    const server = await startServe(ws, mailArgs(smtp));
    expect(
      (await call(server, 'POST', '/api/v1/register', { email: 'cy@example.com', fullName: 'Cy', password: PASSWORD }))
        .status,
    ).toBe(201);
    const { token } = await mailedLink(smtp, 'cy@example.com');
    // Asked again at once: 202, and nothing more is written or sent.
    for (const email of ['cy@example.com', 'nobody@example.com', 'ada@example.com'])
      expect((await call(server, 'POST', '/api/v1/verify/resend', { email })).status).toBe(202);
    const outbox = JSON.parse(ws.run(['outbox', '--json'], { env: STATE_ENV }).stdout);
    expect(outbox.messages).toEqual([]);
    expect((await call(server, 'POST', '/api/v1/verify', { token, password: PASSWORD })).status).toBe(204);
    const session = await login(server, 'cy@example.com');
    expect(session.status, session.text).toBe(201);
    const me = await call(server, 'GET', '/api/v1/me', undefined, { authorization: `Bearer ${session.json().token}` });
    expect(me.json()).toMatchObject({ status: 'approved', emailVerified: true });
    expect(smtp.received.filter((m) => m.to.includes('cy@example.com'))).toHaveLength(1);
  } finally {
    await smtp.stop();
  }
});

it('the first serve with mail mails each sign-up older than mail a link, once across instances', async () => {
  const smtp = await startSmtpServer();
  try {
    const ws = applied(undefined);
    const plain = await startServe(ws);
    expect(plain.stderr()).toMatch(
      /no --smtp-url .*sign-ups cannot verify their address until mail is set up or an admin sends them an invite/,
    );
    expect(
      (await call(plain, 'POST', '/api/v1/register', { email: 'old@example.com', fullName: 'Old', password: PASSWORD }))
        .status,
    ).toBe(201);
    await stopServers();
    // A sign-up made before mail existed has no message: the first serve with mail writes it one.
    const { runSql } = await import('./helpers/state-db.js');
    await runSql(ws, ['delete from pf_outbox']);
    const first = await startServe(ws, mailArgs(smtp));
    const second = await startServe(ws, mailArgs(smtp));
    await mailedLink(smtp, 'old@example.com');
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    expect(smtp.received.filter((m) => m.to.includes('old@example.com'))).toHaveLength(1);
    expect(first.stdout() + second.stdout()).toMatch(/first verification message to 1 unverified sign-up/);
  } finally {
    await smtp.stop();
  }
});

it('refuses an SMTP URL without a public URL, and a state without the mail migration; never logs SMTP credentials', async () => {
  const ws = applied(undefined);
  const refused = ws.run(
    ['serve', '--listen', '127.0.0.1:0', '--smtp-url', 'smtp://127.0.0.1:2525', '--mail-from', 'p@example.com'],
    {
      env: STATE_ENV,
    },
  );
  expect(refused.code).toBe(1);
  expect(refused.stderr).toMatch(/--smtp-url needs --public-url/);
  expect(refused.stderr).not.toMatch(/\n\s+at /);

  const smtp = await startSmtpServer();
  try {
    const secret = 'smtp-sentinel-secret-93ab';
    const server = await startServe(ws, ['--public-url', PUBLIC_URL, '--mail-from', 'p@example.com'], {
      PORTALFORM_SMTP_URL: `smtp://portal:${secret}@127.0.0.1:${smtp.port}`,
    });
    expect(
      (
        await call(server, 'POST', '/api/v1/register', {
          email: 'dee@example.com',
          fullName: 'Dee',
          password: PASSWORD,
        })
      ).status,
    ).toBe(201);
    await eventually(() => /verify message/.test(server.stdout()));
    await stopServers();
    expect(server.stdout() + server.stderr()).not.toContain(secret);
  } finally {
    await smtp.stop();
  }

  const { runSql } = await import('./helpers/state-db.js');
  await runSql(ws, [`delete from pf_migration where name = '0008_mail'`]);
  const older = ws.run(['serve', '--listen', '127.0.0.1:0'], { env: STATE_ENV });
  expect(older.code).toBe(1);
  expect(older.stderr).toMatch(/older schema .*run `portalform apply`/);
});
