// A real state for the mail suites: made by a real apply, with messages written in a state
// transaction, and senders over a real SMTP server whose clock the test moves.
import { apply } from '../../src/engine.js';
import { outboxEntry, startMailSender, type MailMessage, type MailSender } from '../../src/mail/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { enqueueMessage } from '../../src/store/outbox.js';
import type { BackendCase } from './backends.js';
import { workspace, type Workspace } from './cli.js';

export const PUBLIC_URL = 'https://portal.example.com';
const HOLDER = { user: 'test', host: 'test', pid: process.pid, operation: 'test' };

export interface MailCase {
  w: Workspace;
  store: Store;
  /** Developer ids by email. */
  ids: Record<string, string>;
  clock: { now: Date; advance(ms: number): void };
  /** Writes the messages in one state transaction; `fail` rolls it back after writing them. */
  enqueue(messages: MailMessage[], fail?: boolean): Promise<void>;
  /** A sender that looks for messages only when the test says (runOnce), on its own Store when asked. */
  sender(smtpUrl: string, store?: Store): MailSender;
  logs: string[];
  close(): Promise<void>;
}

export async function mailCase(
  backend: BackendCase,
  emails = ['ada@example.com', 'bob@example.com'],
): Promise<MailCase> {
  const w = workspace(backend.newState());
  const list = emails.map((email) => `  - { email: ${email}, fullName: ${email.split('@')[0]}, status: approved }\n`);
  w.write('m.yaml', `version: 1\ndevelopers:\n${list.join('')}`);
  await apply({ paths: ['m.yaml'], state: w.state, cwd: w.dir, env: {} });
  const store = openStore(w.state, w.dir);
  const stores = [store];
  const senders: MailSender[] = [];
  const ids = Object.fromEntries((await store.read()).developers.map((d) => [d.email, d.id]));
  const clock = {
    now: new Date(),
    advance(ms: number) {
      clock.now = new Date(clock.now.getTime() + ms);
    },
  };
  const logs: string[] = [];
  const logger = {
    info: (m: string) => logs.push(m),
    warn: (m: string) => logs.push(m),
    error: (m: string) => logs.push(m),
  };
  return {
    w,
    store,
    ids,
    clock,
    logs,
    async enqueue(messages, fail = false) {
      await store
        .withWriteSession(
          HOLDER,
          5_000,
          () => undefined,
          (session) =>
            session.transaction(async (writer) => {
              for (const message of messages)
                await enqueueMessage(writer.conn, outboxEntry(message), clock.now.toISOString());
              if (fail) throw new Error('the change failed');
            }),
        )
        .catch((error: Error) => {
          if (!fail) throw error;
        });
    },
    sender(smtpUrl, onStore = store) {
      if (!stores.includes(onStore)) stores.push(onStore);
      const sender = startMailSender({
        store: onStore,
        publicUrl: PUBLIC_URL,
        smtpUrl,
        mailFrom: 'API portal <portal@example.com>',
        logger,
        clock: () => clock.now,
        tick: () => () => undefined,
      });
      senders.push(sender);
      return sender;
    },
    async close() {
      for (const sender of senders) await sender.stop();
      for (const each of stores) await each.close();
    },
  };
}

export function verifyMessage(email: string, developerId: string): MailMessage {
  return { kind: 'verify', to: email, developerId, fullName: email.split('@')[0]! };
}
