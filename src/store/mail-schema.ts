// The tables of mail (docs/portal-service.md, "Mail"): the outbox, the link tokens a sent message
// carries (only their digests), and what a developer's row records about its address.
import { sql, type Kysely } from './kysely.js';

/** A message waiting to be sent, or one that failed or expired: what it says, never a token or a link. */
export interface OutboxTable {
  id: string;
  kind: string;
  recipient: string;
  /** Null for a message about no developer; its waiting messages go with a deleted developer. */
  developer_id: string | null;
  /** What the message says (JSON); rendered with a fresh link token when it is sent. */
  payload: string;
  created_at: string;
  status: string;
  attempts: number;
  next_attempt_at: string;
  last_error: string | null;
  /** The sender instance that holds the message until lease_until; null when nobody does. */
  leased_by: string | null;
  lease_until: string | null;
}

/** A link a message carried or `invite` printed: only the SHA-256 digest of its token is kept. */
export interface LinkTokenTable {
  token_digest: string;
  kind: string;
  developer_id: string;
  /** The outbox message whose sending created it: a later attempt voids it. */
  message_id: string | null;
  /** The address an email-change link moves the account to. */
  new_email: string | null;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

/** The migration body: both tables, and the address columns with who counts as verified already. */
export async function createMailTables(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('pf_outbox')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('recipient', 'text', (c) => c.notNull())
    .addColumn('developer_id', 'text', (c) => c.references('pf_developers.id').onDelete('cascade'))
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('waiting', 'failed', 'expired')`))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'text', (c) => c.notNull())
    .addColumn('last_error', 'text')
    .addColumn('leased_by', 'text')
    .addColumn('lease_until', 'text')
    .execute();
  await db.schema.createIndex('pf_outbox_due').on('pf_outbox').columns(['status', 'next_attempt_at']).execute();
  await db.schema.createIndex('pf_outbox_developer').on('pf_outbox').column('developer_id').execute();
  await db.schema
    .createTable('pf_link_tokens')
    .addColumn('token_digest', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('verify', 'reset', 'email-change', 'invite')`))
    .addColumn('developer_id', 'text', (c) => c.notNull().references('pf_developers.id').onDelete('cascade'))
    .addColumn('message_id', 'text')
    .addColumn('new_email', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('used_at', 'text')
    .execute();
  await db.schema.createIndex('pf_link_tokens_developer').on('pf_link_tokens').column('developer_id').execute();
  await db.schema.createIndex('pf_link_tokens_message').on('pf_link_tokens').column('message_id').execute();
  await db.schema
    .alterTable('pf_developers')
    .addColumn('email_verified', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('pf_developers').addColumn('pending_email', 'text').execute();
  // Developers the manifests made, and any an admin has decided on, count as verified already.
  await sql`update pf_developers set email_verified = 1
    where origin in ('manifest', 'released') or status in ('approved', 'revoked')`.execute(db);
}

/** One verification or reset message sent to an address: at most one per 5 minutes and 10 a day. */
export interface MailThrottleTable {
  email: string;
  sent_at: string;
}

export async function createMailThrottle(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('pf_mail_throttle')
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('sent_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('pf_mail_throttle_email').on('pf_mail_throttle').columns(['email', 'sent_at']).execute();
}
