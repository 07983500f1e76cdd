// Logging in and out (docs/portal-service.md). Logins are not history entries; they go to the service's log.
import type { FastifyInstance } from 'fastify';
import { clearSessionCookie, setSessionCookie } from '../../http/cookies.js';
import { contextOf } from '../../http/request-context.js';
import { sessionOf } from '../../http/request-session.js';
import { PortalError } from '../../portal/contract.js';
import { loginBody, responses } from '../schemas.js';
import { AUTHENTICATED, problems, type RouteContext } from './context.js';

export function sessionRoutes(app: FastifyInstance, { engine, cookies, requireSession }: RouteContext): void {
  app.post<{ Body: { email: string; password: string } }>(
    '/api/v1/session',
    {
      schema: {
        tags: ['session'],
        summary: 'Log in: a session token, its CSRF token, and an HttpOnly SameSite=Strict cookie',
        body: loginBody,
        response: { 201: responses.session, ...problems(400, 401, 403, 429, 503) },
      },
    },
    async (request, reply) => {
      try {
        const grant = await engine.login(request.body, contextOf(request));
        request.log.info({ event: 'login', email: request.body.email.toLowerCase() }, 'login');
        setSessionCookie(reply, grant.token, grant.expiresAt, cookies);
        return reply.code(201).send({ token: grant.token, expiresAt: grant.expiresAt, csrfToken: grant.csrfToken });
      } catch (error) {
        if (error instanceof PortalError)
          request.log.info(
            { event: 'login-refused', email: request.body.email.toLowerCase(), status: error.status },
            'login refused',
          );
        throw error;
      }
    },
  );

  app.delete(
    '/api/v1/session',
    {
      schema: {
        tags: ['session'],
        summary: 'Log out: the session ends',
        security: AUTHENTICATED,
        response: { 204: responses.empty, ...problems(401, 403) },
      },
      preHandler: requireSession,
    },
    async (request, reply) => {
      await engine.logout(sessionOf(request));
      clearSessionCookie(reply, cookies);
      return reply.code(204).send();
    },
  );
}
