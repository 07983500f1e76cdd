// A forgotten password and any password set with a link (docs/portal-service.md, "Mail"): no
// session. The reset request answers 202 whatever the address, so it tells no one whether an
// account exists or whether mail was sent.
import type { FastifyInstance } from 'fastify';
import { contextOf } from '../../http/request-context.js';
import { inviteBody, passwordResetBody, responses } from '../schemas.js';
import { problems, type RouteContext } from './context.js';

export function recoveryRoutes(app: FastifyInstance, { engine }: RouteContext): void {
  app.post<{ Body: { email: string } }>(
    '/api/v1/password-reset',
    {
      schema: {
        tags: ['account'],
        summary: 'Forgot password: a reset link (1 hour) goes to the address if an account has it; 202 either way',
        body: passwordResetBody,
        response: { 202: responses.empty, ...problems(400, 429, 503) },
      },
    },
    async (request, reply) => {
      await engine.requestPasswordReset(request.body, contextOf(request));
      return reply.code(202).send();
    },
  );

  app.post<{ Body: { token: string; password: string } }>(
    '/api/v1/password',
    {
      schema: {
        tags: ['account'],
        summary: 'Set a password with the token of an invite or reset link, which also proves the address',
        body: inviteBody,
        response: { 204: responses.empty, ...problems(400, 429, 503) },
      },
    },
    async (request, reply) => {
      await engine.setPasswordWithInvite(request.body, contextOf(request));
      return reply.code(204).send();
    },
  );
}
