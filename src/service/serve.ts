// `portalform serve`: listen, and on SIGTERM or SIGINT stop accepting, let the requests in flight
// finish, close the engine (its pool) and exit 0.
import type { FastifyInstance } from 'fastify';
import { PortalformError } from '../errors.js';
import type { PortalEngine } from '../portal/contract.js';
import { buildService, type ServiceOptions } from './app.js';

export { DEFAULT_LISTEN, DEFAULT_SERVICE_POOL_SIZE } from './defaults.js';
/** How long in-flight requests may take to finish after a signal before the process gives up on them. */
const DRAIN_LIMIT_MS = 30_000;

export interface ListenAddress {
  host: string;
  port: number;
}

/** `HOST:PORT`, `[::1]:PORT` or `:PORT` (all addresses). */
export function parseListen(value: string): ListenAddress {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(value.trim());
  const port = match ? Number(match[3]) : NaN;
  if (!match || port > 65535)
    throw new PortalformError(
      `--listen ${JSON.stringify(value)} is not HOST:PORT (like 127.0.0.1:8080, [::1]:8080 or :8080)`,
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

/** Resolves once a signal has drained the service and closed the engine. */
export function drainOnSignal(service: RunningService): Promise<NodeJS.Signals> {
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
      service.app.close().then(() => {
        clearTimeout(limit);
        resolve(signal);
      }, reject);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}
