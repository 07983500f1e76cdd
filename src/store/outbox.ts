// The outbox's rows (docs/portal-service.md, "Mail"): a message is written in the transaction of the
// change that causes it, then claimed by one sender at a time through a lease (an atomic update,
// as the apply lock is taken), and deleted once the SMTP server accepted it.
import { randomUUID } from 'node:crypto';
import { chunks } from '../util/chunks.js';
import type { Conn } from './backend.js';
import type { OutboxTable } from './mail-schema.js';
import { MAIL_VERSION } from './schema.js';
import type { Store } from './store.js';

export type OutboxStatus = 'waiting' | 'failed' | 'expired';

/** A stored message. `payload` is what the message says, as its writer gave it. */
export interface OutboxMessage {
  id: string;
  kind: string;
  to: string;
  developerId: string | null;
  payload: unknown;
  createdAt: string;
  status: OutboxStatus;
  attempts: number;
  nextAttemptAt: string;
  lastError: string | null;
}

export interface NewMessage {
  kind: string;
  to: string;
  developerId: string | null;
  payload: unknown;
}

/** Writes a message in the caller's transaction: it exists exactly when the change that causes it commits. */
export async function enqueueMessage(conn: Conn, message: NewMessage, now: string): Promise<string> {
  const row = outboxRow(message, now);
  await conn.insertInto('pf_outbox').values(row).execute();
  return row.id;
}

function outboxRow(message: NewMessage, now: string): OutboxTable {
  return {
    id: randomUUID(),
    kind: message.kind,
    recipient: message.to,
    developer_id: message.developerId,
    payload: JSON.stringify(message.payload),
    created_at: now,
    status: 'waiting',
    attempts: 0,
    next_attempt_at: now,
    last_error: null,
    leased_by: null,
    lease_until: null,
  };
}

/** Writes many messages in the caller's transaction, a few hundred rows per statement. */
export async function enqueueMessages(conn: Conn, messages: NewMessage[], now: string): Promise<void> {
  for (const chunk of chunks(messages, 500)) {
    await conn
      .insertInto('pf_outbox')
      .values(chunk.map((message) => outboxRow(message, now)))
      .execute();
  }
}

/** The developers of these ids as they are now (those that still exist): whom a message about each goes to. */
export async function recipientsOf(
  conn: Conn,
  ids: string[],
): Promise<Array<{ id: string; email: string; fullName: string; status: string }>> {
  const found: Array<{ id: string; email: string; fullName: string; status: string }> = [];
  for (const chunk of chunks(ids, 500)) {
    const rows = await conn
      .selectFrom('pf_developers')
      .select(['id', 'email', 'full_name', 'status'])
      .where('id', 'in', chunk)
      .execute();
    for (const row of rows) found.push({ id: row.id, email: row.email, fullName: row.full_name, status: row.status });
  }
  return found;
}

/**
 * Claims the oldest due message nobody holds (or whose holder's lease ran out) for `holder` until
 * `leaseUntil`. The conditional update is the claim: of two senders racing for one row, one wins.
 */
export async function claimMessage(conn: Conn, holder: string, now: string, leaseUntil: string) {
  // A few candidates at a time: a sender that loses one to another tries the next; after a few
  // lost rounds it leaves the rest to the others until its next pass.
  for (let round = 0; round < 5; round++) {
    const candidates = await conn
      .selectFrom('pf_outbox')
      .select('id')
      .where('status', '=', 'waiting')
      .where('next_attempt_at', '<=', now)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
      .orderBy('created_at')
      .orderBy('id')
      .limit(8)
      .execute();
    if (candidates.length === 0) return null;
    for (const { id } of candidates) {
      const claimed = await conn
        .updateTable('pf_outbox')
        .set({ leased_by: holder, lease_until: leaseUntil })
        .where('id', '=', id)
        .where('status', '=', 'waiting')
        .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) === 1) return readMessage(conn, id);
    }
  }
  return null;
}

/** Extends a lease `holder` still has; false when it lost it (expired and claimed by another). */
export async function renewLease(conn: Conn, id: string, holder: string, leaseUntil: string): Promise<boolean> {
  const result = await conn
    .updateTable('pf_outbox')
    .set({ lease_until: leaseUntil })
    .where('id', '=', id)
    .where('leased_by', '=', holder)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** The server accepted the message: it is deleted (sent messages are not kept). */
export async function markSent(conn: Conn, id: string): Promise<void> {
  await conn.deleteFrom('pf_outbox').where('id', '=', id).execute();
}

/** Another attempt at `nextAttemptAt`, releasing the lease. */
export async function rescheduleMessage(conn: Conn, id: string, holder: string, nextAttemptAt: string, error: string) {
  await conn
    .updateTable('pf_outbox')
    .set((eb) => ({
      attempts: eb('attempts', '+', 1),
      next_attempt_at: nextAttemptAt,
      last_error: error,
      leased_by: null,
      lease_until: null,
    }))
    .where('id', '=', id)
    .where('leased_by', '=', holder)
    .execute();
}

/** The message will not be sent: `failed` (the server refused it for good) or `expired`. */
export async function closeMessage(conn: Conn, id: string, status: 'failed' | 'expired', error: string | null) {
  await conn
    .updateTable('pf_outbox')
    .set((eb) => ({
      status,
      attempts: status === 'failed' ? eb('attempts', '+', 1) : eb.ref('attempts'),
      last_error: error ?? eb.ref('last_error'),
      leased_by: null,
      lease_until: null,
    }))
    .where('id', '=', id)
    .execute();
}

/** Marks `expired` every waiting message nobody holds that was written at or before `cutoff`. */
export async function expireMessages(conn: Conn, cutoff: string, now: string): Promise<number> {
  const result = await conn
    .updateTable('pf_outbox')
    .set({ status: 'expired', leased_by: null, lease_until: null })
    .where('status', '=', 'waiting')
    .where('created_at', '<=', cutoff)
    .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Every stored message (waiting, failed or expired), oldest first. */
export async function listMessages(conn: Conn): Promise<OutboxMessage[]> {
  const rows = await conn.selectFrom('pf_outbox').selectAll().orderBy('created_at').orderBy('id').execute();
  return rows.map(toMessage);
}

/** Drops the waiting messages of these developers (failed and expired ones stay listed). */
export async function dropDeveloperMessages(conn: Conn, developerIds: string[]): Promise<void> {
  for (const chunk of chunks(developerIds, 500)) {
    await conn.deleteFrom('pf_outbox').where('developer_id', 'in', chunk).where('status', '=', 'waiting').execute();
  }
}

/** Drops a developer's waiting messages of these kinds: a newer request, or a password set, replaced them. */
export async function dropWaitingMessagesOf(conn: Conn, developerId: string, kinds: readonly string[]): Promise<void> {
  await conn
    .deleteFrom('pf_outbox')
    .where('developer_id', '=', developerId)
    .where('kind', 'in', kinds)
    .where('status', '=', 'waiting')
    .execute();
}

/**
 * The database and lineage of an existing state that has the outbox; `missing` when there is no
 * state, `older` when its schema predates the outbox (apply migrates it).
 */
export async function openOutbox(
  store: Store,
): Promise<{ db: Conn; lineage: string } | { missing: true } | { older: true }> {
  const opened = await store.openExisting();
  const lineage =
    opened && (await opened.db.selectFrom('pf_meta').select('value').where('key', '=', 'lineage').executeTakeFirst());
  if (!opened || !lineage) return { missing: true };
  if (!opened.migrations.includes(MAIL_VERSION)) return { older: true };
  return { db: opened.db, lineage: lineage.value };
}

async function readMessage(conn: Conn, id: string): Promise<OutboxMessage | null> {
  const row = await conn.selectFrom('pf_outbox').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? toMessage(row) : null;
}

function toMessage(row: OutboxTable): OutboxMessage {
  return {
    id: row.id,
    kind: row.kind,
    to: row.recipient,
    developerId: row.developer_id,
    payload: JSON.parse(row.payload),
    createdAt: row.created_at,
    status: row.status as OutboxStatus,
    attempts: Number(row.attempts),
    nextAttemptAt: row.next_attempt_at,
    lastError: row.last_error,
  };
}
