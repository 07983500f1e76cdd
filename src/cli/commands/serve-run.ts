// What `portalform serve` runs (flags in serve.ts): opens the portal engine on the state, starts the
// HTTP service with its pages, the mail sender and the sign-up sweep, and drains on SIGTERM or SIGINT.
import { openAccessChecker, type OpenAccessChecker } from '../../access/index.js';
import { parseAccessClients } from '../../service/routes/access.js';
import { checkMailOptions, startMailSender, type MailLogger, type MailSender } from '../../mail/index.js';
import { storeOf } from '../../options.js';
import { consoleTokensFrom, consoleWarning, pagesFor } from '../../pages/index.js';
import type { PortalEngine } from '../../portal/contract.js';
import { openPortal } from '../../portal/index.js';
import { readStateKeyFile } from '../../secrets/key-file.js';
import { DEFAULT_LISTEN, DEFAULT_SERVICE_POOL_SIZE } from '../../service/defaults.js';
import {
  drainOnSignal,
  parseListen,
  parsePositive,
  parsePublicUrl,
  startAccessListener,
  startService,
  startSignUpExpiry,
} from '../../service/serve.js';
import { errorMessage } from '../../util/errors.js';

export interface ServeFlags {
  state?: string;
  stateKeyFile?: string;
  listen?: string;
  publicUrl?: string;
  rateLimit?: string;
  loginAttempts?: string;
  trustProxy?: string;
  logLevel?: string;
  poolSize?: string;
  smtpUrl?: string;
  mailFrom?: string;
  accessListen?: string;
  accessClients?: string;
}

export async function runServe(flags: ServeFlags): Promise<void> {
  const listen = parseListen(flags.listen ?? process.env.PORTALFORM_LISTEN ?? DEFAULT_LISTEN);
  const publicUrl = parsePublicUrl(flags.publicUrl ?? process.env.PORTALFORM_PUBLIC_URL);
  const rateLimit = parsePositive('--rate-limit', flags.rateLimit);
  const loginAttempts = parsePositive('--login-attempts', flags.loginAttempts);
  const poolSize =
    parsePositive('--pool-size', flags.poolSize ?? process.env.PORTALFORM_POOL_SIZE) ?? DEFAULT_SERVICE_POOL_SIZE;
  const trustProxy = trustProxyOf(flags.trustProxy ?? process.env.PORTALFORM_TRUST_PROXY);
  const smtpUrl = (flags.smtpUrl ?? process.env.PORTALFORM_SMTP_URL) || undefined;
  const mailFrom = (flags.mailFrom ?? process.env.PORTALFORM_MAIL_FROM) || undefined;
  const { warnings } = checkMailOptions({ smtpUrl, mailFrom, publicUrl });
  const engine = await openPortal({
    ...(flags.state ? { state: flags.state } : {}),
    ...(flags.stateKeyFile ? { stateKey: readStateKeyFile(flags.stateKeyFile) } : {}),
    ...(loginAttempts ? { loginAttempts } : {}),
    poolSize,
  });
  for (const warning of warnings) process.stderr.write(`portalform serve: warning: ${warning}\n`);
  // The console's queries read the state on a handle of their own, never through the engine; so does the sender.
  const store = storeOf(flags.state ? { state: flags.state } : {});
  const mailStore = storeOf(flags.state ? { state: flags.state } : {});
  const consoleTokens = consoleTokensFrom(process.env.PORTALFORM_CONSOLE_TOKEN);
  const pages = pagesFor({ consoleTokens, store, ...(loginAttempts ? { loginAttempts } : {}) });
  process.stderr.write(consoleWarning(consoleTokens) ?? '');
  const access = await openAccess(flags, poolSize, loginAttempts).catch(async (error: unknown) => {
    await Promise.all([engine.close(), store.close(), mailStore.close()]);
    throw error;
  });
  const service = await startService(engine, listen, {
    publicUrl,
    rateLimit,
    trustProxy,
    logLevel: flags.logLevel,
    pages,
    access: access.checks,
  }).catch(async (error: unknown) => {
    await Promise.all([store.close(), mailStore.close(), access.opened.close()]);
    throw error;
  });
  const accessService = access.listen
    ? await startAccessListener(access.checks, access.listen, { logLevel: flags.logLevel, rateLimit }).catch(
        async (error: unknown) => {
          await service.app.close();
          await Promise.all([store.close(), mailStore.close(), access.opened.close()]);
          throw error;
        },
      )
    : null;
  const log: MailLogger = {
    info: (message) => service.app.log.info(message),
    warn: (message) => service.app.log.warn(message),
    error: (message) => service.app.log.error(message),
  };
  const sender =
    smtpUrl && mailFrom && publicUrl
      ? await startMail(engine, log, { store: mailStore, publicUrl, smtpUrl, mailFrom, logger: log })
      : null;
  const expiry = startSignUpExpiry(engine, log);
  process.stderr.write(
    `portalform serve: listening on ${service.url}${publicUrl ? ` (public URL ${publicUrl})` : ''}\n`,
  );
  if (accessService) process.stderr.write(`portalform serve: access checks on ${accessService.url}\n`);
  const stopJobs = async () => {
    await expiry.stop();
    await accessService?.app.close();
  };
  const signal = await drainOnSignal(service, stopJobs).finally(async () => {
    await sender?.stop();
    await Promise.all([store.close(), mailStore.close(), access.opened.close()]);
  });
  process.stderr.write(`portalform serve: stopped on ${signal}, every request answered\n`);
}

/** The sender, once each sign-up older than mail has its first link waiting (once, whichever instance writes it). */
async function startMail(
  engine: PortalEngine,
  log: MailLogger,
  options: Parameters<typeof startMailSender>[0],
): Promise<MailSender> {
  try {
    const written = await engine.mailFirstLinks();
    if (written > 0) log.info(`mail: wrote a first verification message to ${written} unverified sign-ups`);
  } catch (error) {
    log.error(`mail: could not write the first verification messages: ${errorMessage(error)}`);
  }
  return startMailSender(options);
}

/** The access checks (docs/access-checks.md): their checker on a state handle of its own, who may ask, and where. */
async function openAccess(flags: ServeFlags, poolSize: number, loginAttempts: number | undefined) {
  const accessListen = flags.accessListen ?? process.env.PORTALFORM_ACCESS_LISTEN;
  const listen = accessListen ? parseListen(accessListen, '--access-listen') : null;
  const clients = parseAccessClients(flags.accessClients ?? process.env.PORTALFORM_ACCESS_CLIENTS);
  const opened = await openAccessChecker({
    ...(flags.state ? { state: flags.state } : {}),
    ...(flags.stateKeyFile ? { stateKey: readStateKeyFile(flags.stateKeyFile) } : {}),
    ...(loginAttempts ? { loginAttempts } : {}),
    poolSize,
  });
  process.stderr.write(unrecoverableWarning(opened));
  return { opened, listen, checks: { checker: opened.checker, clients, separate: listen !== null } };
}

/** hmac-auth and HS* jwt credentials need the secret itself (docs/access-checks.md). */
function unrecoverableWarning(access: OpenAccessChecker): string {
  if (access.unrecoverable === 0) return '';
  return (
    `portalform serve: warning: ${access.unrecoverable} hmac-auth or HS* jwt credential(s) cannot pass an access check ` +
    '(secret not recoverable): serve needs the state key and each needs an encrypted copy; `portalform plan` lists them, ' +
    'and `apply --rotate ADDR` (a rotation in the portal for a self-made one) gives each one\n'
  );
}

function trustProxyOf(value: string | undefined): boolean | string | undefined {
  if (value === undefined || value === '') return undefined;
  return value === 'true' ? true : value;
}
