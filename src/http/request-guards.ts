// What every request meets before a route (docs/portal-service.md, "Errors"): a problem+json answer,
// with the security headers, for what the router itself refuses (a URL that does not decode, a path
// parameter or a URL that is too long) and for what Node's parser refuses before Fastify sees it; a
// query parameter given twice is a 400 naming it. None of these answers quotes the URL: it may carry
// a token, or text meant to be shown to someone else.
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PortalError } from '../portal/contract.js';
import { quoteForMessage } from '../util/strings.js';
import { PROBLEM_TYPE, sendProblem, titleOf } from './problem.js';
import { helmetHeaders } from './security-headers.js';

/** Longest URL answered (path and query); past it, 414. */
export const MAX_URL_LENGTH = 8 * 1024;
/** Longest path parameter, encoded: an email of 254 characters and more, percent-encoded, fits. */
export const MAX_PARAM_LENGTH = 2 * 1024;

const HEADERS = helmetHeaders();

const tooLong = {
  title: 'URI too long',
  status: 414,
  detail: `The URL is longer than the service accepts (${MAX_URL_LENGTH} characters, ${MAX_PARAM_LENGTH} for one path segment).`,
};

/** Fastify's `frameworkErrors`: the router's refusals, which no hook or error handler sees. */
export function routerError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  reply.headers(HEADERS).header('x-request-id', request.id).header('cache-control', 'no-store');
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') return sendProblem(reply, tooLong);
  if (error.code === 'FST_ERR_BAD_URL')
    return sendProblem(reply, { title: titleOf(400), status: 400, detail: 'The URL is not validly percent-encoded.' });
  request.log.error({ err: error }, 'router failed');
  return sendProblem(reply, { title: titleOf(500), status: 500, detail: 'The service could not route this request.' });
}

/** Fastify's `clientErrorHandler`: a request Node's parser refused (headers too large, malformed), answered on the socket. */
export function clientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const detail =
    status === 431 ? 'The request line and headers are larger than the service accepts.' : `${titleOf(status)}.`;
  const body = JSON.stringify({ title: titleOf(status), status, detail });
  const headers = { ...HEADERS, 'content-type': PROBLEM_TYPE, 'content-length': String(Buffer.byteLength(body)) };
  const head = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
  if (socket.writable)
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${head.join('')}connection: close\r\n\r\n${body}`);
  socket.destroy(error);
}

/**
 * A URL over MAX_URL_LENGTH is answered 414 at once; a query parameter given more than once is a
 * 400 naming it, thrown so that the pages answer it as a page and the API as a problem. URLs that
 * `isBodiless` picks (the access checks, which answer a proxy with a status and headers only) get the 414
 * without a body and keep their query as the route reads it.
 */
export function useRequestGuards(app: FastifyInstance, isBodiless: (url: string) => boolean = () => false): void {
  app.addHook('onRequest', (request, reply, done) => {
    if (request.url.length > MAX_URL_LENGTH) {
      if (isBodiless(request.url)) reply.code(414).header('content-length', '0').send();
      else sendProblem(reply, tooLong);
      return;
    }
    if (isBodiless(request.url)) return done();
    const query = request.query as Record<string, unknown> | undefined;
    const repeated = query ? Object.keys(query).find((name) => Array.isArray(query[name])) : undefined;
    if (repeated === undefined) return done();
    const name = quoteForMessage(repeated, 'double', 40);
    done(
      new PortalError(400, 'Invalid request', `The query parameter ${name} is given more than once; give it once.`, [
        { field: repeated.slice(0, 40), message: 'is given more than once' },
      ]),
    );
  });
}
