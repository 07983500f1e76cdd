// What `serve` checks about its mail flags before it starts (docs/portal-service.md, "Mail").
import { PortalformError } from '../errors.js';
import { parseSmtpUrl } from './smtp.js';

export interface MailFlags {
  /** --smtp-url, or $PORTALFORM_SMTP_URL. */
  smtpUrl?: string;
  /** --mail-from, or $PORTALFORM_MAIL_FROM. */
  mailFrom?: string;
  /** --public-url, or $PORTALFORM_PUBLIC_URL: where the links in mail point. */
  publicUrl?: string;
}

export const NO_SMTP_WARNING =
  'no --smtp-url (or PORTALFORM_SMTP_URL): mail waits in the outbox (see `portalform outbox`), so sign-ups ' +
  'cannot verify their address until mail is set up or an admin sends them an invite (`portalform invite`)';

/**
 * Refuses mail flags that cannot work, in one message saying what to give; returns what start-up
 * should warn about (nothing when mail is set up).
 */
export function checkMailOptions(flags: MailFlags): { warnings: string[] } {
  if (!flags.smtpUrl) return { warnings: [NO_SMTP_WARNING] };
  if (!flags.publicUrl) {
    throw new PortalformError(
      '--smtp-url needs --public-url (or PORTALFORM_PUBLIC_URL): the links in mail must point at the portal ' +
        'as developers reach it, e.g. https://portal.example.com',
    );
  }
  if (!flags.mailFrom) {
    throw new PortalformError(
      '--smtp-url needs --mail-from (or PORTALFORM_MAIL_FROM): the address mail is sent from, e.g. "API portal <portal@example.com>"',
    );
  }
  if (!/^[^@\s<>]+@[^@\s<>]+>?$/.test(flags.mailFrom.replace(/^.*</, '').trim())) {
    throw new PortalformError(
      `--mail-from ${JSON.stringify(flags.mailFrom)} is not an address; give one like portal@example.com or "API portal <portal@example.com>"`,
    );
  }
  parseSmtpUrl(flags.smtpUrl);
  return { warnings: [] };
}
