// What each kind of message says: the payload an outbox row stores. Never a token, a link or a
// credential's secret: the sender renders the message and makes its link when it sends it.

/** A registration's or developer's final status in a decision, or the removal of access. */
export type DecisionStatus = 'approved' | 'rejected' | 'revoked' | 'pending' | 'access removed';

export interface DecisionChange {
  /** What changed, in words a developer knows, e.g. `your developer account` or `billing-app on the Orders API`. */
  subject: string;
  status: DecisionStatus;
  /** What the news is about; absent (a message queued before applications existed): the account. */
  about?: 'account' | 'application' | 'registration';
}

export type MailMessage =
  | { kind: 'verify'; to: string; developerId: string; fullName: string }
  | { kind: 'reset'; to: string; developerId: string; fullName: string }
  | { kind: 'email-change'; to: string; developerId: string; fullName: string }
  | { kind: 'email-changed'; to: string; developerId: string; fullName: string; newEmail: string }
  | { kind: 'invite'; to: string; developerId: string; fullName: string }
  | { kind: 'decision'; to: string; developerId: string; fullName: string; changes: DecisionChange[] };

export type MailKind = MailMessage['kind'];

export const MAIL_KINDS: readonly MailKind[] = [
  'verify',
  'reset',
  'email-change',
  'email-changed',
  'invite',
  'decision',
];

/** The kinds whose message carries a link, with the link's path and how long it is valid from its sending. */
export const LINKS = {
  verify: { path: '/verify', lifetimeMs: 24 * 3600_000, validity: '24 hours' },
  reset: { path: '/password', lifetimeMs: 3600_000, validity: '1 hour' },
  'email-change': { path: '/verify', lifetimeMs: 24 * 3600_000, validity: '24 hours' },
  invite: { path: '/password', lifetimeMs: 72 * 3600_000, validity: '72 hours' },
} as const;

export type LinkKind = keyof typeof LINKS;

export function hasLink(kind: MailKind): kind is LinkKind {
  return kind in LINKS;
}

/** The outbox row of a message: `to` and the developer are columns, the rest is the payload. */
export function outboxEntry(message: MailMessage): {
  kind: MailKind;
  to: string;
  developerId: string;
  payload: MailMessage;
} {
  return { kind: message.kind, to: message.to, developerId: message.developerId, payload: message };
}

/** A stored payload read back: refused when it is not a message this portalform knows how to render. */
export function messageOf(kind: string, to: string, payload: unknown): MailMessage | null {
  if (!MAIL_KINDS.includes(kind as MailKind) || typeof payload !== 'object' || payload === null) return null;
  const message: Record<string, unknown> = { ...(payload as Record<string, unknown>), kind, to };
  if (typeof message.fullName !== 'string' || typeof message.developerId !== 'string') return null;
  if (kind === 'email-changed' && typeof message.newEmail !== 'string') return null;
  if (kind === 'decision' && !Array.isArray(message.changes)) return null;
  return message as unknown as MailMessage;
}
