// Mail through an outbox (docs/portal-service.md, "Mail"). A change that causes a message writes
// it in its own transaction (store/outbox.ts, with the payloads of messages.ts), saying what the
// message is about and never holding a token or a link. The sender `serve` starts (sender.ts)
// claims each message under a lease, renders it (render.ts) with the instance's public URL and a
// link token made at that moment (store/link-tokens.ts keeps only its digest), sends it over SMTP
// (smtp.ts: STARTTLS required except to a loopback host) and deletes it once the server accepted
// it; it retries with back-off, fails a message the server refuses for good, and expires one left
// unsent for 7 days. `portalform outbox` lists what remains (outbox-list.ts).
export { hasLink, LINKS, MAIL_KINDS, messageOf, outboxEntry } from './messages.js';
export type { DecisionChange, DecisionStatus, LinkKind, MailKind, MailMessage } from './messages.js';
export { checkMailOptions, NO_SMTP_WARNING, type MailFlags } from './options.js';
export { listOutbox, type OutboxEntry } from './outbox-list.js';
export { escapeHtml, renderMessage, type CreateLinkToken, type RenderedMail } from './render.js';
export {
  classify,
  EXPIRY_MS,
  intervalTick,
  retryDelay,
  startMailSender,
  type MailLogger,
  type MailSender,
  type MailSenderOptions,
  type SendReport,
  type Tick,
} from './sender.js';
export { isLoopback, parseSmtpUrl, type SmtpServer } from './smtp.js';
