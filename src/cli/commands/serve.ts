// `portalform serve` (docs/portal-service.md): the portal's HTTP service on an existing state. Its flags are
// registered here; what it runs (the server and its pages) is in serve-run.ts, loaded only then.
import type { Command } from 'commander';
import { DEFAULT_LISTEN, DEFAULT_SERVICE_POOL_SIZE } from '../../service/defaults.js';
import type { ServeFlags } from './serve-run.js';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description(
      'Run the developer self-service HTTP service and its pages (/ and /console) on an existing state (see ' +
        'docs/portal-service.md); console tokens from PORTALFORM_CONSOLE_TOKEN (comma-separated)',
    )
    .option('--state <path|url>', 'state file or postgres:// URL (env PORTALFORM_STATE, default ./portalform.db)')
    .option('--state-key-file <file>', 'read the state key from this file instead of PORTALFORM_STATE_KEY')
    .option('--listen <host:port>', `where to listen (env PORTALFORM_LISTEN, default ${DEFAULT_LISTEN})`)
    .option(
      '--public-url <url>',
      'where developers reach the service, e.g. https://portal.example.com behind a TLS proxy (env ' +
        'PORTALFORM_PUBLIC_URL); https makes the session cookie Secure',
    )
    .option(
      '--smtp-url <url>',
      'send mail through this SMTP server: smtp://host:port (STARTTLS) or smtps://…; needs --public-url and ' +
        '--mail-from; give credentials through the env PORTALFORM_SMTP_URL',
    )
    .option(
      '--mail-from <address>',
      'the address mail is sent from, e.g. "API portal <portal@example.com>" (env PORTALFORM_MAIL_FROM)',
    )
    .option('--rate-limit <n>', 'requests per minute per client address (default 600)')
    .option('--login-attempts <n>', 'failed logins per account per 15 minutes, counted in the state (default 10)')
    .option(
      '--trust-proxy <addresses>',
      "believe X-Forwarded-For from these proxies (comma-separated addresses or CIDRs, or 'true' for any) (env PORTALFORM_TRUST_PROXY)",
    )
    .option(
      '--pool-size <n>',
      `PostgreSQL: connections to the state at most (env PORTALFORM_POOL_SIZE, default ${DEFAULT_SERVICE_POOL_SIZE})`,
    )
    .option(
      '--access-listen <host:port>',
      'serve the access checks (docs/access-checks.md) on a listener of their own; the main one then answers 404 ' +
        'to them (env PORTALFORM_ACCESS_LISTEN)',
    )
    .option(
      '--access-clients <list>',
      'the addresses or CIDRs, comma-separated, that may ask for access checks; any other gets a 404 (env ' +
        'PORTALFORM_ACCESS_CLIENTS, default loopback)',
    )
    .option('--log-level <level>', 'fatal, error, warn, info, debug or trace (default info)')
    .addHelpText(
      'after',
      '\nExamples:\n  $ portalform serve --state postgres://portal@db/portal --listen 0.0.0.0:8080 --public-url ' +
        'https://portal.example.com --trust-proxy 10.0.0.0/8\n',
    )
    .action(async (flags: ServeFlags) => (await import('./serve-run.js')).runServe(flags));
}
