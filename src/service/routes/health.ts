// Liveness for load balancers, and the API's own description.
import type { FastifyInstance } from 'fastify';
import type { PortalEngine } from '../../portal/contract.js';
import { sendProblem } from '../../http/problem.js';

export function healthRoutes(app: FastifyInstance, engine: PortalEngine): void {
  app.get(
    '/healthz',
    {
      config: { rateLimit: false },
      schema: {
        tags: ['service'],
        summary: '200 when the state answers, else 503',
        response: { 200: { type: 'object', properties: { status: { const: 'ok' } } } },
      },
    },
    async (request, reply) => {
      const healthy = await engine.healthy().catch((error: unknown) => {
        request.log.warn({ err: error }, 'health check failed');
        return false;
      });
      if (!healthy)
        return sendProblem(
          reply,
          { title: 'Service unavailable', status: 503, detail: 'The state does not answer.' },
          5,
        );
      return { status: 'ok' };
    },
  );

  app.get(
    '/api/v1/openapi.json',
    {
      schema: { tags: ['service'], summary: 'This description (OpenAPI 3)' },
    },
    async () => app.swagger(),
  );
}
