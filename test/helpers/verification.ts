// Completing a sign-up's verification in tests that do not run a mail sender: the waiting
// verification message to an address is "sent" the way the sender sends it (a link token made at
// that moment, only its digest stored, the message then gone from the outbox), and its token
// handed back to be posted to /api/v1/verify with the password, as the developer would.
import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import { LINKS } from '../../src/mail/messages.js';
import type { PortalEngine } from '../../src/portal/contract.js';
import { openStore } from '../../src/store/index.js';
import { createLinkToken } from '../../src/store/link-tokens.js';
import { listMessages, markSent, openOutbox } from '../../src/store/outbox.js';

/** The token of the oldest waiting verification message to `email`, which then counts as sent at `now`. */
export async function mailedVerifyToken(state: string, cwd: string, email: string, now = new Date()): Promise<string> {
  const store = openStore(state, cwd);
  try {
    const opened = await openOutbox(store);
    if (!('db' in opened)) throw new Error(`no outbox in ${state}`);
    const message = (await listMessages(opened.db)).find(
      (m) => m.kind === 'verify' && m.to === email.toLowerCase() && m.status === 'waiting',
    );
    if (message?.developerId) {
      const token = await createLinkToken(
        opened.db,
        {
          kind: 'verify',
          developerId: message.developerId,
          lifetimeMs: LINKS.verify.lifetimeMs,
          messageId: message.id,
        },
        now,
      );
      await markSent(opened.db, message.id);
      return token;
    }
    // None waits when the per-address limit held the sign-up's message back (the address was mailed
    // within 5 minutes, e.g. by an account deleted since): the link a resend mails once the window
    // has passed, made here for the unverified developer of that address.
    const developer = await opened.db
      .selectFrom('pf_developers')
      .select('id')
      .where('email', '=', email.toLowerCase())
      .where('email_verified', '=', 0)
      .executeTakeFirst();
    if (!developer) throw new Error(`no verification message waits for ${email}`);
    // Awaited here: the store closes in `finally`, which a returned promise would outrun.
    return await createLinkToken(
      opened.db,
      { kind: 'verify', developerId: developer.id, lifetimeMs: LINKS.verify.lifetimeMs },
      now,
    );
  } finally {
    await store.close();
  }
}

/** Verifies `email` through the engine, with the token of the message waiting for it. */
export async function verifyWithEngine(
  engine: PortalEngine,
  where: { state: string; cwd: string },
  email: string,
  password: string,
): Promise<void> {
  const token = await mailedVerifyToken(where.state, where.cwd, email);
  await engine.verifyEmail({ token, password });
}

/** Verifies `email` over HTTP (POST /api/v1/verify), with the token of the message waiting for it. */
export async function verifyOverHttp(
  app: FastifyInstance,
  where: { state: string; dir: string },
  email: string,
  password: string,
): Promise<void> {
  const token = await mailedVerifyToken(where.state, where.dir, email);
  const verified = await app.inject({ method: 'POST', url: '/api/v1/verify', payload: { token, password } });
  expect(verified.statusCode, verified.body).toBe(204);
}
