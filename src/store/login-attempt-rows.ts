// Failed logins per account, counted in the state so that a limit holds across service instances.
import type { Conn } from './backend.js';
import { sql } from './kysely.js';

/**
 * Forgets the windows that started before `windowStartedAfter`, then counts one more attempt in
 * the account's window (a new window starting `at`); returns the count and the window's start.
 */
export async function countLoginAttempt(
  conn: Conn,
  email: string,
  at: string,
  windowStartedAfter: string,
): Promise<{ failures: number; windowStart: string }> {
  await conn.deleteFrom('pf_login_attempts').where('window_start', '<', windowStartedAfter).execute();
  const row = await sql<{ failures: number; window_start: string }>`
    insert into pf_login_attempts (email, window_start, failures) values (${email}, ${at}, 1)
    on conflict (email) do update set failures = pf_login_attempts.failures + 1
    returning failures, window_start`.execute(conn);
  const { failures, window_start: windowStart } = row.rows[0]!;
  return { failures: Number(failures), windowStart };
}

export async function clearLoginAttempts(conn: Conn, email: string): Promise<void> {
  await conn.deleteFrom('pf_login_attempts').where('email', '=', email).execute();
}
