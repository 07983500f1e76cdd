// Proving an address (docs/portal-service.md, "Mail"): the mailed link's token with the password,
// and asking for the link again. Neither needs a session; resend never tells whether it mailed.
import type { FastifyInstance } from 'fastify';
import { contextOf } from '../../http/request-context.js';
import { resendBody, responses, verifyBody } from '../schemas.js';
import { problems, type RouteContext } from './context.js';

export function verificationRoutes(app: FastifyInstance, { engine }: RouteContext): void {
  app.post<{ Body: { token: string; password: string } }>(
    '/api/v1/verify',
    {
      schema: {
        tags: ['account'],
        summary: "Prove the address with the mailed link's token and the account's password",
        body: verifyBody,
        response: { 204: responses.empty, ...problems(400, 409, 429, 503) },
      },
    },
    async (request, reply) => {
      await engine.verifyEmail(request.body, contextOf(request));
      return reply.code(204).send();
    },
  );

  app.post<{ Body: { email: string } }>(
    '/api/v1/verify/resend',
    {
      schema: {
        tags: ['account'],
        summary: 'Mail the verification link again (202 whatever the address)',
        body: resendBody,
        response: { 202: responses.empty, ...problems(400, 429, 503) },
      },
    },
    async (request, reply) => {
      await engine.resendVerification(request.body, contextOf(request));
      return reply.code(202).send();
    },
  );
}
