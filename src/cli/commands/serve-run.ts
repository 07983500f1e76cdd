// What `portalform serve` runs (flags in serve.ts): opens the portal engine on the state, starts the
// HTTP service with its pages, and drains on SIGTERM or SIGINT.
import { storeOf } from '../../options.js';
import { consoleTokensFrom, consoleWarning, pagesFor } from '../../pages/index.js';
import { openPortal } from '../../portal/index.js';
import { readStateKeyFile } from '../../secrets/key-file.js';
import { DEFAULT_LISTEN, DEFAULT_SERVICE_POOL_SIZE } from '../../service/defaults.js';
import { drainOnSignal, parseListen, parsePositive, parsePublicUrl, startService } from '../../service/serve.js';

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
}

export async function runServe(flags: ServeFlags): Promise<void> {
  const listen = parseListen(flags.listen ?? process.env.PORTALFORM_LISTEN ?? DEFAULT_LISTEN);
  const publicUrl = parsePublicUrl(flags.publicUrl ?? process.env.PORTALFORM_PUBLIC_URL);
  const rateLimit = parsePositive('--rate-limit', flags.rateLimit);
  const loginAttempts = parsePositive('--login-attempts', flags.loginAttempts);
  const poolSize =
    parsePositive('--pool-size', flags.poolSize ?? process.env.PORTALFORM_POOL_SIZE) ?? DEFAULT_SERVICE_POOL_SIZE;
  const trustProxy = trustProxyOf(flags.trustProxy ?? process.env.PORTALFORM_TRUST_PROXY);
  const engine = await openPortal({
    ...(flags.state ? { state: flags.state } : {}),
    ...(flags.stateKeyFile ? { stateKey: readStateKeyFile(flags.stateKeyFile) } : {}),
    ...(loginAttempts ? { loginAttempts } : {}),
    poolSize,
  });
  // The console's queries read the state on a handle of their own, never through the engine.
  const store = storeOf(flags.state ? { state: flags.state } : {});
  const consoleTokens = consoleTokensFrom(process.env.PORTALFORM_CONSOLE_TOKEN);
  const pages = pagesFor({ consoleTokens, store, ...(loginAttempts ? { loginAttempts } : {}) });
  process.stderr.write(consoleWarning(consoleTokens) ?? '');
  const service = await startService(engine, listen, {
    publicUrl,
    rateLimit,
    trustProxy,
    logLevel: flags.logLevel,
    pages,
  }).catch(async (error: unknown) => {
    await store.close();
    throw error;
  });
  process.stderr.write(
    `portalform serve: listening on ${service.url}${publicUrl ? ` (public URL ${publicUrl})` : ''}\n`,
  );
  const signal = await drainOnSignal(service).finally(() => store.close());
  process.stderr.write(`portalform serve: stopped on ${signal}, every request answered\n`);
}

function trustProxyOf(value: string | undefined): boolean | string | undefined {
  if (value === undefined || value === '') return undefined;
  return value === 'true' ? true : value;
}
