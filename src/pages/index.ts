// The portal's web pages (docs/portal-service.md#pages) as one Fastify plugin the service registers: the developer
// pages at `/` and the read-only console at `/console`. Rendered on the server (every value
// escaped by the html template), usable without JavaScript, CSRF-protected forms, and a
// Content-Security-Policy that allows only this origin's stylesheet and script.
import fastifyCookie from '@fastify/cookie';
import type { FastifyInstance } from 'fastify';
import { cookieSettingsFor } from '../http/cookies.js';
import { CsrfError } from '../http/csrf.js';
import { useCsrfForms } from '../http/csrf-forms.js';
import { ConsoleReadModel } from '../console/read-model.js';
import { ConsoleSessions, consoleClosedReason } from '../console/console-sessions.js';
import type { Store } from '../store/index.js';
import { PortalError, type PortalEngine } from '../portal/contract.js';
import { FAVICON_SVG, PORTAL_CSS, PORTAL_JS } from './assets.js';
import { consoleRoutes } from './console.js';
import { developerRoutes } from './developer.js';
import { errorPage, type PageContext } from './http.js';
import { verifyRoutes } from './verify.js';

export interface PagesOptions {
  engine: PortalEngine;
  /** The console's sign-in tokens ($PORTALFORM_CONSOLE_TOKEN, comma-separated); none: the console is closed. */
  consoleTokens: readonly string[];
  /** The state, read only, for the console's queries. */
  store: Store;
  /** The portal's public URL: cookies are Secure when it is https. */
  publicUrl?: string;
  /** Failed console sign-ins per client address per 15 minutes (--login-attempts). */
  loginAttempts?: number;
}

export const PAGES_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

/** Splits $PORTALFORM_CONSOLE_TOKEN: several tokens, comma-separated, blanks ignored. */
export function consoleTokensFrom(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((token) => token.trim())
    .filter(Boolean);
}

/** The warning `serve` prints at start-up when the console stays closed, or null when it opens. */
export function consoleWarning(tokens: readonly string[]): string | null {
  const reason = consoleClosedReason(tokens);
  return reason ? `portalform serve: warning: the console at /console is closed: ${reason}\n` : null;
}

/** The pages as the service registers them (ServiceOptions.pages). */
export function pagesFor(options: Pick<PagesOptions, 'consoleTokens' | 'store' | 'loginAttempts'>) {
  return async (app: FastifyInstance, engine: PortalEngine, publicUrl: string | undefined): Promise<void> => {
    await app.register(pagesPlugin, { ...options, engine, publicUrl });
  };
}

export async function pagesPlugin(fastify: FastifyInstance, options: PagesOptions): Promise<void> {
  const cookies = cookieSettingsFor(options.publicUrl);
  const secureCookies = cookies.secure;
  if (!fastify.hasRequestDecorator('cookies')) await fastify.register(fastifyCookie);
  useCsrfForms(fastify, options.engine, cookies);
  fastify.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: 256 * 1024 },
    (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    },
  );

  fastify.addHook('onSend', async (_request, reply, payload) => {
    reply.header('content-security-policy', PAGES_CSP);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-frame-options', 'DENY');
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    return payload;
  });

  fastify.get('/assets/portal.css', async (_request, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(PORTAL_CSS),
  );
  fastify.get('/assets/portal.js', async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=3600').send(PORTAL_JS),
  );

  fastify.get('/favicon.ico', async (_request, reply) =>
    reply.type('image/svg+xml').header('cache-control', 'public, max-age=86400').send(FAVICON_SVG),
  );

  fastify.setErrorHandler(async (error: Error & { statusCode?: number; code?: string }, request, reply) => {
    if (error instanceof CsrfError) {
      return errorPage(
        reply,
        403,
        'This form has expired',
        'For your protection the form could not be accepted. Go back, reload the page and send it again.',
      );
    }
    if (error instanceof PortalError) return errorPage(reply, error.status, error.title, error.detail);
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500)
      return errorPage(reply, error.statusCode, 'The request could not be read', error.message);
    request.log.error({ err: error }, 'page failed');
    return errorPage(reply, 500, 'Something went wrong', 'The page could not be shown. Try again in a moment.');
  });

  const context: PageContext = { engine: options.engine, secureCookies };
  await developerRoutes(fastify, context);
  verifyRoutes(fastify, context);
  await consoleRoutes(fastify, {
    ...context,
    sessions: new ConsoleSessions(options.store, options.consoleTokens, options.loginAttempts),
    closedReason: consoleClosedReason(options.consoleTokens),
    readModel: new ConsoleReadModel(options.store),
  });
}
