// The one CSRF scheme of the JSON API and the pages. A browser sends cookies by itself, so a
// request authenticated by a cookie that changes something must also present a token that only
// the portal's own pages and answers reveal: in the X-CSRF-Token header (the JSON API) or the
// `_csrf` form field (the pages). The token is the session's CSRF token (the login's answer);
// a browser without a session (signing up, logging in, the console) gets a random one, held in
// an HttpOnly SameSite=Strict cookie. Tokens are compared in constant time.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { PortalError } from '../portal/contract.js';

export const CSRF_HEADER = 'x-csrf-token';
export const CSRF_FIELD = '_csrf';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

declare module 'fastify' {
  interface FastifyInstance {
    /** A preHandler refusing a form whose CSRF token is missing or wrong (403, "This form has expired"). */
    csrfProtection: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  }
  interface FastifyReply {
    /** The CSRF token a form of this answer carries in its `_csrf` field. */
    generateCsrf(): string;
  }
}

/** A refused CSRF check: the JSON API answers it as a 403 problem, the pages as an expired form. */
export class CsrfError extends PortalError {
  readonly code = 'CSRF_TOKEN_INVALID';
  constructor() {
    super(
      403,
      'CSRF token missing',
      `A request authenticated by the session cookie that changes something needs the ${CSRF_HEADER} header ` +
        'with the csrfToken of the login.',
    );
  }
}

/** Throws a CsrfError unless a request that changes something presents `expected`. */
export function checkCsrf(request: FastifyRequest, expected: string): void {
  if (SAFE_METHODS.has(request.method)) return;
  if (!sameToken(presentedToken(request), expected)) throw new CsrfError();
}

function presentedToken(request: FastifyRequest): unknown {
  const header = request.headers[CSRF_HEADER];
  if (header !== undefined) return header;
  const body = request.body;
  return body !== null && typeof body === 'object' ? (body as Record<string, unknown>)[CSRF_FIELD] : undefined;
}

function sameToken(given: unknown, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
