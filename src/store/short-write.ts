// The short write transactions of the portal service and `invite`: each locks what it changes,
// commits or rolls back whole, and turns the database's busy and uniqueness failures into one
// error a caller can answer (docs/portal-service.md).
import type { Backend, Conn } from './backend.js';
import { sql } from './kysely.js';

/** What a unique constraint refused: a developer's email, a credential's identity, or another value. */
export type TakenValue = 'email' | 'identity' | 'value';

/** Another writer held what the transaction needed for longer than it could wait: nothing was written. */
export class StateBusyError extends Error {
  constructor(readonly waitMs: number) {
    super('the state is busy');
    this.name = 'StateBusyError';
  }
}

/** A unique constraint refused a value another writer took first: nothing was written. */
export class ValueTakenError extends Error {
  constructor(readonly taken: TakenValue) {
    super(`the ${taken} is already taken`);
    this.name = 'ValueTakenError';
  }
}

/**
 * Runs `fn` in one short write transaction on a connection of `db`: committed when it returns,
 * rolled back when it throws, so nothing is ever half-written. A state busy for longer than
 * `waitMs` throws StateBusyError, a value another writer took first ValueTakenError; any other
 * error is thrown as it is.
 */
export async function shortWrite<T>(
  backend: Backend,
  db: Conn,
  waitMs: number,
  fn: (conn: Conn) => Promise<T>,
): Promise<T> {
  try {
    return await db.connection().execute(async (conn) => {
      await backend.beginShortWrite(conn, waitMs);
      try {
        const result = await fn(conn);
        await sql`commit`.execute(conn);
        return result;
      } catch (error) {
        await sql`rollback`.execute(conn).catch(() => undefined);
        throw error;
      }
    });
  } catch (error) {
    throw classified(backend, error, waitMs);
  }
}

function classified(backend: Backend, error: unknown, waitMs: number): unknown {
  switch (backend.classifyError(error)) {
    case 'busy':
    case 'serialization':
      return new StateBusyError(waitMs);
    case 'unique':
      return new ValueTakenError(takenValue(error));
    default:
      return error;
  }
}

/** Which value a unique constraint refused, from the constraint's name or the message naming its columns. */
function takenValue(error: unknown): TakenValue {
  const constraint = String((error as { constraint?: unknown }).constraint ?? '');
  const described = `${constraint} ${String((error as { message?: unknown }).message ?? '')}`;
  if (/email/.test(described)) return 'email';
  if (/identity/.test(described)) return 'identity';
  return 'value';
}
