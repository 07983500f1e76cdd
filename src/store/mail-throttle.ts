// How often one address may be mailed a verification or reset link (docs/portal-service.md, "Mail"):
// at most one message per 5 minutes and 10 a day. The messages themselves are the record: a
// waiting, failed or expired one is an outbox row to that address; a sent one left its link
// tokens, one message per outbox id. So nothing is stored beside them, and the limit holds
// across instances.
import type { Conn } from './backend.js';
import { sql } from './kysely.js';

/** The kinds of message the limit counts: those a stranger can ask for an address. */
export const THROTTLED_KINDS = ['verify', 'reset'] as const;
export const MAIL_SPACING_MS = 5 * 60_000;
export const MAIL_DAILY_LIMIT = 10;
const DAY_MS = 24 * 3600_000;

/** Messages of the throttled kinds to `email` written (or, once sent, sent) since `since`. */
async function mailedSince(conn: Conn, email: string, since: string): Promise<{ count: number; last: string | null }> {
  const waiting = await conn
    .selectFrom('pf_outbox')
    .select(['id', 'created_at'])
    .where('recipient', '=', email)
    .where('kind', 'in', THROTTLED_KINDS)
    .where('created_at', '>=', since)
    .execute();
  const sent = await conn
    .selectFrom('pf_link_tokens as t')
    .innerJoin('pf_developers as d', 'd.id', 't.developer_id')
    .select([sql<string>`t.message_id`.as('message_id'), sql<string>`min(t.created_at)`.as('created_at')])
    .where('d.email', '=', email)
    .where('t.kind', 'in', THROTTLED_KINDS)
    .where('t.message_id', 'is not', null)
    .where('t.created_at', '>=', since)
    .groupBy('t.message_id')
    .execute();
  const ids = new Set(waiting.map((row) => row.id));
  const times = [
    ...waiting.map((row) => row.created_at),
    ...sent.filter((row) => !ids.has(row.message_id)).map((row) => row.created_at),
  ].sort();
  return { count: times.length, last: times.at(-1) ?? null };
}

/**
 * Whether a verification or reset message may go to `email` now. Past the limit the request
 * answers as usual and sends nothing, so that asking again and again mails nobody.
 */
export async function mayMailAddress(conn: Conn, email: string, now: string): Promise<boolean> {
  const at = Date.parse(now);
  const { count, last } = await mailedSince(conn, email, new Date(at - DAY_MS).toISOString());
  if (count >= MAIL_DAILY_LIMIT) return false;
  return last === null || at - Date.parse(last) >= MAIL_SPACING_MS;
}

/**
 * Records a message to `email`: the outbox row the caller wrote in the same transaction already is
 * the record (see above), so there is nothing more to store. Kept so that callers say what they
 * did, and so that a record of its own can come here without changing them.
 */
export async function recordMailToAddress(_conn: Conn, _email: string, _now: string): Promise<void> {}
