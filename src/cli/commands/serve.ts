// `portalform serve` (SPEC §7): the portal's HTTP service on an existing state.
import { readStateKeyFile } from '../../secrets/key-file.js';
import type { Command } from 'commander';
import { storeOf } from '../../options.js';
import { consoleTokensFrom, pagesFor } from '../../pages/index.js';
import { openPortal } from '../../portal/index.js';
import { DEFAULT_LISTEN, DEFAULT_SERVICE_POOL_SIZE, drainOnSignal, parseListen, parsePositive, parsePublicUrl, startService } from '../../service/serve.js';

interface ServeFlags {
  state?: string;
  stateKeyFile?: string;
  listen?: string;
  publicUrl?: string;
  rateLimit?: string;
  loginAttempts?: string;
  trustProxy?: string;
  logLevel?: string;
  poolSize?: string;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('Run the developer self-service HTTP service and its pages (/ and /console) on an existing state (SPEC §7, §9); console tokens from PORTALFORM_CONSOLE_TOKEN (comma-separated)')
    .option('--state <path|url>', 'state file or postgres:// URL (env PORTALFORM_STATE, default ./portalform.db)')
    .option('--state-key-file <file>', 'read the state key from this file instead of PORTALFORM_STATE_KEY')
    .option('--listen <host:port>', `where to listen (env PORTALFORM_LISTEN, default ${DEFAULT_LISTEN})`)
    .option('--public-url <url>', 'where developers reach the service, e.g. https://portal.example.com behind a TLS proxy (env PORTALFORM_PUBLIC_URL); https makes the session cookie Secure')
    .option('--rate-limit <n>', 'requests per minute per client address (default 600)')
    .option('--login-attempts <n>', 'failed logins per account per 15 minutes, counted in the state (default 10)')
    .option('--trust-proxy <addresses>', "believe X-Forwarded-For from these proxies (comma-separated addresses or CIDRs, or 'true' for any) (env PORTALFORM_TRUST_PROXY)")
    .option('--pool-size <n>', `PostgreSQL: connections to the state at most (env PORTALFORM_POOL_SIZE, default ${DEFAULT_SERVICE_POOL_SIZE})`)
    .option('--log-level <level>', 'fatal, error, warn, info, debug or trace (default info)')
    .addHelpText('after', '\nExamples:\n  $ portalform serve --state postgres://portal@db/portal --listen 0.0.0.0:8080 --public-url https://portal.example.com --trust-proxy 10.0.0.0/8\n')
    .action(async (flags: ServeFlags) => {
      const listen = parseListen(flags.listen ?? process.env.PORTALFORM_LISTEN ?? DEFAULT_LISTEN);
      const publicUrl = parsePublicUrl(flags.publicUrl ?? process.env.PORTALFORM_PUBLIC_URL);
      const rateLimit = parsePositive('--rate-limit', flags.rateLimit);
      const loginAttempts = parsePositive('--login-attempts', flags.loginAttempts);
      const poolSize = parsePositive('--pool-size', flags.poolSize ?? process.env.PORTALFORM_POOL_SIZE) ?? DEFAULT_SERVICE_POOL_SIZE;
      const trustProxy = trustProxyOf(flags.trustProxy ?? process.env.PORTALFORM_TRUST_PROXY);
      const engine = await openPortal({
        ...(flags.state ? { state: flags.state } : {}),
        ...(flags.stateKeyFile ? { stateKey: readStateKeyFile(flags.stateKeyFile) } : {}),
        ...(loginAttempts ? { loginAttempts } : {}),
        poolSize,
      });
      // The console's queries read the state on a handle of their own, never through the engine.
      const store = storeOf(flags.state ? { state: flags.state } : {});
      const pages = pagesFor({ consoleTokens: consoleTokensFrom(process.env.PORTALFORM_CONSOLE_TOKEN), store });
      const service = await startService(engine, listen, { publicUrl, rateLimit, trustProxy, logLevel: flags.logLevel, pages }).catch(async (error: unknown) => {
        await store.close();
        throw error;
      });
      process.stderr.write(`portalform serve: listening on ${service.url}${publicUrl ? ` (public URL ${publicUrl})` : ''}\n`);
      const signal = await drainOnSignal(service).finally(() => store.close());
      process.stderr.write(`portalform serve: stopped on ${signal}, every request answered\n`);
    });
}

function trustProxyOf(value: string | undefined): boolean | string | undefined {
  if (value === undefined || value === '') return undefined;
  return value === 'true' ? true : value;
}
