// Secrets (src/secrets/): the vault of one state — keyed digests to compare secrets without
// keeping them, encryption of recoverable copies under a key derived from PORTALFORM_STATE_KEY,
// password hashes — and `secret reveal` (access.ts). Nothing here ever writes a secret in plain text.
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  hkdfSync,
  randomBytes,
  scrypt,
  timingSafeEqual,
} from 'node:crypto';
import { PortalformError } from '../errors.js';

export const MIN_STATE_KEY_LENGTH = 32;
const KEY_CHECK_PLAINTEXT = 'portalform key check v1';
const KEY_CHECK_AAD = 'key-check';
const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Recorded with every hash so the cost can be raised later without breaking old hashes. */
export const SCRYPT_PARAMS = { N: 16384, r: 8, p: 1, keylen: 32 } as const;

/**
 * The keys of one state: a digest key (always) for change detection and uniqueness, and an
 * encryption key (only with PORTALFORM_STATE_KEY) for recoverable values.
 */
export class Vault {
  private constructor(
    private readonly digestKey: Buffer,
    private readonly encryptionKey: Buffer | null,
    /** Meta entries a new or re-keyed state must record. */
    readonly metaToWrite: Record<string, string>,
  ) {}

  /**
   * Opens the vault of a state from its meta entries, or plans a new one when `meta` has no
   * lineage yet. Refuses a missing or wrong key where the state needs one.
   */
  static open(lineage: string, meta: Record<string, string>, stateKey: string | null): Vault {
    if (stateKey !== null && stateKey.length < MIN_STATE_KEY_LENGTH) {
      throw new PortalformError(`the state key must be at least ${MIN_STATE_KEY_LENGTH} characters long`);
    }
    const encryptionKey = stateKey === null ? null : derive(stateKey, lineage, 'encryption');
    const isNew = meta.digest_key_mode === undefined;
    if (isNew) return Vault.create(lineage, stateKey, encryptionKey);

    if (meta.key_check !== undefined) {
      if (!encryptionKey) {
        throw new PortalformError(
          'this state holds encrypted secrets: set PORTALFORM_STATE_KEY (or --state-key-file) to the key it was created with',
        );
      }
      if (!decryptOrNull(encryptionKey, KEY_CHECK_AAD, meta.key_check)) {
        throw new PortalformError(
          'PORTALFORM_STATE_KEY does not match the key this state was encrypted with; nothing was changed',
        );
      }
    }
    const digestKey =
      meta.digest_key_mode === 'derived'
        ? derive(stateKey ?? missingKey(), lineage, 'digest')
        : Buffer.from(meta.digest_key ?? '', 'base64');
    const metaToWrite: Record<string, string> = {};
    if (encryptionKey && meta.key_check === undefined) {
      metaToWrite.key_check = encrypt(encryptionKey, KEY_CHECK_AAD, KEY_CHECK_PLAINTEXT);
    }
    return new Vault(digestKey, encryptionKey, metaToWrite);
  }

  /** A vault for showing a plan against no state: digests are never compared there. */
  static ephemeral(): Vault {
    return new Vault(randomBytes(32), null, {});
  }

  private static create(lineage: string, stateKey: string | null, encryptionKey: Buffer | null): Vault {
    if (stateKey !== null && encryptionKey) {
      return new Vault(derive(stateKey, lineage, 'digest'), encryptionKey, {
        digest_key_mode: 'derived',
        key_check: encrypt(encryptionKey, KEY_CHECK_AAD, KEY_CHECK_PLAINTEXT),
      });
    }
    const digestKey = randomBytes(32);
    return new Vault(digestKey, null, { digest_key_mode: 'stored', digest_key: digestKey.toString('base64') });
  }

  /**
   * The key that seals this state's saved plans (docs/state.md): derived from the digest key under a
   * label of its own, so it is never stored anywhere and a MAC never reveals a digest.
   */
  savedPlanKey(): Buffer {
    return savedPlanKeyFrom(this.digestKey, 'state');
  }

  get canEncrypt(): boolean {
    return this.encryptionKey !== null;
  }

  /** Keyed digest of a secret value: equal values give equal digests within one state. */
  digest(type: string, field: string, value: string): string {
    return createHmac('sha256', this.digestKey).update(`${type}.${field}\0${value}`).digest('base64url');
  }

  /** Encrypts a value bound to the credential's internal id and field: a copy in another row fails to decrypt. */
  seal(credentialId: string, field: string, value: string): string | undefined {
    return this.encryptionKey ? encrypt(this.encryptionKey, `${credentialId}\0${field}`, value) : undefined;
  }

  open(credentialId: string, field: string, ciphertext: string): string {
    if (!this.encryptionKey)
      throw new PortalformError('reading a stored secret needs the state key: set PORTALFORM_STATE_KEY');
    const value = decryptOrNull(this.encryptionKey, `${credentialId}\0${field}`, ciphertext);
    if (value === null) {
      throw new PortalformError(
        `a stored ${field} failed to decrypt: the ciphertext does not belong to this credential or was altered`,
      );
    }
    return value;
  }
}

/** The key that seals a plan made on no state, when PORTALFORM_STATE_KEY is set (docs/state.md). */
export function noStatePlanKey(stateKey: string): Buffer {
  if (stateKey.length < MIN_STATE_KEY_LENGTH)
    throw new PortalformError(`the state key must be at least ${MIN_STATE_KEY_LENGTH} characters long`);
  return savedPlanKeyFrom(Buffer.from(stateKey, 'utf8'), 'no state');
}

function savedPlanKeyFrom(material: Buffer, scope: string): Buffer {
  return Buffer.from(
    hkdfSync('sha256', material, `portalform saved plan: ${scope}`, 'portalform saved plan mac v1', 32),
  );
}

function missingKey(): never {
  throw new PortalformError('this state was created with a state key: set PORTALFORM_STATE_KEY (or --state-key-file)');
}

function derive(stateKey: string, lineage: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', stateKey, `portalform:${lineage}`, `portalform ${purpose} v1`, 32));
}

function encrypt(key: Buffer, aad: string, plaintext: string): string {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(Buffer.from(aad));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return `v1.${Buffer.concat([nonce, body, cipher.getAuthTag()]).toString('base64')}`;
}

function decryptOrNull(key: Buffer, aad: string, sealed: string): string | null {
  if (!sealed.startsWith('v1.')) return null;
  const raw = Buffer.from(sealed.slice(3), 'base64');
  if (raw.length < 28) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
    decipher.setAAD(Buffer.from(aad));
    decipher.setAuthTag(raw.subarray(raw.length - 16));
    return Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}

/**
 * A CSPRNG value from an alphabet every Kong plugin accepts. Uniform: a random byte is used only
 * below the largest multiple of the alphabet's size (one draw of bytes per value, not one call
 * per character: a large first apply generates hundreds of thousands).
 */
export function generateSecretValue(length = 40): string {
  const limit = 256 - (256 % ALPHANUMERIC.length);
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length + 8)) {
      if (byte < limit && out.length < length) out += ALPHANUMERIC[byte % ALPHANUMERIC.length];
    }
  }
  return out;
}

export async function hashPassword(password: string): Promise<string> {
  const { N, r, p, keylen } = SCRYPT_PARAMS;
  const salt = randomBytes(16);
  const hash = await scryptAsync(password, salt, keylen, { N, r, p });
  return `scrypt$${N}$${r}$${p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = await scryptAsync(password, Buffer.from(salt!, 'base64'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
  });
  return timingSafeEqual(expected, actual);
}

function scryptAsync(
  password: string,
  salt: Buffer,
  keylen: number,
  options: { N: number; r: number; p: number },
): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, keylen, { ...options, maxmem: 256 * options.N * options.r }, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}
