// The listener of --access-listen (docs/access-checks.md): the access checks and nothing else. A
// proxy asks here on every request of its own clients, so a check from an access client is
// answered on Node's request as it arrives, before Fastify makes a request, a reply and a route's
// hooks of it: none of them would add anything to an answer with no body and a fixed set of
// headers. Anything else (another address, another path, a request while closing) is Fastify's:
// the 404, --rate-limit and the 503 while draining.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import fastifyRateLimit from '@fastify/rate-limit';
import { unavailable, type AccessAnswer } from '../access/index.js';
import { handleNotFound } from '../http/problem.js';
import { lazyChildLogger } from '../http/request-logger.js';
import { askChecker, isAccessClient, isAccessPath, logRefusal, type AccessRouteOptions } from './routes/access.js';

export async function buildAccessService(
  options: AccessRouteOptions,
  server: Pick<FastifyServerOptions, 'logger' | 'genReqId'>,
  rateLimit = 600,
): Promise<FastifyInstance> {
  let answerCheck: (request: IncomingMessage, response: ServerResponse) => boolean = () => false;
  const app = Fastify({
    ...server,
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: lazyChildLogger,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    serverFactory: (handler) =>
      createServer((request, response) => answerCheck(request, response) || handler(request, response)),
  });
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  const requestId = server.genReqId ?? counter();
  answerCheck = (request, response) => {
    if (closing || !isAccessPath(request.url ?? '')) return false;
    if (!isAccessClient(options.clients, request.socket.remoteAddress)) return false;
    const id = requestId(request);
    const log = lazyChildLogger(app.log, { reqId: id }, {});
    const { api, answer } = askChecker(options.checker, request, log);
    const send = (decided: AccessAnswer) => {
      logRefusal(log, api, decided);
      try {
        response.writeHead(decided.status, headerLines(decided).concat('x-request-id', id));
      } catch (error) {
        // Nothing was sent yet: a 503 rather than an exception out of the server's request event.
        log.error({ err: error }, 'access check failed');
        response.writeHead(503, headerLines(unavailable('the answer could not be written')));
      }
      response.end();
    };
    // A kept answer is sent in this very step; one decided from the state, when its reads are done.
    if (answer instanceof Promise) answer.then(send);
    else send(answer);
    return true;
  };

  app.setNotFoundHandler(handleNotFound);
  // Any other address is held to --rate-limit, its 404s included; access clients never reach it.
  await app.register(fastifyRateLimit, { global: false });
  const limit = app.rateLimit({
    max: rateLimit,
    timeWindow: 60_000,
    keyGenerator: (request) => request.raw.socket.remoteAddress ?? '',
  });
  app.addHook('onRequest', (request, reply, done) => {
    // No security headers: nothing this listener answers has a body a browser would show.
    reply.header('x-request-id', request.id).header('cache-control', 'no-store');
    if (isAccessClient(options.clients, request.raw.socket.remoteAddress)) return done();
    limit.call(app, request, reply).then(() => done(), done);
  });
  return app;
}

const HEADER_LINES = new WeakMap<AccessAnswer, string[]>();

/** An answer's headers as writeHead takes them, made once per answer: a kept 200 is one object per key. */
function headerLines(answer: AccessAnswer): string[] {
  let lines = HEADER_LINES.get(answer);
  if (!lines) {
    lines = ['content-length', '0', 'cache-control', 'no-store'];
    for (const [name, value] of Object.entries(answer.headers))
      for (const one of Array.isArray(value) ? value : [value]) lines.push(name, one);
    HEADER_LINES.set(answer, lines);
  }
  return lines;
}

function counter(): (request: IncomingMessage) => string {
  let next = 0;
  return () => `check-${++next}`;
}
