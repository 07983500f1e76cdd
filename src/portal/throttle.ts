// Failed logins per account (SPEC §7), counted in the state so the limit holds across instances.
import { sql } from '../store/kysely.js';
import { PortalError } from './contract.js';
import type { Transaction } from './state.js';

export const LOGIN_WINDOW_MS = 15 * 60_000;

/**
 * Counts one more attempt in the account's window, before the password is checked: parallel
 * guesses all count, and a correct login clears the count afterwards. Past the limit a 429,
 * whatever the password (the refused attempt itself is not counted: the transaction rolls back).
 */
export async function countLoginAttempt(tx: Transaction, email: string, limit: number): Promise<void> {
  const cutoff = new Date(Date.parse(tx.now) - LOGIN_WINDOW_MS).toISOString();
  await tx.conn.deleteFrom('pf_login_attempts').where('window_start', '<', cutoff).execute();
  const row = await sql<{ failures: number; window_start: string }>`
    insert into pf_login_attempts (email, window_start, failures) values (${email}, ${tx.now}, 1)
    on conflict (email) do update set failures = pf_login_attempts.failures + 1
    returning failures, window_start`.execute(tx.conn);
  const { failures, window_start: windowStart } = row.rows[0]!;
  if (Number(failures) > limit) {
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
