// What verification does over time, on the real engine with a clock the test moves: a link's 24
// hours, the mail limit per address, a wrong password counted as a failed login, and the deletion
// of a sign-up not verified within 7 days of its first mail (idempotent across instances).
import { afterAll, describe, expect, it } from 'vitest';
import { history } from '../src/inspect.js';
import type { PortalEngine } from '../src/portal/index.js';
import { openStore } from '../src/store/index.js';
import { listMessages, openOutbox } from '../src/store/outbox.js';
import { BACKENDS, dropTestSchemas } from './helpers/backends.js';
import { PASSWORD, portalCase, refusal, type PortalCase } from './helpers/portal.js';
import { mailedVerifyToken } from './helpers/verification.js';

afterAll(dropTestSchemas);

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const T0 = Date.parse('2031-03-01T09:00:00.000Z');

/** An engine on the case's state whose clock reads `at`. */
async function at(c: PortalCase, time: number): Promise<PortalEngine> {
  return c.open({ now: () => time });
}

async function verifyMessagesTo(c: PortalCase, email: string): Promise<number> {
  const store = openStore(c.w.state, c.w.dir);
  try {
    const opened = await openOutbox(store);
    if (!('db' in opened)) throw new Error('no outbox');
    return (await listMessages(opened.db)).filter((m) => m.kind === 'verify' && m.to === email).length;
  } finally {
    await store.close();
  }
}

describe.each(BACKENDS)('verification over time on $name', (backend) => {
  it('a link is valid 24 hours from its sending; a wrong password counts as a failed login', async () => {
    const c = await portalCase(backend, undefined, { loginAttempts: 3 });
    try {
      await (await at(c, T0)).register({ email: 'eve@example.com', fullName: 'Eve', password: PASSWORD });
      const token = await mailedVerifyToken(c.w.state, c.w.dir, 'eve@example.com', new Date(T0 + HOUR));
      const late = await refusal((await at(c, T0 + 25 * HOUR + 1)).verifyEmail({ token, password: PASSWORD }));
      expect(late).toMatchObject({ status: 400, errors: [{ field: 'token' }] });
      const inTime = await at(c, T0 + 24 * HOUR);
      for (let i = 0; i < 3; i++) {
        const wrong = await refusal(inTime.verifyEmail({ token, password: 'not her password!' }));
        expect(wrong).toMatchObject({ status: 400, errors: [{ field: 'password', message: 'is wrong' }] });
      }
      expect((await refusal(inTime.verifyEmail({ token, password: PASSWORD }))).status).toBe(429);
      const later = await at(c, T0 + 24 * HOUR + 20 * 60_000);
      await later.verifyEmail({ token, password: PASSWORD });
      const waiting = await refusal(later.login({ email: 'eve@example.com', password: PASSWORD }));
      expect(waiting).toMatchObject({ status: 403, detail: expect.stringMatching(/waiting for approval/) });
    } finally {
      await c.close();
    }
  });

  it('mails one address at most once per 5 minutes and 10 times a day; past that, answers as usual', async () => {
    const c = await portalCase(backend);
    try {
      await (await at(c, T0)).register({ email: 'max@example.com', fullName: 'Max', password: PASSWORD });
      expect(await verifyMessagesTo(c, 'max@example.com')).toBe(1);
      // Sent: the message leaves the outbox, its link still counts.
      await mailedVerifyToken(c.w.state, c.w.dir, 'max@example.com', new Date(T0 + 1000));
      await (await at(c, T0 + 4 * 60_000)).resendVerification({ email: 'max@example.com' });
      expect(await verifyMessagesTo(c, 'max@example.com')).toBe(0);
      for (let i = 1; i <= 10; i++)
        await (await at(c, T0 + i * 5 * 60_000 + 1000)).resendVerification({ email: 'MAX@example.com' });
      expect(await verifyMessagesTo(c, 'max@example.com')).toBe(9);
      await (await at(c, T0 + DAY + 2000)).resendVerification({ email: 'max@example.com' });
      expect(await verifyMessagesTo(c, 'max@example.com')).toBe(10);
      // Unknown and verified addresses: nothing written, no error either.
      await (await at(c, T0)).resendVerification({ email: 'nobody@example.com' });
      await (await at(c, T0)).resendVerification({ email: 'ada@example.com' });
      expect(await verifyMessagesTo(c, 'nobody@example.com')).toBe(0);
      expect(await verifyMessagesTo(c, 'ada@example.com')).toBe(0);
    } finally {
      await c.close();
    }
  });

  it('deletes a sign-up not verified within 7 days of its first mail, once, and records it', async () => {
    const c = await portalCase(backend);
    try {
      const start = await at(c, T0);
      await start.register({ email: 'old@example.com', fullName: 'Old', password: PASSWORD });
      await start.register({ email: 'unsent@example.com', fullName: 'Unsent', password: PASSWORD });
      await start.register({ email: 'done@example.com', fullName: 'Done', password: PASSWORD });
      await mailedVerifyToken(c.w.state, c.w.dir, 'old@example.com', new Date(T0 + HOUR));
      const done = await mailedVerifyToken(c.w.state, c.w.dir, 'done@example.com', new Date(T0 + HOUR));
      await start.verifyEmail({ token: done, password: PASSWORD });
      // A resend later does not move the deadline: it counts from the first mail.
      await (await at(c, T0 + 3 * DAY)).resendVerification({ email: 'old@example.com' });
      await mailedVerifyToken(c.w.state, c.w.dir, 'old@example.com', new Date(T0 + 3 * DAY));

      expect(await (await at(c, T0 + 7 * DAY + HOUR - 60_000)).expireSignUps()).toBe(0);
      const due = T0 + 7 * DAY + HOUR + 60_000;
      // Three instances at once: one deletes it.
      const instances = await Promise.all([at(c, due), at(c, due), at(c, due)]);
      const deleted = await Promise.all(instances.map((instance) => instance.expireSignUps()));
      expect(deleted.reduce((x, y) => x + y, 0)).toBe(1);
      expect(await (await at(c, T0 + 60 * DAY)).expireSignUps()).toBe(0);

      const { entries } = await history({ state: c.w.state, cwd: c.w.dir, env: {} });
      const expired = entries.filter((e) => e.action === 'expire-sign-up');
      expect(expired).toHaveLength(1);
      expect(expired[0]).toMatchObject({ kind: 'self-service', actor: 'old@example.com' });
      expect(JSON.stringify(expired)).not.toContain(PASSWORD);
      // The address is free again; the sign-up never mailed and the verified one stay.
      const again = await (await at(c, due)).register({
        email: 'old@example.com',
        fullName: 'Old',
        password: PASSWORD,
      });
      expect(again).toMatchObject({ status: 'pending', emailVerified: false });
      expect(
        (await refusal(start.register({ email: 'unsent@example.com', fullName: 'U', password: PASSWORD }))).status,
      ).toBe(409);
      expect(
        (await refusal(start.register({ email: 'done@example.com', fullName: 'D', password: PASSWORD }))).status,
      ).toBe(409);
    } finally {
      await c.close();
    }
  });
});
