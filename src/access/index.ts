// Access checks (docs/access-checks.md): the engine behind `/api/v1/access`, plain TypeScript, no
// HTTP. `openAccessChecker` opens a read-only handle of its own on the state, with its change feed.
import { stateKeyOf, type StateOptions } from '../options.js';
import { openPortalState, type PortalState } from '../portal/state-access.js';
import { Vault } from '../secrets/vault.js';
import { secretCheckedCredentials } from '../store/access-rows.js';
import { AccessChecker } from './checker.js';
import { AccessCache } from './state-cache.js';
import { stateReads } from './state-reads.js';
import { FailureThrottle } from './throttle.js';

export { CONSUMER_HEADERS, unavailable, type AccessAnswer, type AccessStatus } from './answer.js';
export { AccessChecker } from './checker.js';
export type { AccessRequest } from './request.js';

export const DEFAULT_ACCESS_LOGIN_ATTEMPTS = 10;

export interface AccessOptions extends StateOptions {
  /** Failed basic-auth and hmac-auth checks per username and client address per 15 minutes (default 10). */
  loginAttempts?: number;
  /** The checks' clock, in milliseconds since the epoch. */
  now?: () => number;
}

export interface OpenAccessChecker {
  checker: AccessChecker;
  /** hmac-auth and HS* jwt credentials the checks cannot verify (no state key, or no encrypted copy). */
  unrecoverable: number;
  close(): Promise<void>;
}

export async function openAccessChecker(options: AccessOptions): Promise<OpenAccessChecker> {
  const state = await openPortalState(options, { watch: true });
  try {
    const vault = Vault.open(state.lineage, state.meta, stateKeyOf(options));
    const now = options.now ?? Date.now;
    const cache = new AccessCache(stateReads(state.db), state.changes);
    const throttle = new FailureThrottle(options.loginAttempts ?? DEFAULT_ACCESS_LOGIN_ATTEMPTS, now);
    const checker = new AccessChecker({ cache, vault, throttle, now });
    return { checker, unrecoverable: await countUnrecoverable(state, vault), close: () => closeState(state) };
  } catch (error) {
    await closeState(state);
    throw error;
  }
}

async function closeState(state: PortalState): Promise<void> {
  await state.changes?.close();
  await state.store.close();
}

async function countUnrecoverable(state: PortalState, vault: Vault): Promise<number> {
  const rows = await secretCheckedCredentials(state.db);
  return rows.filter((row) => !vault.canEncrypt || !row.encrypted).length;
}
