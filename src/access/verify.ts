// What each credential type's check shares: the context a verifier gets and what it returns.
import type { Vault } from '../secrets/vault.js';
import type { AccessRequest } from './request.js';
import type { AccessCredential, AccessReads } from './state-cache.js';
import type { FailureThrottle } from './throttle.js';

export interface VerifyContext {
  request: AccessRequest;
  reads: AccessReads;
  vault: Vault;
  now: () => number;
  throttle: FailureThrottle;
  /** The original client's address: what the throttle counts with the username. */
  client: string;
}

export type Verified =
  | { kind: 'valid'; credential: AccessCredential; identifier: string }
  | { kind: 'refused'; reason: string; credentialId?: string }
  | { kind: 'throttled'; retryAfter: number };

export function refused(reason: string, credential?: AccessCredential | null): Verified {
  return { kind: 'refused', reason, ...(credential ? { credentialId: credential.id } : {}) };
}

/**
 * The stored secret a check needs in plain text (hmac-auth, HS* jwt): only with the state key and
 * an encrypted copy; otherwise undefined, and the credential never matches.
 */
export function recoverableSecret(credential: AccessCredential, vault: Vault): string | undefined {
  if (credential.memo.secret !== undefined) return credential.memo.secret;
  const ciphertext = credential.secrets.secret?.ciphertext;
  if (!vault.canEncrypt || !ciphertext) return undefined;
  try {
    credential.memo.secret = vault.open(credential.id, 'secret', ciphertext);
  } catch {
    return undefined;
  }
  return credential.memo.secret;
}
