// What every route module gets: the engine, the cookie settings, and the preHandler that finds the session.
import type { FastifyRequest } from 'fastify';
import type { PortalEngine } from '../../portal/contract.js';
import type { CookieSettings } from '../../http/cookies.js';
import { responses } from '../schemas.js';

export interface RouteContext {
  engine: PortalEngine;
  cookies: CookieSettings;
  requireSession: (request: FastifyRequest) => Promise<void>;
}

/** The problem+json answers a route may give, for openapi.json. */
export function problems(...statuses: number[]): Record<number, unknown> {
  return Object.fromEntries(
    statuses.map((status) => [status, { ...responses.problem, description: `problem+json (${status})` }]),
  );
}

export const AUTHENTICATED: Array<Record<string, string[]>> = [{ bearer: [] }, { cookie: [] }];
