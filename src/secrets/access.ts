import { hostname } from 'node:os';
import { parseGivenAddress } from '../address.js';
import { actorOf, stateKeyOf, storeOf, userName, type StateOptions } from '../options.js';
import { PortalformError } from '../errors.js';
import { appendEntry } from '../history.js';
import { CREDENTIAL_SPECS, credentialAddress } from '../model.js';
import type { StateSnapshot, StoredCredential } from '../store/types.js';
import { Vault, verifyPassword } from './vault.js';

function findCredential(state: StateSnapshot, address: string): StoredCredential {
  const parsed = parseGivenAddress(address);
  if (parsed.kind !== 'credential')
    throw new PortalformError(
      `${address} is a developer; name a credential, e.g. ${address}.credential["key-auth:NAME"]`,
    );
  const developer = state.developers.find((d) => d.email === parsed.email);
  const credential = developer?.credentials.find((c) => c.type === parsed.type && c.identity === parsed.identity);
  if (!credential)
    throw new PortalformError(`${credentialAddress(parsed.email, parsed.type, parsed.identity)} is not in the state`);
  return credential;
}

export interface RevealOptions extends StateOptions {
  actor?: string;
  lockTimeoutMs?: number;
}

/**
 * Decrypts a credential's secrets for the user who asks on purpose. Needs the state key, and
 * records the reveal (who, when, which fields; never the values) in the history.
 */
export async function revealSecret(address: string, options: RevealOptions = {}): Promise<Record<string, string>> {
  const store = storeOf(options);
  try {
    if ((await store.read()).lineage === null)
      throw new PortalformError(
        `no state at ${store.display}; nothing to reveal (run \`portalform apply\` first to create it)`,
      );
    const holder = { user: userName(), host: hostname(), pid: process.pid, operation: 'secret reveal' };
    return await store.withWriteSession(
      holder,
      options.lockTimeoutMs ?? 0,
      () => undefined,
      async (session) => {
        const state = await session.read();
        const vault = Vault.open(state.lineage!, state.meta, stateKeyOf(options));
        if (!vault.canEncrypt)
          throw new PortalformError(
            'revealing a secret needs the state key: set PORTALFORM_STATE_KEY (or --state-key-file)',
          );
        const credential = findCredential(state, address);
        const values: Record<string, string> = {};
        for (const [field, secret] of Object.entries(credential.secrets)) {
          if (!secret.ciphertext) {
            throw new PortalformError(
              `the ${field} of ${address} was stored without a state key, so it cannot be revealed; rotate it to store a recoverable value`,
            );
          }
          values[field] = vault.open(credential.id, field, secret.ciphertext);
        }
        await session.transaction(async (writer) => {
          const entry = {
            kind: 'reveal',
            serial: state.serial,
            at: new Date().toISOString(),
            actor: actorOf(options),
            address,
            fields: Object.keys(values).sort(),
          };
          await appendEntry(writer, 'events', entry);
        });
        return values;
      },
    );
  } finally {
    await store.close();
  }
}

export interface VerifyCredentialOptions extends StateOptions {
  /** The secret field to check; default the type's only secret field. */
  field?: string;
}

/**
 * Checks a presented secret against the stored one without decrypting anything: basic-auth
 * passwords against their scrypt hash (no key needed), other secrets against their keyed digest.
 */
export async function verifyCredential(
  address: string,
  presented: string,
  options: VerifyCredentialOptions = {},
): Promise<boolean> {
  const store = storeOf(options);
  try {
    const state = await store.read();
    if (state.lineage === null) throw new PortalformError(`no state at ${store.display}`);
    const credential = findCredential(state, address);
    const field = options.field ?? CREDENTIAL_SPECS[credential.type].secretFields[0];
    const stored = field ? credential.secrets[field] : undefined;
    if (!field || !stored) throw new PortalformError(`${address} has no secret ${field ?? ''}`.trim());
    if (stored.hash) return verifyPassword(presented, stored.hash);
    const vault = Vault.open(state.lineage, state.meta, stateKeyOf(options));
    return vault.digest(credential.type, field, presented) === stored.digest;
  } finally {
    await store.close();
  }
}
