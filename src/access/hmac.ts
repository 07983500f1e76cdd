// hmac-auth checks in Kong's format (docs/access-checks.md): `hmac username="…", algorithm="…",
// headers="…", signature="…"`, sha256/384/512 only, over the headers it names, which must hold
// `request-line` and `date` or `x-date` within 300 seconds of the check's clock. The secret is
// needed in plain text: the state key and an encrypted copy, else the credential never matches.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { header, originalMethod, originalUri } from './request.js';
import { recoverableSecret, refused, type Verified, type VerifyContext } from './verify.js';

const ALGORITHMS: Record<string, string> = {
  'hmac-sha256': 'sha256',
  'hmac-sha384': 'sha384',
  'hmac-sha512': 'sha512',
};
const MAX_SKEW_MS = 300_000;

interface HmacParams {
  username: string;
  algorithm: string;
  headers: string[];
  signature: string;
}

export async function checkHmac(authorization: string, context: VerifyContext): Promise<Verified> {
  const params = parseParams(authorization);
  if (!params) return refused('malformed hmac credentials');
  const digest = ALGORITHMS[params.algorithm.toLowerCase()];
  if (!digest) return refused('hmac algorithm refused');
  const problem = headerProblem(params.headers, context);
  if (problem) return refused(problem);
  const wait = context.throttle.retryAfter(params.username, context.client);
  if (wait > 0) return { kind: 'throttled', retryAfter: wait };
  const credential = await context.reads.credential('hmac-auth', params.username);
  if (!credential) {
    context.throttle.fail(params.username, context.client);
    return refused('unknown username');
  }
  const secret = recoverableSecret(credential, context.vault);
  if (secret === undefined) return refused('secret not recoverable', credential);
  const signingString = signingStringOf(params.headers, context);
  const expected = createHmac(digest, secret)
    .update(signingString ?? '')
    .digest();
  const given = Buffer.from(params.signature, 'base64');
  if (signingString === undefined || given.length !== expected.length || !timingSafeEqual(given, expected)) {
    context.throttle.fail(params.username, context.client);
    return refused('bad signature', credential);
  }
  context.throttle.succeed(params.username, context.client);
  return { kind: 'valid', credential, identifier: params.username };
}

function parseParams(authorization: string): HmacParams | null {
  const found: Record<string, string> = {};
  for (const match of authorization.matchAll(/([A-Za-z]+)\s*=\s*"([^"]*)"/g))
    found[(match[1] ?? '').toLowerCase()] = match[2] ?? '';
  const { username, algorithm, headers, signature } = found;
  if (!username || !algorithm || !headers || !signature) return null;
  return { username, algorithm, headers: headers.toLowerCase().split(/\s+/).filter(Boolean), signature };
}

/** What the signed headers lack, or a date too far from the clock; undefined when they will do. */
function headerProblem(signed: readonly string[], context: VerifyContext): string | undefined {
  if (!signed.includes('request-line')) return 'hmac signature without request-line';
  const dateName = ['x-date', 'date'].find((name) => signed.includes(name));
  if (!dateName) return 'hmac signature without date or x-date';
  const date = Date.parse(header(context.request.headers, dateName) ?? '');
  if (Number.isNaN(date)) return `hmac ${dateName} missing or not a date`;
  if (Math.abs(context.now() - date) > MAX_SKEW_MS) return `hmac ${dateName} more than 300 seconds from now`;
  return undefined;
}

/** Kong's signing string: one line per named header, `request-line` the original request's. */
function signingStringOf(signed: readonly string[], context: VerifyContext): string | undefined {
  const { request } = context;
  const lines: string[] = [];
  for (const name of signed) {
    if (name === 'request-line') {
      const protocol = header(request.headers, 'x-original-protocol') ?? 'HTTP/1.1';
      lines.push(`${originalMethod(request)} ${originalUri(request)} ${protocol}`);
      continue;
    }
    const value = header(request.headers, name);
    if (value === undefined) return undefined;
    lines.push(`${name}: ${value}`);
  }
  return lines.join('\n');
}
