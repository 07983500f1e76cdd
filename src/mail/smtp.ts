// The SMTP server mail goes to: an smtp:// URL (STARTTLS required, except to a loopback host) or an
// smtps:// URL (TLS from the first byte). Its credentials go to the transport and nowhere else:
// messages name the server by `display`, which has none.
import { isIP } from 'node:net';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import { PortalformError } from '../errors.js';

export interface SmtpServer {
  /** The server without its credentials, for messages and logs. */
  display: string;
  /** What nodemailer's SMTP transport is created with. */
  transport: SMTPTransport.Options;
}

export function parseSmtpUrl(text: string): SmtpServer {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new PortalformError('invalid SMTP URL: expected smtp://[user:password@]host[:port] or smtps://…');
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:')
    throw new PortalformError(
      `invalid SMTP URL: it starts with ${url.protocol}//; use smtp:// (STARTTLS) or smtps:// (TLS)`,
    );
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!host) throw new PortalformError('invalid SMTP URL: it names no host');
  const secure = url.protocol === 'smtps:';
  const port = url.port ? Number(url.port) : secure ? 465 : 587;
  const display = `${url.protocol}//${url.hostname}:${port}`;
  const transport: SMTPTransport.Options = {
    host,
    port,
    secure,
    // Mail crossing a network is encrypted: without STARTTLS the transport refuses to send.
    requireTLS: !secure && !isLoopback(host),
    connectionTimeout: 30_000,
    greetingTimeout: 30_000,
    socketTimeout: 60_000,
  };
  if (url.username) transport.auth = { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) };
  return { display, transport };
}

/** Whether `host` is this machine: the only place an smtp:// URL may go unencrypted. */
export function isLoopback(host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  if (isIP(name) === 4) return name.startsWith('127.');
  if (isIP(name) === 6) return name === '::1' || /^::ffff:127\./.test(name);
  return false;
}
