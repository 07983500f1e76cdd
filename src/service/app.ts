// The portal's HTTP service (docs/portal-service.md) on Fastify: security headers, a rate limit per client
// address, cookies, problem+json errors, structured logs without secrets, and the routes, which
// only parse input and call the engine.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import Fastify, { LogController, type FastifyInstance, type FastifySchema, type FastifyServerOptions } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifySwagger from '@fastify/swagger';
import { TOOL_VERSION } from '../package-info.js';
import { PortalError, type PortalEngine } from '../portal/contract.js';
import { cookieSettingsFor, SESSION_COOKIE } from '../http/cookies.js';
import { handleNotFound } from '../http/problem.js';
import { clientError, MAX_PARAM_LENGTH, routerError, useRequestGuards } from '../http/request-guards.js';
import { useSecurityHeaders } from '../http/security-headers.js';
import { requireSession } from '../http/request-session.js';
import { handleError } from './error-handler.js';
import { accountRoutes } from './routes/accounts.js';
import { applicationCredentialRoutes } from './routes/application-credentials.js';
import { applicationRoutes } from './routes/applications.js';
import { credentialRoutes } from './routes/credentials.js';
import { healthRoutes } from './routes/health.js';
import { recoveryRoutes } from './routes/recovery.js';
import { sessionRoutes } from './routes/session.js';
import { accessRoutes, isAccessPath, isExemptCheck, type AccessRouteOptions } from './routes/access.js';
import { verificationRoutes } from './routes/verification.js';
import type { RouteContext } from './routes/context.js';
import { AJV_SERVICE_OPTIONS, BODY_LIMIT, useStrictJson } from './validation.js';
import { withPublishedErrors } from './published-errors.js';

export const DEFAULT_RATE_LIMIT = 600;

export interface ServiceOptions {
  /** Where developers reach the service; https makes the session cookie Secure. */
  publicUrl?: string;
  /** Requests per minute per client address (default 600). */
  rateLimit?: number;
  /** Which proxies' X-Forwarded-For to believe: true (any), or addresses and CIDRs, comma-separated. Default none. */
  trustProxy?: boolean | string;
  /** Log records go here (default: stdout); false for none. */
  log?: NodeJS.WritableStream | false;
  logLevel?: string;
  /** Registers the web pages (docs/portal-service.md#pages, src/pages/ `pagesFor`) beside the API. */
  pages?: (app: FastifyInstance, engine: PortalEngine, publicUrl: string | undefined) => Promise<void>;
  /** The access checks (docs/access-checks.md); without it their paths are a 404. */
  access?: AccessRouteOptions;
}

/** The service on `engine`; the caller listens (or injects) and closes it, which closes the engine. */
export async function buildService(engine: PortalEngine, options: ServiceOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: loggerOptions(options),
    genReqId: requestId,
    // Access checks log their refusals themselves (routes/access.ts), as on their own listener.
    logController: new LogController({
      disableRequestLogging: (request: { url?: string }) => isAccessPath(request.url ?? ''),
    }),
    bodyLimit: BODY_LIMIT,
    trustProxy: options.trustProxy ?? false,
    ajv: { customOptions: AJV_SERVICE_OPTIONS },
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    frameworkErrors: routerError,
    clientErrorHandler: clientError,
  });
  // Bodies are built by the routes; the response schemas are there to describe them in openapi.json.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  app.setErrorHandler(handleError);
  app.setNotFoundHandler(handleNotFound);
  useStrictJson(app);

  useSecurityHeaders(app);
  useRequestGuards(app, isAccessPath);
  await app.register(fastifyCookie);
  await app.register(fastifyRateLimit, {
    max: options.rateLimit ?? DEFAULT_RATE_LIMIT,
    timeWindow: 60_000,
    keyGenerator: (request) => request.ip,
    ...(options.access ? { allowList: exemptChecks(options.access) } : {}),
    errorResponseBuilder: (_request, context) =>
      new PortalError(
        429,
        'Too many requests',
        `More than ${context.max} requests a minute from this address; retry after ${context.after}.`,
        undefined,
        Math.ceil(context.ttl / 1000),
      ),
  });
  await app.register(fastifySwagger, {
    openapi: openApiInfo(options.publicUrl),
    transform: onlyTheApi,
    transformObject: (document) =>
      'openapiObject' in document ? withPublishedErrors(document.openapiObject) : document.swaggerObject,
  });

  // Callback hooks, not async ones: they run on every request, and a promise each is measurable.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    if (request.url.startsWith('/api/')) reply.header('cache-control', 'no-store');
    done();
  });
  // Once closing, answers end their connection: a keep-alive client would otherwise hold the
  // drain open until its idle timeout.
  let closing = false;
  app.addHook('preClose', async () => void (closing = true));
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });
  app.addHook('onClose', async () => engine.close());

  const context: RouteContext = {
    engine,
    cookies: cookieSettingsFor(options.publicUrl),
    requireSession: requireSession(engine),
  };
  healthRoutes(app, engine);
  sessionRoutes(app, context);
  accountRoutes(app, context);
  recoveryRoutes(app, context);
  verificationRoutes(app, context);
  credentialRoutes(app, context);
  applicationRoutes(app, context);
  applicationCredentialRoutes(app, context);
  if (options.access) {
    await accessRoutes(app, options.access);
    forgetAfterWrites(app, options.access);
  }
  if (options.pages) await options.pages(app, engine, options.publicUrl);
  return app;
}

/**
 * A request of this service that may have written (a developer's rotation, deletion, …) drops what
 * the checks keep once it is answered, after its commit: the next check reads the state, with no
 * wait for the change feed. Dropping more than needed only costs a read.
 */
function forgetAfterWrites(app: FastifyInstance, access: AccessRouteOptions): void {
  app.addHook('onResponse', (request, _reply, done) => {
    if (request.method !== 'GET' && request.method !== 'HEAD' && !isAccessPath(request.url)) access.checker.forget();
    done();
  });
}

/** Checks from the access clients skip --rate-limit; on a listener of their own (`separate`) none reach this one. */
function exemptChecks(access: AccessRouteOptions) {
  return (request: Parameters<typeof isExemptCheck>[0]) => !access.separate && isExemptCheck(request, access.clients);
}

/** openapi.json describes the JSON API (and /healthz): the pages, the console and their assets are left out. */
function onlyTheApi({ schema, url }: { schema: FastifySchema; url: string }): { schema: FastifySchema; url: string } {
  const described = url.startsWith('/api/') || url === '/healthz';
  return { schema: described ? schema : { ...schema, hide: true }, url };
}

/** A request id: the proxy's X-Request-Id when it looks like one, else a fresh UUID. */
export function requestId(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
}

/** Paths pino blanks in every record, should a header, a body or an error ever be logged. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  '*.password',
  '*.currentPassword',
  '*.newPassword',
  '*.token',
  '*.csrfToken',
  'body.*.password',
];

export function loggerOptions(options: Pick<ServiceOptions, 'log' | 'logLevel'>): FastifyServerOptions['logger'] {
  if (options.log === false) return false;
  return {
    level: options.logLevel ?? 'info',
    ...(options.log ? { stream: options.log } : {}),
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    serializers: {
      req: (request: { method: string; url: string; host?: string; ip?: string; hostname?: string }) => ({
        method: request.method,
        // A check's URL may carry the original query, and a key in it: the log keeps its path only.
        url: isAccessPath(request.url) ? request.url.split('?')[0] : withoutTokens(request.url),
        host: request.host ?? request.hostname,
        remoteAddress: request.ip,
      }),
    },
  };
}

/** An invite link carries its token in the query; the log keeps the path and the other parameters. */
export function withoutTokens(url: string): string {
  return url.replace(/([?&](?:token|csrfToken|password)=)[^&#]*/gi, '$1[redacted]');
}

function openApiInfo(publicUrl: string | undefined) {
  return {
    openapi: '3.1.0',
    info: {
      title: 'portalform developer self-service',
      version: TOOL_VERSION,
      description:
        "The developer portal's self-service API (sign-up, sessions, account, credentials, applications and their " +
        'API registrations). Errors are application/problem+json.',
    },
    ...(publicUrl ? { servers: [{ url: publicUrl }] } : {}),
    components: {
      securitySchemes: {
        bearer: { type: 'http' as const, scheme: 'bearer', description: 'The token of POST /api/v1/session.' },
        cookie: {
          type: 'apiKey' as const,
          in: 'cookie' as const,
          name: SESSION_COOKIE,
          description: 'The session cookie; requests that change something also need the X-CSRF-Token header.',
        },
      },
    },
  };
}
