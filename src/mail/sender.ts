// The sender `serve` runs: claims a due message (a lease in the state, so no two instances send it
// at once), renders it with this instance's public URL and a fresh link token, sends it over SMTP
// and deletes it once the server accepted it. A connection error or a 4xx reply is retried with
// back-off, a 5xx reply fails the message, and one unsent 7 days after it was written expires.
import { randomUUID } from 'node:crypto';
import nodemailer, { type Transporter } from 'nodemailer';
import { createLinkToken, voidMessageTokens } from '../store/link-tokens.js';
import {
  claimMessage,
  closeMessage,
  expireMessages,
  markSent,
  openOutbox,
  renewLease,
  rescheduleMessage,
  type OutboxMessage,
} from '../store/outbox.js';
import type { Conn } from '../store/backend.js';
import type { Store } from '../store/store.js';
import { errorMessage } from '../util/errors.js';
import { messageOf, type MailMessage } from './messages.js';
import { renderMessage } from './render.js';
import { parseSmtpUrl, type SmtpServer } from './smtp.js';

export const FIRST_RETRY_MS = 60_000;
export const LONGEST_RETRY_MS = 3600_000;
export const EXPIRY_MS = 7 * 24 * 3600_000;
const DEFAULT_LEASE_MS = 120_000;

export interface MailLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** Arranges for `run` to be called now and then; returns what stops it. */
export type Tick = (run: () => void) => () => void;

/** Runs every `ms` milliseconds (and once at the start), without keeping the process alive. */
export function intervalTick(ms: number): Tick {
  return (run) => {
    const first = setTimeout(run, 0);
    const timer = setInterval(run, ms);
    first.unref();
    timer.unref();
    return () => {
      clearTimeout(first);
      clearInterval(timer);
    };
  };
}

export interface MailSenderOptions {
  store: Store;
  publicUrl: string;
  smtpUrl: string;
  mailFrom: string;
  logger: MailLogger;
  /** The time; tests move it instead of waiting. */
  clock?: () => Date;
  /** When to look for due messages (default every 5 seconds). */
  tick?: Tick;
  /** How long a claimed message is this instance's before another may take it over. */
  leaseMs?: number;
}

export interface SendReport {
  sent: number;
  retried: number;
  failed: number;
  expired: number;
}

export interface MailSender {
  /** Sends every message due now (one pass at a time: a call during a pass waits for it). */
  runOnce(): Promise<SendReport>;
  /** Stops looking for messages, lets the message being sent finish, closes the SMTP connection. */
  stop(): Promise<void>;
}

type Outcome = keyof SendReport | 'lost';
type Opened = { db: Conn; lineage: string };

export function startMailSender(options: MailSenderOptions): MailSender {
  const sender = new OutboxSender(options);
  const cancelTick = (options.tick ?? intervalTick(5_000))(() => void sender.runOnce());
  options.logger.info(`mail: sending through ${sender.server.display} as ${options.mailFrom}`);
  return {
    runOnce: () => sender.runOnce(),
    stop: () => sender.stop(cancelTick),
  };
}

class OutboxSender {
  readonly server: SmtpServer;
  private readonly transport: Transporter;
  private readonly clock: () => Date;
  private readonly leaseMs: number;
  private readonly holder = `sender-${randomUUID()}`;
  private readonly domain: string;
  private state: Promise<Opened | null> | null = null;
  private running: Promise<SendReport> | null = null;
  private stopping = false;

  constructor(private readonly options: MailSenderOptions) {
    this.server = parseSmtpUrl(options.smtpUrl);
    this.transport = nodemailer.createTransport(this.server.transport);
    this.clock = options.clock ?? (() => new Date());
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.domain = /@([^\s>@]+)>?\s*$/.exec(options.mailFrom)?.[1] ?? 'portalform.invalid';
  }

  runOnce(): Promise<SendReport> {
    if (this.stopping) return Promise.resolve({ sent: 0, retried: 0, failed: 0, expired: 0 });
    this.running ??= this.pass().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  async stop(cancelTick: () => void): Promise<void> {
    this.stopping = true;
    cancelTick();
    await this.running;
    this.transport.close();
  }

  /** The state's outbox, looked for again on the next pass while there is none: an apply may create or migrate it. */
  private outbox(): Promise<Opened | null> {
    this.state ??= openOutbox(this.options.store).then((opened) => {
      if ('db' in opened) return opened;
      this.state = null;
      this.options.logger.warn(
        `mail: the state at ${this.options.store.display} has no outbox yet; run \`portalform apply\` to create or migrate it`,
      );
      return null;
    });
    return this.state;
  }

  private async pass(): Promise<SendReport> {
    const report: SendReport = { sent: 0, retried: 0, failed: 0, expired: 0 };
    try {
      const opened = await this.outbox();
      if (!opened) return report;
      const now = this.clock();
      const cutoff = new Date(now.getTime() - EXPIRY_MS).toISOString();
      report.expired += await expireMessages(opened.db, cutoff, now.toISOString());
      while (!this.stopping) {
        const row = await claimMessage(opened.db, this.holder, this.clock().toISOString(), this.leaseEnd());
        if (!row) break;
        const outcome = await this.deliver(opened, row);
        if (outcome !== 'lost') report[outcome]++;
      }
    } catch (error) {
      // A message claimed when the state failed is taken up again once its lease runs out.
      this.options.logger.error(
        `mail: could not reach the outbox in ${this.options.store.display}: ${errorMessage(error)}`,
      );
    }
    return report;
  }

  private leaseEnd(): string {
    return new Date(this.clock().getTime() + this.leaseMs).toISOString();
  }

  private async deliver({ db, lineage }: Opened, row: OutboxMessage): Promise<Outcome> {
    const now = this.clock();
    if (now.getTime() - Date.parse(row.createdAt) >= EXPIRY_MS) {
      await closeMessage(db, row.id, 'expired', row.lastError);
      return 'expired';
    }
    const message = messageOf(row.kind, row.to, row.payload);
    if (!message) {
      await closeMessage(db, row.id, 'failed', `this portalform cannot render a message of kind ${row.kind}`);
      return 'failed';
    }
    const rendered = await renderMessage(message, this.options.publicUrl, async (kind, lifetimeMs) => {
      await voidMessageTokens(db, row.id, now);
      const newEmail = message.kind === 'email-change' ? message.to : undefined;
      const token = { kind, developerId: message.developerId, lifetimeMs, messageId: row.id, newEmail };
      return createLinkToken(db, token, now);
    });
    // Send only while the message is still this instance's, and keep it so while the server takes its time.
    if (!(await renewLease(db, row.id, this.holder, this.leaseEnd()))) return 'lost';
    const renewal = setInterval(() => {
      renewLease(db, row.id, this.holder, this.leaseEnd()).catch(() => undefined);
    }, this.leaseMs / 3);
    renewal.unref();
    try {
      await this.transport.sendMail({
        from: this.options.mailFrom,
        to: message.to,
        subject: rendered.subject,
        text: rendered.text,
        html: rendered.html,
        messageId: `<${row.id}.${lineage}@${this.domain}>`,
      });
    } catch (error) {
      return this.refused(db, row, message, error, now);
    } finally {
      clearInterval(renewal);
    }
    await markSent(db, row.id);
    this.options.logger.info(`mail: sent the ${row.kind} message ${row.id}`);
    return 'sent';
  }

  private async refused(db: Conn, row: OutboxMessage, message: MailMessage, error: unknown, now: Date) {
    await voidMessageTokens(db, row.id, now);
    const { permanent, reason } = classify(error, this.server.display);
    if (permanent) {
      await closeMessage(db, row.id, 'failed', reason);
      this.options.logger.error(`mail: the ${message.kind} message ${row.id} failed: ${reason}`);
      return 'failed' as const;
    }
    const delay = retryDelay(row.attempts + 1);
    await rescheduleMessage(db, row.id, this.holder, new Date(now.getTime() + delay).toISOString(), reason);
    this.options.logger.warn(
      `mail: the ${message.kind} message ${row.id} will be retried in ${delay / 60_000} min: ${reason}`,
    );
    return 'retried' as const;
  }
}

/** 1 minute after the first failed attempt, doubling up to 1 hour. */
export function retryDelay(failedAttempts: number): number {
  return Math.min(FIRST_RETRY_MS * 2 ** Math.max(0, failedAttempts - 1), LONGEST_RETRY_MS);
}

/** Failures of the connection rather than of a message: the next attempt may pass, whatever the reply code. */
const CONNECTION_ERRORS = new Set(['ECONNECTION', 'ESOCKET', 'ETIMEDOUT', 'EDNS', 'ETLS', 'EAUTH', 'EPROXY']);

/**
 * A 5xx reply to a message is the server's final no; a 4xx reply, or a connection that failed
 * (refused, TLS, authentication: set-up an admin can fix), may pass later.
 */
export function classify(error: unknown, display: string): { permanent: boolean; reason: string } {
  const { responseCode, response, code } = (error ?? {}) as {
    responseCode?: unknown;
    response?: unknown;
    code?: unknown;
  };
  if (code === 'ETLS') {
    return {
      permanent: false,
      reason:
        `${display} did not encrypt the connection (STARTTLS); mail to a host other than this machine goes ` +
        'only over TLS: use a server that offers STARTTLS, or smtps://',
    };
  }
  const reply = typeof responseCode === 'number' ? responseCode : 0;
  if (reply >= 400 && !CONNECTION_ERRORS.has(String(code))) {
    const text = typeof response === 'string' && response ? response : `${reply}`;
    return { permanent: reply >= 500, reason: `${display} replied ${text}`.slice(0, 500) };
  }
  return { permanent: false, reason: `could not send through ${display}: ${errorMessage(error)}`.slice(0, 500) };
}
