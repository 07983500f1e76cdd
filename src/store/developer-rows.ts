// The developer rows the portal service reads and writes: its accounts (docs/portal-service.md).
// Apply writes developers through the state writer (writer.ts).
import type { Conn } from './backend.js';

/** A developer's row as the service reads it. */
export interface DeveloperRow {
  id: string;
  email: string;
  full_name: string;
  status: string;
  origin: string;
  created_at: string;
  password_hash: string | null;
  /** 0 when an adopting entry left the name to the developer. */
  name_managed: number;
  /** 1 once the address is proven. */
  email_verified: number;
  /** The address an address change waits to move to, until its link is used. */
  pending_email: string | null;
}

const DEVELOPER_COLUMNS = [
  'id',
  'email',
  'full_name',
  'status',
  'origin',
  'created_at',
  'password_hash',
  'name_managed',
  'email_verified',
  'pending_email',
] as const;

/** A new self-service account. */
export interface NewDeveloper {
  id: string;
  email: string;
  fullName: string;
  status: string;
  passwordHash: string;
}

/**
 * Reads a developer's row inside a short write and keeps it as read until commit (null: gone), so
 * that a revoke committed first is seen. SQLite's write transaction already excludes every other writer.
 */
export async function lockDeveloper(
  conn: Conn,
  store: { locksRows: boolean },
  by: 'id' | 'email',
  value: string,
): Promise<DeveloperRow | null> {
  let query = conn.selectFrom('pf_developers').select(DEVELOPER_COLUMNS).where(by, '=', value);
  if (store.locksRows) query = query.forUpdate();
  return ((await query.executeTakeFirst()) as DeveloperRow | undefined) ?? null;
}

export async function developerById(conn: Conn, id: string): Promise<DeveloperRow | null> {
  const row = await conn.selectFrom('pf_developers').select(DEVELOPER_COLUMNS).where('id', '=', id).executeTakeFirst();
  return (row as DeveloperRow | undefined) ?? null;
}

/** What a login checks first: the id and password hash of the account with this email. */
export function loginOf(conn: Conn, email: string): Promise<{ id: string; password_hash?: string | null } | undefined> {
  return conn.selectFrom('pf_developers').select(['id', 'password_hash']).where('email', '=', email).executeTakeFirst();
}

export async function passwordHashOf(
  conn: Conn,
  id: string,
): Promise<{ email: string; password_hash?: string | null } | undefined> {
  return conn.selectFrom('pf_developers').select(['email', 'password_hash']).where('id', '=', id).executeTakeFirst();
}

export async function emailTaken(conn: Conn, email: string): Promise<boolean> {
  return (
    (await conn.selectFrom('pf_developers').select('id').where('email', '=', email).executeTakeFirst()) !== undefined
  );
}

export async function insertSelfServiceDeveloper(conn: Conn, developer: NewDeveloper, at: string): Promise<void> {
  await conn
    .insertInto('pf_developers')
    .values({
      id: developer.id,
      email: developer.email,
      full_name: developer.fullName,
      status: developer.status,
      custom_id: null,
      meta: '{}',
      origin: 'self-service',
      created_at: at,
      updated_at: at,
      sync_digest: null,
      password_hash: developer.passwordHash,
    })
    .execute();
}

/** Changes what a developer may change of their own account. */
export async function updateAccount(
  conn: Conn,
  id: string,
  set: { email?: string; fullName?: string; passwordHash?: string },
  at: string,
): Promise<void> {
  await conn
    .updateTable('pf_developers')
    .set({
      ...(set.email !== undefined ? { email: set.email } : {}),
      ...(set.fullName !== undefined ? { full_name: set.fullName } : {}),
      ...(set.passwordHash !== undefined ? { password_hash: set.passwordHash } : {}),
      updated_at: at,
    })
    .where('id', '=', id)
    .execute();
}

/** Deletes the developer's row, with its applications and their registrations (its credentials must be gone first). */
export async function deleteDeveloper(conn: Conn, id: string): Promise<void> {
  const applications = conn.selectFrom('pf_applications').select('id').where('developer_id', '=', id);
  await conn.deleteFrom('pf_registrations').where('application_id', 'in', applications).execute();
  await conn.deleteFrom('pf_applications').where('developer_id', '=', id).execute();
  await conn.deleteFrom('pf_developers').where('id', '=', id).execute();
}
