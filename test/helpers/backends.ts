// The state backends every state-touching suite runs against: SQLite always, PostgreSQL when reachable.
import { randomUUID } from 'node:crypto';
import pg from 'pg';

export const PG_URL = process.env.PORTALFORM_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface BackendCase {
  name: 'sqlite' | 'postgres';
  /** A fresh, empty state location; undefined means "a file in the workspace". */
  newState(): string | undefined;
}

async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

const schemas: string[] = [];

/** A schema of its own per state, so parallel tests never share one; dropped after the run. */
export function newPostgresState(): string {
  const schema = `pf_test_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  schemas.push(schema);
  return `${PG_URL}?schema=${schema}`;
}

export async function dropTestSchemas(): Promise<void> {
  if (schemas.length === 0) return;
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    for (const schema of schemas.splice(0)) await client.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await client.end();
  }
}

const pgAvailable = await postgresReachable();
if (!pgAvailable) {
  const message = `PostgreSQL is not reachable at ${PG_URL}: the PostgreSQL suites are SKIPPED`;
  if (process.env.CI) throw new Error(`${message}, which CI does not allow`);
  console.warn(`\n⚠ ${message}\n`);
}

export const BACKENDS: BackendCase[] = [
  { name: 'sqlite', newState: () => undefined },
  ...(pgAvailable ? [{ name: 'postgres' as const, newState: newPostgresState }] : []),
];

export const POSTGRES_AVAILABLE = pgAvailable;
