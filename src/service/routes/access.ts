// The access checks' route (docs/access-checks.md): `/api/v1/access` and `/api/v1/access/{api}…`,
// any method, any path after the API's name, no body read and none answered. Only the clients of
// --access-clients are answered; to any other address it is a 404 like an unknown path. The route
// never reads a session, a cookie or a CSRF token: it only hands the request to the checker.
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import type { IncomingMessage } from 'node:http';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PortalformError } from '../../errors.js';
import { unavailable, type AccessAnswer, type AccessChecker } from '../../access/index.js';
import { handleNotFound } from '../../http/problem.js';

export const ACCESS_PREFIX = '/api/v1/access';

export interface AccessRouteOptions {
  checker: AccessChecker;
  /** Who may ask: parseAccessClients (default loopback). */
  clients: BlockList;
  /** The checks are served by a listener of their own (--access-listen): this one answers 404 to them. */
  separate?: boolean;
}

/** `--access-clients`: addresses or CIDRs, comma-separated; undefined or empty: loopback only. */
export function parseAccessClients(value: string | undefined): BlockList {
  const list = new BlockList();
  const entries = (value ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (entries.length === 0) {
    list.addSubnet('127.0.0.0', 8, 'ipv4');
    list.addAddress('::1', 'ipv6');
    return list;
  }
  for (const entry of entries) {
    const [address = '', bits, extra] = entry.split('/');
    const family = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : null;
    const prefix = bits === undefined ? undefined : Number(bits);
    const widest = family === 'ipv4' ? 32 : 128;
    if (
      !family ||
      extra !== undefined ||
      (prefix !== undefined && !(Number.isInteger(prefix) && prefix >= 0 && prefix <= widest))
    )
      throw new PortalformError(
        `--access-clients: ${JSON.stringify(entry)} is not an address or a CIDR (like 10.0.0.0/8)`,
      );
    if (prefix === undefined) list.addAddress(address, family);
    else list.addSubnet(address, prefix, family);
  }
  return list;
}

/** Answers of isAccessClient by list and peer: a proxy asks from a handful of addresses, on every request. */
const decided = new WeakMap<BlockList, Map<string, boolean>>();

/** Whether the TCP peer (never a forwarded header) may ask for checks. */
export function isAccessClient(clients: BlockList, peer: string | undefined): boolean {
  if (!peer) return false;
  let known = decided.get(clients);
  if (!known) decided.set(clients, (known = new Map()));
  let answer = known.get(peer);
  if (answer === undefined) {
    if (known.size >= 1024) known.clear();
    answer = checkPeer(clients, peer);
    known.set(peer, answer);
  }
  return answer;
}

function checkPeer(clients: BlockList, peer: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(peer)?.[1];
  if (mapped) return clients.check(mapped, 'ipv4') || clients.check(peer, 'ipv6');
  return clients.check(peer, isIPv4(peer) ? 'ipv4' : 'ipv6');
}

export function isAccessPath(url: string): boolean {
  return url === ACCESS_PREFIX || /^\/api\/v1\/access[/?]/.test(url);
}

/** A check from an access client: exempt from --rate-limit (docs/access-checks.md says why that is safe). */
export function isExemptCheck(request: FastifyRequest, clients: BlockList): boolean {
  return isAccessPath(request.url) && isAccessClient(clients, request.raw.socket.remoteAddress);
}

/** Registers the two routes on `app`, in a scope of their own that reads no body. */
export async function accessRoutes(app: FastifyInstance, options: AccessRouteOptions): Promise<void> {
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    // Whatever body a proxy forwards is never read; Node discards it once the answer is sent.
    scope.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
    const handler = options.separate ? notHere : answerCheck(options);
    const config = { hide: true };
    scope.all(ACCESS_PREFIX, { schema: config }, handler);
    scope.all(`${ACCESS_PREFIX}/*`, { schema: config }, handler);
  });
}

function notHere(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return handleNotFound(request, reply);
}

function answerCheck(options: AccessRouteOptions) {
  return (request: FastifyRequest, reply: FastifyReply): FastifyReply | Promise<FastifyReply> => {
    const peer = request.raw.socket.remoteAddress;
    if (!isAccessClient(options.clients, peer)) return handleNotFound(request, reply);
    const { api, answer } = askChecker(options.checker, request.raw, request.log);
    const send = (decided: AccessAnswer) => {
      logRefusal(request.log, api, decided);
      reply.code(decided.status).headers(decided.headers).header('content-length', '0');
      return reply.send();
    };
    // A kept answer is sent in this very step; one decided from the state, when its reads are done.
    return answer instanceof Promise ? answer.then(send) : send(answer);
  };
}

/**
 * The check a request asks for, by its URL, method and headers, and its answer: at once when the
 * checker keeps one, else a promise that never rejects (a failure is a logged 503).
 */
export function askChecker(
  checker: AccessChecker,
  request: IncomingMessage,
  log: FastifyBaseLogger,
): { api: string | null; answer: AccessAnswer | Promise<AccessAnswer> } {
  const { api, trailingPath } = splitCheckPath(request.url ?? '');
  const failed = (error: unknown): AccessAnswer => {
    log.error({ err: error }, 'access check failed');
    return unavailable('the check failed');
  };
  try {
    const answer = checker.check({
      method: request.method ?? 'GET',
      headers: request.headers,
      api,
      trailingPath,
      peerAddress: request.socket.remoteAddress ?? '',
    });
    return { api, answer: answer instanceof Promise ? answer.catch(failed) : answer };
  } catch (error) {
    return { api, answer: failed(error) };
  }
}

/** Each refusal is one record, with its reason, never a secret; an allowed check writes none. */
export function logRefusal(log: FastifyBaseLogger, api: string | null, answer: AccessAnswer): void {
  if (answer.status === 200) return;
  const detail = { status: answer.status, api, reason: answer.reason, credential: answer.credentialId };
  if (answer.status === 503) log.error({ access: detail }, 'access check refused');
  else log.info({ access: detail }, 'access check refused');
}

/** `/api/v1/access/payments/v1/charges?x=1` → api `payments`, trailing path `/v1/charges?x=1`. */
export function splitCheckPath(url: string): { api: string | null; trailingPath: string } {
  const rest = url.slice(ACCESS_PREFIX.length);
  if (!rest.startsWith('/')) return { api: null, trailingPath: rest };
  const match = /^\/([^/?#]*)(.*)$/s.exec(rest);
  const api = match?.[1] ?? '';
  return api === '' ? { api: null, trailingPath: match?.[2] ?? '' } : { api, trailingPath: match?.[2] ?? '' };
}
