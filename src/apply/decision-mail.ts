// An apply's decision mail (docs/portal-service.md, "Mail"): once the apply has committed, one
// message to each developer it kept whose status it changed, saying the final status only. It is
// written in a short transaction of its own after the apply's, so that an apply that fails or is
// rolled back mails nothing, and mail that cannot be queued never undoes or holds up the apply.
import { outboxEntry, type MailMessage } from '../mail/messages.js';
import type { Status } from '../model.js';
import type { Store } from '../store/index.js';
import { enqueueMessages, recipientsOf } from '../store/outbox.js';
import { StateBusyError } from '../store/short-write.js';
import { timed } from '../timing.js';
import { errorMessage } from '../util/errors.js';
import { plural } from '../util/plural.js';

/** How long the decision mail waits for another writer (a busy `serve`) before giving up. */
const WAIT_MS = 5_000;

/**
 * Queues a `decision` message to each developer of `decided` (final status by id) that still
 * exists in that status; returns how many were queued. A failure is a warning, never an error:
 * the apply it follows has committed.
 */
export async function queueDecisionMail(
  store: Store,
  decided: ReadonlyMap<string, Status>,
  warn: (message: string) => void,
): Promise<number> {
  if (decided.size === 0) return 0;
  try {
    return await timed('queue decision mail', () =>
      store.shortWrite(WAIT_MS, async (conn) => {
        const messages = decisionMessages(decided, await recipientsOf(conn, [...decided.keys()]));
        await enqueueMessages(conn, messages.map(outboxEntry), new Date().toISOString());
        return messages.length;
      }),
    );
  } catch (error) {
    warn(
      `the apply is complete, but its decision mail could not be queued (${reasonOf(error)}): ` +
        `${plural(decided.size, 'developer')} will not be told of their new status by mail`,
    );
    return 0;
  }
}

/** One message per developer, in the order the apply decided; none to one whose status changed again since. */
function decisionMessages(
  decided: ReadonlyMap<string, Status>,
  recipients: Array<{ id: string; email: string; fullName: string; status: string }>,
): MailMessage[] {
  const byId = new Map(recipients.map((r) => [r.id, r]));
  const messages: MailMessage[] = [];
  for (const [id, status] of decided) {
    const developer = byId.get(id);
    if (!developer || developer.status !== status || status === 'pending') continue;
    messages.push({
      kind: 'decision',
      to: developer.email,
      developerId: id,
      fullName: developer.fullName,
      changes: [{ subject: 'your developer account', status }],
    });
  }
  return messages;
}

function reasonOf(error: unknown): string {
  if (error instanceof StateBusyError)
    return `the state is busy: another writer held it for over ${error.waitMs / 1000} s`;
  return errorMessage(error);
}
