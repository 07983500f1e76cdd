import { createHash } from 'node:crypto';
import { Kysely, PostgresDialect, sql, type PostgresPool, type PostgresPoolClient } from './kysely.js';
import type pg from 'pg';
import { LockHeldError, PortalformError } from '../errors.js';
import type { Database } from './schema.js';
import { describeHolder, readLock, writeLockRecord, type Backend, type Conn } from './store.js';
import type { LockHolder, LockInfo } from './types.js';
import { errorMessage } from '../util/errors.js';
import { waitWithBackoff } from './wait.js';

/** Shown in pg_stat_activity, so an operator can tell portalform's sessions apart. */
export const APPLICATION_NAME = 'portalform';
const CONNECT_TIMEOUT_MS = 10_000;
// Unquoted-identifier rules: PostgreSQL silently truncates longer names, and the name also
// travels in the connection's startup options, where spaces would split it.
const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
const URL_FORM = 'postgres://user[:password]@host[:port]/database[?schema=NAME]';

interface StateUrl {
  /** What pg connects with: the URL without portalform's own `schema` parameter. */
  connectionString: string;
  schema: string;
  /** The URL with its password masked, for every message. */
  display: string;
  /** The password as written and as decoded, to scrub from any message that might echo it. */
  passwords: string[];
}

/**
 * A shared state on PostgreSQL. `?schema=NAME` keeps several portals in one database.
 * Applies are serialized by a session-level advisory lock on a key derived from the schema
 * (advisory locks are scoped to the database already); a lock record beside it names the holder.
 */
export class PostgresBackend implements Backend {
  readonly kind = 'postgres' as const;
  readonly maxParams = 60_000;
  readonly beginWrite = 'begin';
  readonly beginRead = 'begin isolation level repeatable read read only';
  readonly schema: string;
  readonly display: string;
  private readonly kysely: Conn;
  private readonly lockKey: bigint;

  constructor(url: string) {
    const target = parseStateUrl(url);
    this.schema = target.schema;
    this.display = target.display;
    this.lockKey = advisoryKey(target.schema);
    // pg is loaded on first use: most runs use the SQLite state and need not pay for loading it.
    const pool = async () => {
      const { default: pg } = await import('pg');
      const pool = new pg.Pool({
        connectionString: target.connectionString,
        max: 4,
        application_name: APPLICATION_NAME,
        connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
        options: `-c search_path=${quoteIdent(target.schema)}`,
      });
      pool.on('error', () => undefined); // an idle client's error surfaces on the next query instead
      return new ExplainingPool(pool, target);
    };
    this.kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  }

  db(): Conn {
    return this.kysely;
  }

  async tableExists(conn: Conn, name: string): Promise<boolean> {
    const found = await sql<{ present: boolean }>`select to_regclass(${quoteIdent(this.schema) + '.' + name}) is not null as present`.execute(conn);
    return found.rows[0]?.present === true;
  }

  async create(): Promise<Conn> {
    try {
      await sql`create schema if not exists ${sql.id(this.schema)}`.execute(this.kysely);
    } catch (error) {
      // Two first applies racing: "if not exists" is not atomic, the loser sees a duplicate.
      if (!isDuplicateObject(error)) throw error;
    }
    return this.kysely;
  }

  /** An uninitialized schema reads as no state; it is left for the next apply. */
  async discardNew(): Promise<void> {}

  async acquireLock(conn: Conn, holder: LockHolder, timeoutMs: number): Promise<LockInfo> {
    await waitWithBackoff(timeoutMs, async () => {
      if (await this.tryAdvisoryLock(conn)) return { done: true, value: undefined };
      const refusal = await this.refusal(conn);
      return { done: false, error: () => refusal };
    });
    // The advisory lock is the real lock; this record only tells others who holds it.
    const lock = await writeLockRecord(conn, holder);
    return lock;
  }

  async releaseLock(conn: Conn, lock: LockInfo): Promise<void> {
    await conn.deleteFrom('pf_locks').where('lock_id', '=', lock.id).execute();
    await sql`select pg_advisory_unlock(${this.lockKey.toString()}::bigint)`.execute(conn);
  }

  /** A record whose advisory lock a live session still holds cannot be cleared: only ending that session can. */
  async beforeForceUnlock(conn: Conn, lock: LockInfo): Promise<void> {
    const session = await this.advisoryHolder(conn);
    if (session === null) return;
    throw new PortalformError(
      `lock ${lock.id} is still held by a live PostgreSQL session (pid ${session}). ` +
        'PostgreSQL advisory locks end with their session, so a crashed run never leaves one behind and force-unlock cannot release one; ' +
        `wait for that run, or if it hangs, end its session: select pg_terminate_backend(${session})`,
    );
  }

  async close(): Promise<void> {
    await this.kysely.destroy();
  }

  private async tryAdvisoryLock(conn: Conn): Promise<boolean> {
    const got = await sql<{ locked: boolean }>`select pg_try_advisory_lock(${this.lockKey.toString()}::bigint) as locked`.execute(conn);
    return got.rows[0]?.locked === true;
  }

  /** The backend pid of the session holding this state's advisory lock, or null. */
  private async advisoryHolder(conn: Conn): Promise<number | null> {
    // pg_locks shows a bigint advisory key as its high and low 32 bits.
    const high = (this.lockKey >> 32n).toString();
    const low = (this.lockKey & 0xffffffffn).toString();
    const found = await sql<{ pid: number }>`
      select pid from pg_locks
      where locktype = 'advisory' and granted and objsubid = 1
        and database = (select oid from pg_database where datname = current_database())
        and classid = ${high}::bigint::oid and objid = ${low}::bigint::oid`.execute(conn);
    return found.rows[0]?.pid ?? null;
  }

  private async refusal(conn: Conn): Promise<LockHeldError> {
    const [record, session] = [await readLock(conn), await this.advisoryHolder(conn)];
    const sessionNote = session === null ? '' : `PostgreSQL session pid ${session}`;
    const head = record
      ? `the state ${this.display} is locked by ${describeHolder(record)} (lock ID ${record.id}${sessionNote ? `, ${sessionNote}` : ''}).`
      : `the state ${this.display} is locked by another portalform run that is starting or finishing${sessionNote ? ` (${sessionNote})` : ''}.`;
    const hang = session === null ? 'end its database session' : `end its session: select pg_terminate_backend(${session})`;
    return new LockHeldError(
      `${head}\nWait for it with --lock-timeout. This lock ends with the holder's database session, so a crashed run never leaves it behind` +
        `${record ? ` and \`portalform force-unlock ${record.id}\` only clears its record` : ''}; if that run hangs, ${hang}.`,
    );
  }
}

/** Makes pg's connection failures one message that names the state, never its password. */
class ExplainingPool implements PostgresPool {
  private readonly guarded = new WeakSet<pg.PoolClient>();

  constructor(
    private readonly pool: pg.Pool,
    private readonly target: StateUrl,
  ) {}

  async connect(): Promise<PostgresPoolClient> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw new PortalformError(`cannot connect to the PostgreSQL state at ${this.target.display}: ${this.reason(error)}`);
    }
    if (!this.guarded.has(client)) {
      // pg emits 'error' on a checked-out client whose server went away; unheard, it would crash
      // the process. The query in flight fails with the same error, and that one is reported.
      client.on('error', () => undefined);
      this.guarded.add(client);
    }
    return this.explaining(client);
  }

  end(): Promise<void> {
    return this.pool.end();
  }

  private explaining(client: pg.PoolClient): PostgresPoolClient {
    const query = (text: unknown, parameters?: ReadonlyArray<unknown>): any => {
      if (typeof text !== 'string') return client.query(text as any); // a cursor: Kysely streams from it
      return client.query(text, parameters as unknown[]).catch((error: unknown) => {
        throw isConnectionLoss(error) ? this.lostConnection(error) : error;
      });
    };
    return { query, release: () => client.release() } as PostgresPoolClient;
  }

  private lostConnection(error: unknown): PortalformError {
    return new PortalformError(
      `lost the connection to the PostgreSQL state at ${this.target.display} (${this.reason(error)}); ` +
        'the server rolls back a transaction that had not committed, so check the state with `portalform plan` before trying again',
    );
  }

  private reason(error: unknown): string {
    const inner = error instanceof AggregateError ? error.errors.map(errorMessage) : [];
    const text = inner.length > 0 ? [...new Set(inner)].join('; ') : errorMessage(error) || String((error as { code?: unknown })?.code ?? 'unknown error');
    return this.target.passwords.reduce((scrubbed, password) => scrubbed.split(password).join('***'), text);
  }
}

export function parseStateUrl(url: string): StateUrl {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new PortalformError(`invalid PostgreSQL state URL; expected ${URL_FORM}`);
  }
  const schema = parsed.searchParams.get('schema') ?? 'public';
  if (!SCHEMA_NAME.test(schema)) {
    throw new PortalformError(
      `invalid schema ${JSON.stringify(schema)} in the PostgreSQL state URL: use 1 to 63 letters, digits and underscores, not starting with a digit`,
    );
  }
  const shown = new URL(parsed.toString());
  if (shown.password) shown.password = '***';
  parsed.searchParams.delete('schema');
  return { connectionString: parsed.toString(), schema, display: shown.toString(), passwords: passwordSpellings(parsed.password) };
}

function passwordSpellings(raw: string): string[] {
  if (!raw) return [];
  try {
    return [...new Set([raw, decodeURIComponent(raw)])];
  } catch {
    return [raw];
  }
}

/** A positive 63-bit advisory lock key, stable for one schema. */
function advisoryKey(schema: string): bigint {
  return createHash('sha256').update(`portalform:${schema}`).digest().readBigUInt64BE(0) >> 1n;
}

function isConnectionLoss(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  if (typeof code === 'string' && (code.startsWith('08') || code.startsWith('57P'))) return true;
  return /Connection terminated|not queryable|ECONNRESET|EPIPE/i.test(errorMessage(error));
}

function isDuplicateObject(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return code === '23505' || code === '42P06';
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
