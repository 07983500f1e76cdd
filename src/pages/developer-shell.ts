// What every developer page shares: the layout with the developer's navigation, and the guard of
// the pages that need a login (no live session, or one that ended meanwhile, goes to the login page).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { cookieSession, sessionOf } from '../http/request-session.js';
import { PortalError, type Session } from '../portal/contract.js';
import type { SafeHtml } from '../render/html-template.js';
import { redirect, sendPage } from './http.js';
import { layout, type NavLink } from './layout.js';
import type { PageContext } from './http.js';

const SIGNED_IN_NAV: NavLink[] = [
  { href: '/dashboard', label: 'Credentials' },
  { href: '/applications', label: 'Applications' },
  { href: '/account', label: 'Account settings' },
];

const SIGNED_OUT_NAV: NavLink[] = [
  { href: '/login', label: 'Log in' },
  { href: '/signup', label: 'Sign up' },
];

export interface Rendered {
  title: string;
  body: SafeHtml;
  status?: number;
  current?: string;
}

/** A developer page: the signed-in navigation and a log-out button when there is a session. */
export function developerPage(reply: FastifyReply, session: Session | null, rendered: Rendered): FastifyReply {
  return sendPage(
    reply,
    layout({
      title: rendered.title,
      body: rendered.body,
      nav: session ? SIGNED_IN_NAV : SIGNED_OUT_NAV,
      current: rendered.current,
      logout: session ? { action: '/logout', csrfToken: reply.generateCsrf(), label: 'Log out' } : undefined,
    }),
    rendered.status,
  );
}

type SessionHandler = (request: FastifyRequest, reply: FastifyReply, session: Session) => Promise<FastifyReply>;

/** The route options and handler wrapper of the pages that need a login. */
export function signedInRoutes(fastify: FastifyInstance, context: PageContext) {
  const guard = async (request: FastifyRequest, reply: FastifyReply) => {
    const session = await cookieSession(context.engine, request);
    if (!session) return redirect(reply, '/login?expired=1');
    request.portalSession = session;
  };
  return {
    /** A GET of a signed-in page. */
    page: { preHandler: guard },
    /** A form POST of a signed-in page: the session first (its absence is a login, not an expired form), then CSRF. */
    form: { preHandler: [guard, fastify.csrfProtection] },
    handler:
      (handler: SessionHandler) =>
      async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
        try {
          return await handler(request, reply, sessionOf(request));
        } catch (error) {
          if (sessionEnded(error)) return redirect(reply, '/login?expired=1');
          throw error;
        }
      },
  };
}

/** A 401 without field errors: the session ended (a wrong password names its field). */
export function sessionEnded(error: unknown): boolean {
  return error instanceof PortalError && error.status === 401 && !error.errors?.length;
}

export function idOf(request: FastifyRequest): string {
  return String((request.params as Record<string, unknown>).id ?? '');
}
