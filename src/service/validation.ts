// How bodies are read and checked: strict JSON, and Ajv with nothing coerced, filled in or
// dropped, so that what the engine receives is exactly what the client sent, or a 400.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { MalformedJsonError } from './error-handler.js';

/** Fastify's Ajv options for the route schemas (and the PATCH check per credential type). */
export const AJV_SERVICE_OPTIONS = {
  removeAdditional: false,
  coerceTypes: false,
  useDefaults: false,
  allErrors: true,
  allowUnionTypes: true,
} as const;

/** Bodies larger than this are a 413: the largest legitimate one is a credential with a PEM key. */
export const BODY_LIMIT = 64 * 1024;

/**
 * JSON bodies only (anything else is a 415), parsed without echoing the input in errors (Node's SyntaxError quotes it, passwords
 * included). A `__proto__` key stays an own property, which the schemas then refuse as unknown.
 * An empty body is no body, for POSTs such as rotate.
 */
export function useStrictJson(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    /^application\/([\w.+-]+\+)?json$/,
    { parseAs: 'string', bodyLimit: BODY_LIMIT },
    (_request: FastifyRequest, text: string | Buffer, done) => {
      const source = String(text);
      if (source.trim() === '') return done(null, undefined);
      try {
        done(null, JSON.parse(source));
      } catch (error) {
        done(new MalformedJsonError(positionOf(error)), undefined);
      }
    },
  );
}

function positionOf(error: unknown): number | undefined {
  const match = /position (\d+)/.exec(error instanceof Error ? error.message : '');
  return match ? Number(match[1]) : undefined;
}
