// Every error the JSON API answers is application/problem+json (RFC 9457) in the shape
// docs/portal-service.md describes: { title, status, detail, errors?: [{ field, message }] }.
import { STATUS_CODES } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FieldError } from '../portal/contract.js';

export interface Problem {
  title: string;
  status: number;
  detail: string;
  errors?: FieldError[];
}

export const PROBLEM_TYPE = 'application/problem+json; charset=utf-8';

export function sendProblem(reply: FastifyReply, problem: Problem, retryAfterSeconds?: number): FastifyReply {
  if (retryAfterSeconds !== undefined) reply.header('retry-after', String(Math.max(1, Math.ceil(retryAfterSeconds))));
  return reply.code(problem.status).type(PROBLEM_TYPE).send(JSON.stringify(problem));
}

const TITLES: Record<number, string> = {
  400: 'Invalid request',
  401: 'Not logged in',
  403: 'Forbidden',
  404: 'Not found',
  405: 'Method not allowed',
  409: 'Conflict',
  413: 'Body too large',
  415: 'Unsupported media type',
  429: 'Too many requests',
  500: 'Internal error',
  503: 'Service unavailable',
};

export function titleOf(status: number): string {
  return TITLES[status] ?? STATUS_CODES[status] ?? 'Error';
}

/** The answer for a path no route has; it does not quote the path, which may be text meant for someone else. */
export function handleNotFound(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return sendProblem(reply, {
    title: 'Not found',
    status: 404,
    detail: `Nothing answers ${request.method} at this path; GET /api/v1/openapi.json lists the API.`,
  });
}
