// How often one address is mailed a verification or reset link (docs/portal-service.md, "Mail"):
// at most one message per 5 minutes and 10 a day, counted in the state so the limit holds across
// instances. A request past it answers as usual and sends nothing.
import type { Conn } from './backend.js';

const SPACING_MS = 5 * 60_000;
const DAY_MS = 24 * 3600_000;
const PER_DAY = 10;

function iso(now: Date | string): string {
  return typeof now === 'string' ? now : now.toISOString();
}

function before(now: Date | string, ms: number): string {
  return new Date(Date.parse(iso(now)) - ms).toISOString();
}

/** True when one more verification or reset message may go to `email` now. */
export async function mayMailAddress(conn: Conn, email: string, now: Date | string): Promise<boolean> {
  const rows = await conn
    .selectFrom('pf_mail_throttle')
    .select('sent_at')
    .where('email', '=', email.toLowerCase())
    .where('sent_at', '>', before(now, DAY_MS))
    .execute();
  const recent = before(now, SPACING_MS);
  return rows.length < PER_DAY && rows.every((row) => row.sent_at <= recent);
}

/** Counts a message to `email`, forgetting those older than a day. */
export async function recordMailToAddress(conn: Conn, email: string, now: Date | string): Promise<void> {
  const address = email.toLowerCase();
  await conn
    .deleteFrom('pf_mail_throttle')
    .where('email', '=', address)
    .where('sent_at', '<=', before(now, DAY_MS))
    .execute();
  await conn
    .insertInto('pf_mail_throttle')
    .values({ email: address, sent_at: iso(now) })
    .execute();
}

/**
 * Forgets what `email` was mailed: called when its owner, who proved the address, deletes the
 * account, so that signing up there again is mailed its link at once. (A sign-up that expires
 * unverified keeps the count: whoever made it never proved the address.)
 */
export async function forgetMailToAddress(conn: Conn, email: string): Promise<void> {
  await conn.deleteFrom('pf_mail_throttle').where('email', '=', email.toLowerCase()).execute();
}
