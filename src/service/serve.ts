// `portalform serve`: listen, and on SIGTERM or SIGINT stop accepting, let the requests in flight
// finish, close the engine (its pool) and exit 0.
import type { FastifyInstance } from 'fastify';
import { PortalformError } from '../errors.js';
import { intervalTick, type MailLogger } from '../mail/sender.js';
import { errorMessage } from '../util/errors.js';
import type { PortalEngine } from '../portal/contract.js';
import { buildService, DEFAULT_RATE_LIMIT, loggerOptions, requestId, type ServiceOptions } from './app.js';
import { buildAccessService } from './access-listener.js';
import type { AccessRouteOptions } from './routes/access.js';
import { SIGN_UP_SWEEP_MS } from './defaults.js';

export { DEFAULT_LISTEN, DEFAULT_SERVICE_POOL_SIZE } from './defaults.js';
/** How long in-flight requests may take to finish after a signal before the process gives up on them. */
const DRAIN_LIMIT_MS = 30_000;

export interface ListenAddress {
  host: string;
  port: number;
}

/** `HOST:PORT`, `[::1]:PORT` or `:PORT` (all addresses). */
export function parseListen(value: string, flag = '--listen'): ListenAddress {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(value.trim());
  const port = match ? Number(match[3]) : NaN;
  if (!match || port > 65535)
    throw new PortalformError(
      `${flag} ${JSON.stringify(value)} is not HOST:PORT (like 127.0.0.1:8080, [::1]:8080 or :8080)`,
    );
  return { host: match[1] ?? (match[2] || '0.0.0.0'), port };
}

export function parsePublicUrl(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new PortalformError(
      `--public-url ${JSON.stringify(value)} is not an absolute URL (like https://portal.example.com)`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new PortalformError(`--public-url ${JSON.stringify(value)} must be an http or https URL`);
  return url.href.replace(/\/$/, '');
}

export function parsePositive(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new PortalformError(`${flag} ${JSON.stringify(value)} must be a whole number of at least 1`);
  return n;
}

export interface RunningService {
  app: FastifyInstance;
  /** Where it listens, as a URL. */
  url: string;
}

export async function startService(
  engine: PortalEngine,
  listen: ListenAddress,
  options: ServiceOptions,
): Promise<RunningService> {
  let app: FastifyInstance;
  try {
    app = await buildService(engine, options);
  } catch (error) {
    await engine.close();
    throw error;
  }
  return listenOn(app, listen);
}

/** The listener of --access-listen: the access checks and nothing else. */
export async function startAccessListener(
  access: AccessRouteOptions,
  listen: ListenAddress,
  options: Pick<ServiceOptions, 'log' | 'logLevel' | 'rateLimit'>,
): Promise<RunningService> {
  const app = await buildAccessService(
    access,
    { logger: loggerOptions(options), genReqId: requestId },
    options.rateLimit ?? DEFAULT_RATE_LIMIT,
  );
  return listenOn(app, listen);
}

async function listenOn(app: FastifyInstance, listen: ListenAddress): Promise<RunningService> {
  try {
    await app.listen({ host: listen.host, port: listen.port });
  } catch (error) {
    await app.close();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE')
      throw new PortalformError(`cannot listen on ${listen.host}:${listen.port}: the address is already in use`);
    if (code === 'EADDRNOTAVAIL' || code === 'EACCES')
      throw new PortalformError(
        `cannot listen on ${listen.host}:${listen.port}: ${code === 'EACCES' ? 'permission denied' : 'no such local address'}`,
      );
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : listen.port;
  const host = listen.host.includes(':') ? `[${listen.host}]` : listen.host;
  return { app, url: `http://${host}:${port}` };
}

/**
 * Resolves once a signal has drained the service and closed the engine. `stopJobs` first stops
 * what uses the engine beside the requests (the sign-up sweep), so it never runs on a closed one.
 */
export function drainOnSignal(service: RunningService, stopJobs?: () => Promise<void>): Promise<NodeJS.Signals> {
  return new Promise((resolve, reject) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      service.app.log.info({ signal }, 'draining: no new connections, waiting for the requests in flight');
      const limit = setTimeout(
        () =>
          reject(
            new PortalformError(
              `requests were still running ${DRAIN_LIMIT_MS / 1000}s after ${signal}; stopped without them`,
            ),
          ),
        DRAIN_LIMIT_MS,
      );
      limit.unref();
      (stopJobs?.() ?? Promise.resolve())
        .then(() => service.app.close())
        .then(() => {
          clearTimeout(limit);
          resolve(signal);
        }, reject);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}

export interface BackgroundJob {
  /** Stops starting new runs and waits for the one under way. */
  stop(): Promise<void>;
}

/**
 * Deletes the unverified sign-ups whose first verification mail is 7 days old, now and then.
 * Every instance may run it: the engine checks each sign-up again under its row's lock.
 */
export function startSignUpExpiry(
  engine: PortalEngine,
  log: MailLogger,
  tick = intervalTick(SIGN_UP_SWEEP_MS),
): BackgroundJob {
  let running: Promise<void> | null = null;
  let stopped = false;
  const sweep = () => {
    if (stopped) return;
    running ??= engine
      .expireSignUps()
      .then(
        (deleted) => {
          if (deleted > 0) log.info(`sign-ups: deleted ${deleted} not verified within 7 days of their first mail`);
        },
        (error: unknown) => log.error(`sign-ups: could not delete the expired ones: ${errorMessage(error)}`),
      )
      .finally(() => {
        running = null;
      });
  };
  const cancel = tick(sweep);
  return {
    async stop() {
      stopped = true;
      cancel();
      await running;
    },
  };
}
