// What the engine learns about a request: where it comes from, and its id for the log.
import type { FastifyRequest } from 'fastify';
import type { RequestContext } from '../portal/contract.js';

export function contextOf(request: FastifyRequest): RequestContext {
  return { clientAddress: request.ip, requestId: String(request.id) };
}
