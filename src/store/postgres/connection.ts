// The PostgreSQL state's URL and its connection pool, whose failures read as one message that
// names the state and never its password.
import type pg from 'pg';
import { PortalformError } from '../../errors.js';
import { errorMessage } from '../../util/errors.js';
import type { PostgresPool, PostgresPoolClient } from '../kysely.js';

/** Shown in pg_stat_activity, so an operator can tell portalform's sessions apart. */
export const APPLICATION_NAME = 'portalform';
const CONNECT_TIMEOUT_MS = 10_000;
// Unquoted-identifier rules: PostgreSQL silently truncates longer names, and the name also
// travels in the connection's startup options, where spaces would split it.
const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
const URL_FORM = 'postgres://user[:password]@host[:port]/database[?schema=NAME]';

export interface StateUrl {
  /** What pg connects with: the URL without portalform's own `schema` parameter. */
  connectionString: string;
  schema: string;
  /** The URL with its password masked, for every message. */
  display: string;
  /** The password as written and as decoded, to scrub from any message that might echo it. */
  passwords: string[];
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
  return {
    connectionString: parsed.toString(),
    schema,
    display: shown.toString(),
    passwords: passwordSpellings(parsed.password),
  };
}

function passwordSpellings(raw: string): string[] {
  if (!raw) return [];
  try {
    return [...new Set([raw, decodeURIComponent(raw)])];
  } catch {
    return [raw];
  }
}

/** The pool Kysely's dialect asks for on first use, its search path set to the state's schema. */
/** Connections the pool opens at most unless the caller asks for more (the CLI runs one command at a time). */
export const DEFAULT_POOL_SIZE = 4;

export function statePool(target: StateUrl, poolSize = DEFAULT_POOL_SIZE): () => Promise<PostgresPool> {
  // pg is loaded on first use: most runs use the SQLite state and need not pay for loading it.
  return async () => {
    const { default: pg } = await import('pg');
    const pool = new pg.Pool({
      connectionString: target.connectionString,
      max: poolSize,
      application_name: APPLICATION_NAME,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      options: `-c search_path=${quoteIdent(target.schema)}`,
    });
    pool.on('error', () => undefined); // an idle client's error surfaces on the next query instead
    return new ExplainingPool(pool, target);
  };
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
      throw new PortalformError(
        `cannot connect to the PostgreSQL state at ${this.target.display}: ${this.reason(error)}`,
      );
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
    const text =
      inner.length > 0
        ? [...new Set(inner)].join('; ')
        : errorMessage(error) || String((error as { code?: unknown })?.code ?? 'unknown error');
    return this.target.passwords.reduce((scrubbed, password) => scrubbed.split(password).join('***'), text);
  }
}

function isConnectionLoss(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  if (typeof code === 'string' && (code.startsWith('08') || code.startsWith('57P'))) return true;
  return /Connection terminated|not queryable|ECONNRESET|EPIPE/i.test(errorMessage(error));
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
