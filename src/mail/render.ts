// A message as a person reads it: a subject, a plain-text body and an HTML body saying the same.
// A link's token is made only here, at sending, through the caller's `createToken`.
import {
  hasLink,
  LINKS,
  type DecisionChange,
  type DecisionStatus,
  type LinkKind,
  type MailMessage,
} from './messages.js';

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

/** Creates and stores a link token of this kind (only its digest is kept) and returns the token. */
export type CreateLinkToken = (kind: LinkKind, lifetimeMs: number) => Promise<string>;

/** A paragraph of the body; `link` is shown as a button in HTML and on a line of its own in text. */
type Block = { text: string } | { link: string; label: string } | { list: string[] };

export async function renderMessage(
  message: MailMessage,
  publicUrl: string,
  createToken: CreateLinkToken,
): Promise<RenderedMail> {
  const base = publicUrl.replace(/\/+$/, '');
  let link = '';
  if (hasLink(message.kind)) {
    const { path, lifetimeMs } = LINKS[message.kind];
    link = `${base}${path}?token=${encodeURIComponent(await createToken(message.kind, lifetimeMs))}`;
  }
  const { subject, blocks } = compose(message, link, base);
  const greeting = `Hello ${message.fullName.trim() || 'there'},`;
  const closing = `— the developer portal at ${base}`;
  return {
    subject,
    text: `${[greeting, ...blocks.map(blockText), closing].join('\n\n')}\n`,
    html: htmlPage(subject, [{ text: greeting }, ...blocks, { text: closing }]),
  };
}

function compose(message: MailMessage, link: string, base: string): { subject: string; blocks: Block[] } {
  switch (message.kind) {
    case 'verify':
      return {
        subject: 'Confirm your email address',
        blocks: [
          { text: `Someone signed up for the developer portal at ${base} with this address.` },
          { text: 'If it was you, confirm the address with this link and your password:' },
          { link, label: 'Confirm my address' },
          { text: `The link is valid for ${LINKS.verify.validity} and works once.` },
          {
            text:
              'If you did not sign up, ignore this message: nothing happens without the password. ' +
              'If someone else chose it, use "Forgot password" on the sign-in page: ' +
              'its link proves the address is yours and replaces the password.',
          },
        ],
      };
    case 'reset':
      return {
        subject: 'Choose a new password',
        blocks: [
          { text: 'A new password was asked for the developer portal account of this address.' },
          { link, label: 'Choose a new password' },
          { text: `The link is valid for ${LINKS.reset.validity} and works once.` },
          { text: 'If you did not ask, ignore this message: your password stays as it is.' },
        ],
      };
    case 'email-change':
      return {
        subject: 'Confirm your new email address',
        blocks: [
          {
            text: 'Your developer portal account is to move to this address. Confirm it with this link and your password:',
          },
          { link, label: 'Confirm my new address' },
          { text: `The link is valid for ${LINKS['email-change'].validity} and works once.` },
          { text: 'If you did not ask for this, ignore this message: the account keeps its address.' },
        ],
      };
    case 'email-changed':
      return {
        subject: 'Your email address was changed',
        blocks: [
          {
            text: `Your developer portal account now uses the address ${message.newEmail}; mail goes there from now on.`,
          },
          { text: 'If you did not make this change, tell the portal’s administrators at once.' },
        ],
      };
    case 'invite':
      return {
        subject: 'Your developer portal account',
        blocks: [
          { text: `You have an account on the developer portal at ${base}. Choose your password with this link:` },
          { link, label: 'Choose my password' },
          { text: `The link is valid for ${LINKS.invite.validity} and works once.` },
        ],
      };
    case 'decision':
      return decision(message.changes, base);
  }
}

/** Whom a developer asks about a decision: the people behind the portal, not the sending address. */
const ASK =
  'ask the team that runs this developer portal for your organisation (replies to this message may not be read)';

/** What each final status means for the developer, and whom to ask. */
const MEANING: Record<DecisionStatus, { subject: string; says: (base: string) => string }> = {
  approved: {
    subject: 'Your developer portal access was approved',
    says: (base) =>
      `Approved: you can sign in at ${base} with this address and your password, and your credentials work. ` +
      'If you have no password yet, choose one with "Forgot password" on the sign-in page.',
  },
  rejected: {
    subject: 'Your developer portal access request was declined',
    says: () =>
      'Rejected: your request for access was declined. You cannot sign in, and this address cannot sign up again ' +
      `while the declined request is kept. If you think this is a mistake, ${ASK}.`,
  },
  revoked: {
    subject: 'Your developer portal access was revoked',
    says: () =>
      'Revoked: your access has ended. You can no longer sign in, and your credentials stopped working; they are kept, ' +
      `and work again if your access is approved again. To ask why, or to ask for access again, ${ASK}.`,
  },
  pending: {
    subject: 'Your developer portal access is waiting for a decision',
    says: () => 'Pending: your request waits for a decision; you will hear from us when it is made.',
  },
  'access removed': {
    subject: 'Your developer portal access was removed',
    says: () => `Access removed: it no longer gives you access. To ask why, ${ASK}.`,
  },
};

/** What a registration's final status, or an application's or registration's removal, means (docs/applications.md). */
const APPLICATION_MEANING: Record<DecisionStatus, { subject: string; says: string }> = {
  approved: {
    subject: 'Your application may call an API',
    says: 'Approved registration: the application’s credentials may call that API while your account is approved.',
  },
  rejected: {
    subject: 'Your application’s API registration was declined',
    says:
      'Rejected registration: the application may not call that API, and the registration cannot be asked for again ' +
      `while the declined one is kept. If you think this is a mistake, ${ASK}.`,
  },
  revoked: {
    subject: 'Your application’s API access was revoked',
    says: `Revoked registration: the application’s credentials can no longer call that API. To ask why, ${ASK}.`,
  },
  pending: {
    subject: 'Your application’s API registration waits for a decision',
    says: 'Pending registration: it waits for a decision; you will hear from us when it is made.',
  },
  'access removed': {
    subject: 'Your application’s API access was removed',
    says:
      'Access removed: the application or registration was deleted, and its credentials no longer call what it gave ' +
      `access to. To ask why, ${ASK}.`,
  },
};

function decision(changes: DecisionChange[], base: string): { subject: string; blocks: Block[] } {
  const meanings = new Map<string, { subject: string; says: string }>();
  for (const change of changes) {
    if (!(change.status in MEANING)) continue;
    const account = (change.about ?? 'account') === 'account';
    const meaning = account
      ? { subject: MEANING[change.status].subject, says: MEANING[change.status].says(base) }
      : APPLICATION_MEANING[change.status];
    meanings.set(`${account}:${change.status}`, meaning);
  }
  const blocks: Block[] = [
    { text: `The administrators of the developer portal at ${base} decided on your access:` },
    { list: changes.map(describeChange) },
    ...[...meanings.values()].map((meaning) => ({ text: meaning.says })),
  ];
  if (changes.some((change) => change.status === 'approved')) blocks.push({ link: `${base}/`, label: 'Sign in' });
  const only = meanings.size === 1 && changes.length === 1 ? [...meanings.values()][0] : undefined;
  return { subject: only?.subject ?? 'News about your access', blocks };
}

function describeChange(change: DecisionChange): string {
  return `${change.subject}: ${change.status}`;
}

function blockText(block: Block): string {
  if ('link' in block) return block.link;
  if ('list' in block) return block.list.map((item) => `  - ${item}`).join('\n');
  return block.text;
}

/** The one escape for text put into HTML: element content and double-quoted attributes alike. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

function blockHtml(block: Block): string {
  if ('link' in block) {
    const href = escapeHtml(block.link);
    return (
      `<p><a href="${href}" style="display:inline-block;padding:10px 18px;background:#1f6feb;color:#ffffff;` +
      `border-radius:6px;text-decoration:none;font-weight:600">${escapeHtml(block.label)}</a></p>\n` +
      `<p style="font-size:13px;color:#57606a">Or open this address: <a href="${href}">${href}</a></p>`
    );
  }
  if ('list' in block) return `<ul>${block.list.map((item) => `<li>${escapeHtml(item)}</li>`).join('')}</ul>`;
  return `<p>${escapeHtml(block.text)}</p>`;
}

function htmlPage(title: string, blocks: Block[]): string {
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>${escapeHtml(title)}</title></head>`,
    '<body style="margin:0;padding:24px;background:#f6f8fa;font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;',
    'font-size:15px;line-height:1.5;color:#1f2328">',
    '<div style="max-width:560px;margin:0 auto;padding:24px;background:#ffffff;border:1px solid #d0d7de;border-radius:8px">',
    ...blocks.map(blockHtml),
    '</div></body></html>',
    '',
  ].join('\n');
}
