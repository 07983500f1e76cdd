// The outbox's sender over a real SMTP server (docs/portal-service.md, "Mail"): a message written in
// a state transaction arrives with plain and HTML bodies and a link whose token works once; a down
// server, a 4xx and a 5xx reply, 7 days unsent; two senders racing over one state.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EXPIRY_MS } from '../src/mail/index.js';
import { openStore } from '../src/store/index.js';
import { consumeLinkToken } from '../src/store/link-tokens.js';
import { claimMessage, listMessages } from '../src/store/outbox.js';
import { BACKENDS, dropTestSchemas } from './helpers/backends.js';
import { mailCase, verifyMessage, type MailCase } from './helpers/mail.js';
import { startSmtpServer, type TestSmtpServer } from './helpers/smtp-server.js';

afterAll(dropTestSchemas);

const MINUTE = 60_000;
const LINK = /https:\/\/portal\.example\.com\/(verify|password)\?token=([A-Za-z0-9_-]{43})/;

let smtp: TestSmtpServer;
beforeAll(async () => {
  smtp = await startSmtpServer();
});
afterAll(() => smtp.stop());
afterEach(async () => {
  smtp.received.length = 0;
  smtp.reply = null;
  smtp.hold = null;
  smtp.onDataStart = null;
  await smtp.start(); // after a test that took it down
});

async function database(c: MailCase) {
  const opened = await c.store.openExisting();
  return opened!.db;
}

describe.each(BACKENDS)('the mail sender on $name', (backend) => {
  it('delivers a message written in a state transaction, with plain and HTML bodies and a link that works once', async () => {
    const c = await mailCase(backend);
    try {
      await c.enqueue([verifyMessage('ada@example.com', c.ids['ada@example.com']!)]);
      await c.enqueue([verifyMessage('bob@example.com', c.ids['bob@example.com']!)], true); // rolled back
      const report = await c.sender(smtp.url).runOnce();
      expect(report).toEqual({ sent: 1, retried: 0, failed: 0, expired: 0 });
      expect(smtp.received).toHaveLength(1);
      const mail = smtp.received[0]!;
      expect(mail.to).toEqual(['ada@example.com']);
      expect(mail.subject).toBe('Confirm your email address');
      expect(mail.text).toContain('Hello ada,');
      expect(mail.text).toContain('valid for 24 hours');
      expect(mail.text).toMatch(/If you did not sign up, ignore this message[\s\S]*"Forgot password"/);
      expect(mail.html).toContain('<a href="https://portal.example.com/verify?token=');
      expect(mail.messageId).toMatch(/^<[0-9a-f-]{36}\.[^@>]+@example\.com>$/);
      const [, path, token] = LINK.exec(mail.text)!;
      expect(path).toBe('verify');
      expect(mail.html).toContain(token);

      const db = await database(c);
      expect(await listMessages(db)).toEqual([]); // sent messages are deleted
      expect(await consumeLinkToken(db, token!, ['reset'], c.clock.now)).toBeNull(); // not a reset link
      expect(await consumeLinkToken(db, token!, ['verify'], c.clock.now)).toEqual({
        kind: 'verify',
        developerId: c.ids['ada@example.com'],
        newEmail: null,
      });
      expect(await consumeLinkToken(db, token!, ['verify'], c.clock.now)).toBeNull(); // used once
    } finally {
      await c.close();
    }
  });

  it('a link expires after its validity from the sending; each kind says how long it lasts', async () => {
    const c = await mailCase(backend);
    try {
      const ada = c.ids['ada@example.com']!;
      await c.enqueue([
        { kind: 'reset', to: 'ada@example.com', developerId: ada, fullName: 'Ada' },
        { kind: 'invite', to: 'ada@example.com', developerId: ada, fullName: 'Ada' },
        { kind: 'email-change', to: 'ada@new.example.com', developerId: ada, fullName: 'Ada' },
      ]);
      await c.sender(smtp.url).runOnce();
      const bySubject = (subject: string) => smtp.received.find((m) => m.subject === subject)!;
      const reset = bySubject('Choose a new password');
      const invite = bySubject('Your developer portal account');
      const change = bySubject('Confirm your new email address');
      expect(
        [reset!.text, invite!.text, change!.text].map((t) => /valid for ([^.]+) and works once/.exec(t)?.[1]),
      ).toEqual(['1 hour', '72 hours', '24 hours']);
      expect(LINK.exec(reset!.text)?.[1]).toBe('password');
      expect(LINK.exec(invite!.text)?.[1]).toBe('password');
      expect(change!.to).toEqual(['ada@new.example.com']);
      const db = await database(c);
      const later = new Date(c.clock.now.getTime() + 61 * MINUTE);
      expect(await consumeLinkToken(db, LINK.exec(reset!.text)![2]!, ['reset'], later)).toBeNull();
      expect(await consumeLinkToken(db, LINK.exec(change!.text)![2]!, ['email-change'], later)).toMatchObject({
        newEmail: 'ada@new.example.com',
      });
    } finally {
      await c.close();
    }
  });

  it('retries while the SMTP server is down, with back-off, and then delivers each message once', async () => {
    const c = await mailCase(backend);
    try {
      await c.enqueue(['ada@example.com', 'bob@example.com'].map((e) => verifyMessage(e, c.ids[e]!)));
      const sender = c.sender(smtp.url);
      await smtp.stop();
      expect(await sender.runOnce()).toMatchObject({ sent: 0, retried: 2 });
      c.clock.advance(30_000);
      expect(await sender.runOnce()).toMatchObject({ sent: 0, retried: 0 }); // not due before a minute
      c.clock.advance(30_000);
      expect(await sender.runOnce()).toMatchObject({ retried: 2 }); // second failure: 2 minutes
      const [waiting] = await listMessages(await database(c));
      expect(waiting).toMatchObject({
        status: 'waiting',
        attempts: 2,
        lastError: expect.stringMatching(/could not send/),
      });
      expect(Date.parse(waiting!.nextAttemptAt) - c.clock.now.getTime()).toBe(2 * MINUTE);

      const ids = (await listMessages(await database(c))).map((m) => m.id);
      await smtp.start();
      c.clock.advance(2 * MINUTE);
      expect(await sender.runOnce()).toMatchObject({ sent: 2, retried: 0 });
      // The Message-ID comes from the row, not the attempt: a resend after a crash carries the same one.
      expect(smtp.received.map((m) => m.messageId.slice(1, 37)).sort()).toEqual(ids.sort());
      expect(await sender.runOnce()).toMatchObject({ sent: 0 });
      expect(smtp.received.map((m) => m.to[0]).sort()).toEqual(['ada@example.com', 'bob@example.com']);
      // Each attempt made a token afresh: only the delivered one works.
      const db = await database(c);
      for (const mail of smtp.received)
        expect(await consumeLinkToken(db, LINK.exec(mail.text)![2]!, ['verify'], c.clock.now)).not.toBeNull();
    } finally {
      await c.close();
    }
  });

  it('a 4xx reply is retried (1 minute, doubling up to 1 hour); a 5xx reply fails the message at once', async () => {
    const c = await mailCase(backend);
    try {
      const sender = c.sender(smtp.url);
      await c.enqueue([verifyMessage('ada@example.com', c.ids['ada@example.com']!)]);
      smtp.reply = { code: 451, message: 'Try again later' };
      const delays: number[] = [];
      for (let attempt = 0; attempt < 8; attempt++) {
        expect(await sender.runOnce()).toMatchObject({ retried: 1 });
        const [row] = await listMessages(await database(c));
        delays.push((Date.parse(row!.nextAttemptAt) - c.clock.now.getTime()) / MINUTE);
        c.clock.advance(Date.parse(row!.nextAttemptAt) - c.clock.now.getTime());
      }
      expect(delays).toEqual([1, 2, 4, 8, 16, 32, 60, 60]);
      const [retried] = await listMessages(await database(c));
      expect(retried).toMatchObject({ status: 'waiting', attempts: 8, lastError: expect.stringContaining('451') });

      smtp.reply = { code: 550, message: 'No such user here' };
      expect(await sender.runOnce()).toMatchObject({ failed: 1 });
      const [failed] = await listMessages(await database(c));
      expect(failed).toMatchObject({ status: 'failed', attempts: 9, lastError: expect.stringContaining('550') });
      smtp.reply = null;
      c.clock.advance(2 * 3600_000);
      expect(await sender.runOnce()).toMatchObject({ sent: 0 }); // a failed message is not sent again
      expect(smtp.received).toEqual([]);
    } finally {
      await c.close();
    }
  });

  it('a message still unsent 7 days after it was written is marked expired', async () => {
    const c = await mailCase(backend);
    try {
      const sender = c.sender(smtp.url);
      await c.enqueue([verifyMessage('ada@example.com', c.ids['ada@example.com']!)]);
      await smtp.stop();
      await sender.runOnce();
      c.clock.advance(EXPIRY_MS - MINUTE);
      await sender.runOnce();
      expect((await listMessages(await database(c)))[0]).toMatchObject({ status: 'waiting', attempts: 2 });
      await smtp.start();
      c.clock.advance(MINUTE);
      expect(await sender.runOnce()).toMatchObject({ expired: 1, sent: 0 });
      expect((await listMessages(await database(c)))[0]).toMatchObject({ status: 'expired', attempts: 2 });
      expect(smtp.received).toEqual([]);
    } finally {
      await c.close();
    }
  });

  it('a message claimed by an instance that crashed is sent by another once the lease runs out', async () => {
    const c = await mailCase(backend);
    try {
      await c.enqueue([verifyMessage('ada@example.com', c.ids['ada@example.com']!)]);
      const db = await database(c);
      const leaseUntil = new Date(c.clock.now.getTime() + 2 * MINUTE).toISOString();
      expect(await claimMessage(db, 'crashed-instance', c.clock.now.toISOString(), leaseUntil)).not.toBeNull();
      const sender = c.sender(smtp.url);
      expect(await sender.runOnce()).toMatchObject({ sent: 0 });
      c.clock.advance(2 * MINUTE + 1);
      expect(await sender.runOnce()).toMatchObject({ sent: 1 });
      expect(smtp.received).toHaveLength(1);
    } finally {
      await c.close();
    }
  });

  it('stop() lets the message being sent finish, and looks for no message after', async () => {
    const c = await mailCase(backend);
    try {
      await c.enqueue([verifyMessage('ada@example.com', c.ids['ada@example.com']!)]);
      const sender = c.sender(smtp.url);
      let release: () => void = () => undefined;
      smtp.hold = new Promise((resolve) => {
        release = resolve;
      });
      const started = new Promise<void>((resolve) => {
        smtp.onDataStart = resolve;
      });
      const pass = sender.runOnce();
      await started;
      const stopped = sender.stop();
      release();
      await stopped;
      expect(await listMessages(await database(c))).toEqual([]); // marked sent before stop() returned
      expect(await pass).toMatchObject({ sent: 1 });
      expect(smtp.received).toHaveLength(1);
      await c.enqueue([verifyMessage('bob@example.com', c.ids['bob@example.com']!)]);
      expect(await sender.runOnce()).toMatchObject({ sent: 0 });
      expect(await listMessages(await database(c))).toHaveLength(1);
    } finally {
      await c.close();
    }
  });

  it('two senders on two Store instances of one state deliver each of 50 messages exactly once', async () => {
    const emails = Array.from({ length: 10 }, (_, i) => `dev${i}@example.com`);
    const c = await mailCase(backend, emails);
    try {
      const messages = Array.from({ length: 50 }, (_, i) => verifyMessage(emails[i % 10]!, c.ids[emails[i % 10]!]!));
      await c.enqueue(messages);
      const first = c.sender(smtp.url);
      const second = c.sender(smtp.url, openStore(c.w.state, c.w.dir));
      const reports = await Promise.all([first.runOnce(), second.runOnce()]);
      expect(reports.reduce((sum, r) => sum + r.sent, 0)).toBe(50);
      expect(reports.every((r) => r.sent > 0)).toBe(true); // both took part
      const ids = smtp.received.map((m) => m.messageId);
      expect(new Set(ids).size).toBe(50);
      expect(ids).toHaveLength(50);
      expect(await listMessages(await database(c))).toEqual([]);
    } finally {
      await c.close();
    }
  });
});
