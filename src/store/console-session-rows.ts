// The console's sessions and failed sign-ins (console-schema.ts): only digests of the cookie and
// of the console token are stored, never either value.
import type { Conn } from './backend.js';
import type { ConsoleSessionTable } from './console-schema.js';
import { sql } from './kysely.js';

/** Stores a new session, forgetting those that have expired meanwhile. */
export async function insertConsoleSession(conn: Conn, session: ConsoleSessionTable): Promise<void> {
  await conn
    .deleteFrom('pf_console_sessions')
    .where((eb) => eb.or([eb('idle_expires_at', '<', session.created_at), eb('expires_at', '<', session.created_at)]))
    .execute();
  await conn.insertInto('pf_console_sessions').values(session).execute();
}

export function consoleSessionByDigest(conn: Conn, digest: string): Promise<ConsoleSessionTable | undefined> {
  return conn.selectFrom('pf_console_sessions').selectAll().where('token_digest', '=', digest).executeTakeFirst();
}

/** Moves a session's idle lifetime forward. */
export async function renewConsoleSession(
  conn: Conn,
  digest: string,
  times: { lastSeenAt: string; idleExpiresAt: string },
): Promise<void> {
  await conn
    .updateTable('pf_console_sessions')
    .set({ last_seen_at: times.lastSeenAt, idle_expires_at: times.idleExpiresAt })
    .where('token_digest', '=', digest)
    .execute();
}

export async function deleteConsoleSession(conn: Conn, digest: string): Promise<void> {
  await conn.deleteFrom('pf_console_sessions').where('token_digest', '=', digest).execute();
}

/**
 * Forgets the windows that started before `windowStartedAfter`, then counts one more failed
 * sign-in from `address` (a new window starting `at`); returns the count and the window's start.
 */
export async function countConsoleAttempt(
  conn: Conn,
  address: string,
  at: string,
  windowStartedAfter: string,
): Promise<{ failures: number; windowStart: string }> {
  await conn.deleteFrom('pf_console_attempts').where('window_start', '<', windowStartedAfter).execute();
  const row = await sql<{ failures: number; window_start: string }>`
    insert into pf_console_attempts (address, window_start, failures) values (${address}, ${at}, 1)
    on conflict (address) do update set failures = pf_console_attempts.failures + 1
    returning failures, window_start`.execute(conn);
  const { failures, window_start: windowStart } = row.rows[0]!;
  return { failures: Number(failures), windowStart };
}

export async function clearConsoleAttempts(conn: Conn, address: string): Promise<void> {
  await conn.deleteFrom('pf_console_attempts').where('address', '=', address).execute();
}
