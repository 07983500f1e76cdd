// Who is calling: `Authorization: Bearer TOKEN`, or the session cookie. A browser sends the cookie
// by itself, so a cookie-authenticated request that changes something must also prove it comes
// from the portal's own pages: the X-CSRF-Token header, holding the session's CSRF token (the
// login's answer), which another site cannot read.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PortalError, type PortalEngine, type RequestContext, type Session } from '../portal/contract.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `requireSession` on every authenticated route. */
    portalSession?: Session;
  }
}

export const SESSION_COOKIE = 'portalform_session';
export const CSRF_HEADER = 'x-csrf-token';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface CookieSettings {
  /** Secure when the public URL is https. */
  secure: boolean;
}

/** A preHandler that answers 401 without a live session and 403 for a cookie without its CSRF token. */
export function requireSession(engine: PortalEngine) {
  return async (request: FastifyRequest): Promise<void> => {
    const credentials = presented(request);
    const session = credentials ? await engine.authenticate(credentials.token) : null;
    if (!session) {
      throw new PortalError(
        401,
        'Not logged in',
        'This needs a live session: log in with POST /api/v1/session and send its token as Authorization: Bearer TOKEN, or its cookie.',
      );
    }
    if (
      credentials!.via === 'cookie' &&
      !SAFE_METHODS.has(request.method) &&
      !sameToken(request.headers[CSRF_HEADER], session.csrfToken)
    ) {
      throw new PortalError(
        403,
        'CSRF token missing',
        `A request authenticated by the session cookie that changes something needs the ${CSRF_HEADER} header with the csrfToken of the login.`,
      );
    }
    request.portalSession = session;
  };
}

/** The session of an authenticated route (set by its preHandler). */
export function sessionOf(request: FastifyRequest): Session {
  if (!request.portalSession) throw new Error('route has no requireSession preHandler');
  return request.portalSession;
}

export function contextOf(request: FastifyRequest): RequestContext {
  return { clientAddress: request.ip, requestId: String(request.id) };
}

function presented(request: FastifyRequest): { token: string; via: 'bearer' | 'cookie' } | undefined {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer +(\S+) *$/i.exec(header);
    return match ? { token: match[1]!, via: 'bearer' } : undefined;
  }
  const cookie = request.cookies[SESSION_COOKIE];
  return cookie ? { token: cookie, via: 'cookie' } : undefined;
}

function sameToken(given: string | string[] | undefined, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function setSessionCookie(
  reply: FastifyReply,
  token: string,
  expiresAt: string,
  settings: CookieSettings,
): void {
  reply.setCookie(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'strict',
    secure: settings.secure,
    path: '/',
    expires: new Date(expiresAt),
  });
}

export function clearSessionCookie(reply: FastifyReply, settings: CookieSettings): void {
  reply.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'strict', secure: settings.secure, path: '/' });
}
