// The state's metadata (lineage, serial, portal settings, keys), and whether the state answers.
import type { Conn } from './backend.js';
import { sql } from './kysely.js';

export async function readMeta(conn: Conn): Promise<Record<string, string>> {
  const rows = await conn.selectFrom('pf_meta').selectAll().execute();
  return Object.fromEntries(rows.map((r) => [r.key, r.value]));
}

/** The state's serial: 0 before the first apply. */
export async function readSerial(conn: Conn): Promise<number> {
  const row = await conn.selectFrom('pf_meta').select('value').where('key', '=', 'serial').executeTakeFirst();
  return Number(row?.value ?? 0);
}

/** True when the database answers a query. */
export async function answers(conn: Conn): Promise<boolean> {
  try {
    await sql`select 1`.execute(conn);
    return true;
  } catch {
    return false;
  }
}
