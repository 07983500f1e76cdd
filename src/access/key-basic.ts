// key-auth and basic-auth checks. A key is looked up by its keyed digest, as apply and the service
// store it (the credential's unique value). A basic-auth password pays the slow hash once per
// credential; after that a keyed digest kept with the cached credential (dropped with it at the
// next change) verifies it. An unknown username is refused without computing any hash.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { verifyPassword } from '../secrets/vault.js';
import { refused, type Verified, type VerifyContext } from './verify.js';

/** Keys the in-memory password verifiers; never leaves the process, new at every start. */
const VERIFIER_KEY = randomBytes(32);
/** Longer than any password the service accepts; beyond it the slow hash is not even tried. */
const MAX_PASSWORD_LENGTH = 1024;

export async function checkKey(key: string, context: VerifyContext): Promise<Verified> {
  if (key === '') return refused('empty key');
  const credential = await context.reads.credential('key-auth', context.vault.digest('key-auth', 'key', key));
  if (!credential) return refused('unknown key');
  return { kind: 'valid', credential, identifier: credential.id };
}

export async function checkBasic(encoded: string, context: VerifyContext): Promise<Verified> {
  const decoded = decodeBasic(encoded);
  if (!decoded) return refused('malformed basic credentials');
  const { username, password } = decoded;
  const wait = context.throttle.retryAfter(username, context.client);
  if (wait > 0) return { kind: 'throttled', retryAfter: wait };
  const credential = await context.reads.credential('basic-auth', username);
  const hash = credential?.secrets.password?.hash;
  if (!credential || !hash) {
    context.throttle.fail(username, context.client);
    return refused('unknown username');
  }
  const verifier = createHmac('sha256', VERIFIER_KEY).update(credential.id).update('\0').update(password).digest();
  const known = credential.memo.verifier;
  // A verifier exists only for the one password that matched this very hash: any other is wrong.
  const ok = known !== undefined ? timingSafeEqual(known, verifier) : await slowCheck(password, hash);
  if (!ok) {
    context.throttle.fail(username, context.client);
    return refused('wrong password', credential);
  }
  credential.memo.verifier = verifier;
  context.throttle.succeed(username, context.client);
  return { kind: 'valid', credential, identifier: username };
}

function slowCheck(password: string, hash: string): Promise<boolean> {
  return password.length > MAX_PASSWORD_LENGTH ? Promise.resolve(false) : verifyPassword(password, hash);
}

function decodeBasic(encoded: string): { username: string; password: string } | null {
  const text = Buffer.from(encoded.trim(), 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon <= 0) return null;
  return { username: text.slice(0, colon), password: text.slice(colon + 1) };
}
