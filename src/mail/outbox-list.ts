// `portalform outbox`: the messages waiting to be sent, or that failed or expired, oldest first.
// A row holds what a message says, never a link; the listing shows less still: who, what kind, how it goes.
import { PortalformError } from '../errors.js';
import { storeOf, type StateOptions } from '../options.js';
import { listMessages, openOutbox, type OutboxStatus } from '../store/outbox.js';

export interface OutboxEntry {
  id: string;
  kind: string;
  to: string;
  createdAt: string;
  status: OutboxStatus;
  attempts: number;
  nextAttemptAt: string;
  lastError: string | null;
}

/** Refuses a missing state (naming it) and one older than the outbox (saying to run apply). */
export async function listOutbox(options: StateOptions = {}): Promise<{ messages: OutboxEntry[] }> {
  const store = storeOf(options);
  try {
    const opened = await openOutbox(store);
    if ('missing' in opened)
      throw new PortalformError(`no state at ${store.display}; run \`portalform apply\` first to create it`);
    if ('older' in opened) {
      throw new PortalformError(
        `the state at ${store.display} has an older schema than the outbox needs; run \`portalform apply\` to migrate it`,
      );
    }
    const rows = await listMessages(opened.db);
    return {
      messages: rows.map((r) => ({
        id: r.id,
        kind: r.kind,
        to: r.to,
        createdAt: r.createdAt,
        status: r.status,
        attempts: r.attempts,
        nextAttemptAt: r.nextAttemptAt,
        lastError: r.lastError,
      })),
    };
  } finally {
    await store.close();
  }
}
