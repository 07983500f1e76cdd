// jwt checks through jose (docs/access-checks.md): the credential whose `key` is the token's `iss`,
// the algorithm pinned to the credential's (so `alg: none` and algorithm confusion never verify),
// `exp` and `nbf` with no leeway at the check's clock. HS* need the secret itself: the state key
// and an encrypted copy, else the credential never matches.
import { decodeJwt, decodeProtectedHeader, importSPKI, jwtVerify, type CryptoKey, type KeyObject } from 'jose';
import type { AccessCredential } from './state-cache.js';
import { recoverableSecret, refused, type Verified, type VerifyContext } from './verify.js';

type VerificationKey = CryptoKey | KeyObject | Uint8Array;

export async function checkJwt(token: string, context: VerifyContext): Promise<Verified> {
  let issuer: unknown;
  let algorithm: unknown;
  try {
    algorithm = decodeProtectedHeader(token).alg;
    issuer = decodeJwt(token).iss;
  } catch {
    return refused('malformed token');
  }
  if (typeof issuer !== 'string' || issuer === '') return refused('token without iss');
  const credential = await context.reads.credential('jwt', issuer);
  if (!credential) return refused('unknown jwt key');
  const pinned = typeof credential.fields.algorithm === 'string' ? credential.fields.algorithm : 'HS256';
  if (algorithm !== pinned) return refused(`token algorithm is not the credential's ${pinned}`, credential);
  const key = await verificationKey(credential, pinned, context);
  if (!key) return refused(pinned.startsWith('HS') ? 'secret not recoverable' : 'no usable public key', credential);
  try {
    await jwtVerify(token, key, { algorithms: [pinned], currentDate: new Date(context.now()), clockTolerance: 0 });
  } catch (error) {
    return refused(`token refused: ${(error as { code?: string }).code ?? 'bad signature'}`, credential);
  }
  return { kind: 'valid', credential, identifier: credential.identity };
}

async function verificationKey(
  credential: AccessCredential,
  algorithm: string,
  context: VerifyContext,
): Promise<VerificationKey | undefined> {
  if (credential.memo.jwtKey) return credential.memo.jwtKey as VerificationKey;
  let key: VerificationKey | undefined;
  if (algorithm.startsWith('HS')) {
    const secret = recoverableSecret(credential, context.vault);
    key = secret === undefined ? undefined : new TextEncoder().encode(secret);
  } else {
    const pem = credential.fields.rsaPublicKey;
    key = typeof pem === 'string' ? await importSPKI(pem, algorithm).catch(() => undefined) : undefined;
  }
  if (key) credential.memo.jwtKey = key;
  return key;
}
