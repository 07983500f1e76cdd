// An apply's decision mail (docs/portal-service.md, "Mail"): once the apply has committed, one
// message to each developer it kept whose status or registrations it changed, saying each object's
// final status only; a deleted application or registration is "access removed" (docs/applications.md). It is
// written in a short transaction of its own after the apply's, so that an apply that fails or is
// rolled back mails nothing, and mail that cannot be queued never undoes or holds up the apply.
import { outboxEntry, type DecisionChange, type MailMessage } from '../mail/messages.js';
import type { Status } from '../model.js';
import type { Store } from '../store/index.js';
import { enqueueMessages, recipientsOf } from '../store/outbox.js';
import { StateBusyError } from '../store/short-write.js';
import { timed } from '../timing.js';
import { errorMessage } from '../util/errors.js';
import { plural } from '../util/plural.js';

/** How long the decision mail waits for another writer (a busy `serve`) before giving up. */
const WAIT_MS = 5_000;

/** What an apply decided, by developer id: final statuses, and the news of applications and registrations. */
export interface Decisions {
  decided: ReadonlyMap<string, Status>;
  news?: ReadonlyMap<string, DecisionChange[]>;
}

/**
 * Queues a `decision` message to each developer of `decided` (final status by id) that still
 * exists in that status, or with `news` of its applications and registrations; returns how many
 * were queued. A failure is a warning, never an error: the apply it follows has committed.
 */
export async function queueDecisionMail(
  store: Store,
  { decided, news = new Map() }: Decisions,
  warn: (message: string) => void,
): Promise<number> {
  const ids = [...new Set([...decided.keys(), ...news.keys()])];
  if (ids.length === 0) return 0;
  try {
    return await timed('queue decision mail', () =>
      store.shortWrite(WAIT_MS, async (conn) => {
        const messages = decisionMessages(ids, { decided, news }, await recipientsOf(conn, ids));
        await enqueueMessages(conn, messages.map(outboxEntry), new Date().toISOString());
        return messages.length;
      }),
    );
  } catch (error) {
    warn(
      `the apply is complete, but its decision mail could not be queued (${reasonOf(error)}): ` +
        `${plural(ids.length, 'developer')} will not be told of their new status by mail`,
    );
    return 0;
  }
}

/**
 * One message per developer, in the order the apply decided: its account's final status (none
 * when its status changed again since), then its applications' and registrations' news.
 */
function decisionMessages(
  ids: string[],
  { decided, news }: Required<Decisions>,
  recipients: Array<{ id: string; email: string; fullName: string; status: string }>,
): MailMessage[] {
  const byId = new Map(recipients.map((r) => [r.id, r]));
  const messages: MailMessage[] = [];
  for (const id of ids) {
    const developer = byId.get(id);
    if (!developer) continue;
    const status = decided.get(id);
    const changes: DecisionChange[] = [];
    if (status !== undefined && developer.status === status && status !== 'pending')
      changes.push({ subject: 'your developer account', status });
    changes.push(...(news.get(id) ?? []));
    if (changes.length === 0) continue;
    messages.push({ kind: 'decision', to: developer.email, developerId: id, fullName: developer.fullName, changes });
  }
  return messages;
}

function reasonOf(error: unknown): string {
  if (error instanceof StateBusyError)
    return `the state is busy: another writer held it for over ${error.waitMs / 1000} s`;
  return errorMessage(error);
}
