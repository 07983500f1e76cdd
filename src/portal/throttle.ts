// Failed logins per account (docs/portal-service.md), counted in the state so the limit holds across instances.
import { countLoginAttempt as countInState } from '../store/login-attempt-rows.js';
import { PortalError } from './contract.js';
import type { Transaction } from './state-access.js';

export const LOGIN_WINDOW_MS = 15 * 60_000;

/**
 * Counts one more attempt in the account's window, before the password is checked: parallel
 * guesses all count, and a correct login clears the count afterwards. Past the limit a 429,
 * whatever the password (the refused attempt itself is not counted: the transaction rolls back).
 */
export async function countLoginAttempt(tx: Transaction, email: string, limit: number): Promise<void> {
  const cutoff = new Date(Date.parse(tx.now) - LOGIN_WINDOW_MS).toISOString();
  const { failures, windowStart } = await countInState(tx.conn, email, tx.now, cutoff);
  if (failures > limit) {
    const retryAfterSeconds = Math.max(
      1,
      Math.ceil((Date.parse(windowStart) + LOGIN_WINDOW_MS - Date.parse(tx.now)) / 1000),
    );
    throw new PortalError(
      429,
      'Too many login attempts',
      `Too many failed logins for this account; try again in ${retryAfterSeconds} seconds.`,
      undefined,
      retryAfterSeconds,
    );
  }
}
