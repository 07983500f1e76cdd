// SHA-256 in one call. Node's one-shot `crypto.hash` (20.12 and later) costs a fraction of a Hash
// object's set-up, which counts when a plan hashes a hundred thousand developer entries.
import crypto from 'node:crypto';

type Encoding = 'hex' | 'base64url';

const oneShot = (crypto as { hash?: (algorithm: string, data: string | Uint8Array, encoding: Encoding) => string })
  .hash;

export function sha256(data: string | Uint8Array, encoding: Encoding = 'hex'): string {
  return oneShot ? oneShot('sha256', data, encoding) : crypto.createHash('sha256').update(data).digest(encoding);
}
