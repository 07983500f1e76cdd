// The one HTTP layer (src/http/) that the JSON API (src/service/) and the pages (src/pages/) both
// use: the session of a request (this module), cookies, one CSRF scheme, problem+json answers, the
// request guards, the request context and the security headers. It imports neither the routes nor
// the pages; the domain (src/portal/) does not import it.
//
// Who is calling: `Authorization: Bearer TOKEN`, or the session cookie of a login. The JSON API
// accepts both; the pages only the cookie. A request's session is looked up once, whoever asks.
import type { FastifyRequest } from 'fastify';
import { PortalError, type PortalEngine, type Session } from '../portal/contract.js';
import { SESSION_COOKIE } from './cookies.js';
import { checkCsrf } from './csrf.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The live session of an authenticated route (set by `requireSession` or the pages' guard). */
    portalSession?: Session;
  }
}

export interface PresentedSession {
  token: string;
  via: 'bearer' | 'cookie';
}

const lookups = new WeakMap<FastifyRequest, Promise<Session | null>>();

/** The session token the request presents: a Bearer header wins over the cookie; a malformed header is none. */
export function presentedSession(request: FastifyRequest, viaBearer = true): PresentedSession | undefined {
  const header = request.headers.authorization;
  if (viaBearer && header !== undefined) {
    const match = /^Bearer +(\S+) *$/i.exec(header);
    return match ? { token: match[1]!, via: 'bearer' } : undefined;
  }
  const cookie = request.cookies[SESSION_COOKIE];
  return cookie ? { token: cookie, via: 'cookie' } : undefined;
}

/** The live session of the request's cookie, or null; looked up once per request. */
export function cookieSession(engine: PortalEngine, request: FastifyRequest): Promise<Session | null> {
  let lookup = lookups.get(request);
  if (!lookup) {
    const token = request.cookies[SESSION_COOKIE];
    lookup = token ? engine.authenticate(token) : Promise.resolve(null);
    lookups.set(request, lookup);
  }
  return lookup;
}

/** The JSON API's preHandler: 401 without a live session, 403 for a cookie without its CSRF token. */
export function requireSession(engine: PortalEngine) {
  return async (request: FastifyRequest): Promise<void> => {
    const credentials = presentedSession(request);
    const session = credentials ? await engine.authenticate(credentials.token) : null;
    if (!credentials || !session) {
      throw new PortalError(
        401,
        'Not logged in',
        'This needs a live session: log in with POST /api/v1/session and send its token as ' +
          'Authorization: Bearer TOKEN, or its cookie.',
      );
    }
    if (credentials.via === 'cookie') checkCsrf(request, session.csrfToken);
    request.portalSession = session;
  };
}

/** The session of an authenticated route (set by its preHandler). */
export function sessionOf(request: FastifyRequest): Session {
  if (!request.portalSession) throw new Error('route has no session preHandler');
  return request.portalSession;
}
