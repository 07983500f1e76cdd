// The pages' side of the one CSRF scheme (./csrf.ts): the token a form embeds, and the check of
// the POST that sends it back. Every page request's session is looked up before its handler, so
// the token a page embeds is the one its form is checked against: the session's while the
// session lives, else the anonymous browser's, from its CSRF cookie.
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { PortalEngine, Session } from '../portal/contract.js';
import { CSRF_COOKIE, type CookieSettings, setCsrfCookie } from './cookies.js';
import { checkCsrf } from './csrf.js';
import { cookieSession } from './request-session.js';

const ANONYMOUS_TOKEN = /^[\w-]{43}$/;

/** Gives the pages `fastify.csrfProtection` (a preHandler) and `reply.generateCsrf()`. */
export function useCsrfForms(fastify: FastifyInstance, engine: PortalEngine, cookies: CookieSettings): void {
  const sessions = new WeakMap<FastifyRequest, Session | null>();
  const anonymous = new WeakMap<FastifyRequest, string>();

  const tokenFor = (request: FastifyRequest, reply: FastifyReply): string => {
    const session = sessions.get(request);
    if (session) return session.csrfToken;
    let token = anonymous.get(request);
    if (token) return token;
    const held = request.cookies[CSRF_COOKIE];
    if (held && ANONYMOUS_TOKEN.test(held)) token = held;
    else {
      token = randomBytes(32).toString('base64url');
      setCsrfCookie(reply, token, cookies);
    }
    anonymous.set(request, token);
    return token;
  };

  fastify.addHook('preHandler', async (request) => {
    sessions.set(request, await cookieSession(engine, request));
  });
  fastify.decorate('csrfProtection', async (request: FastifyRequest, reply: FastifyReply) => {
    checkCsrf(request, tokenFor(request, reply));
  });
  fastify.decorateReply('generateCsrf', function (this: FastifyReply) {
    return tokenFor(this.request, this);
  });
}
