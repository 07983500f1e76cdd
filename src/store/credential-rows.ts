// The credential rows the portal service reads and writes: a developer's own credentials (an
// application's are the rows with application_id set, docs/applications.md). Apply writes
// credentials through the state writer (writer.ts).
import type { Conn } from './backend.js';
import type { CredentialTable } from './schema.js';

/** The developer's own credentials, none of its applications'. */
export function credentialsOf(conn: Conn, developerId: string): Promise<CredentialTable[]> {
  return conn
    .selectFrom('pf_credentials')
    .selectAll()
    .where('developer_id', '=', developerId)
    .where('application_id', 'is', null)
    .execute();
}

/** The developer's own credential with this id; undefined when it is another's, an application's or does not exist. */
export function credentialOf(conn: Conn, developerId: string, id: string): Promise<CredentialTable | undefined> {
  return conn
    .selectFrom('pf_credentials')
    .selectAll()
    .where('id', '=', id)
    .where('developer_id', '=', developerId)
    .where('application_id', 'is', null)
    .executeTakeFirst();
}

/** How many credentials the developer made themselves, in its applications or not (maxCredentials counts both). */
export async function selfMadeCount(conn: Conn, developerId: string): Promise<number> {
  const row = await conn
    .selectFrom('pf_credentials')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('developer_id', '=', developerId)
    .where('origin', '=', 'self-service')
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Whether another credential of the same owner (the developer, or the same application) has this type and identity. */
export async function identityHeldByAnother(conn: Conn, credential: CredentialTable): Promise<boolean> {
  const row = await conn
    .selectFrom('pf_credentials')
    .select('id')
    .where('developer_id', '=', credential.developer_id)
    .where('application_id', credential.application_id ? '=' : 'is', credential.application_id ?? null)
    .where('type', '=', credential.type)
    .where('identity', '=', credential.identity)
    .where('id', '<>', credential.id)
    .executeTakeFirst();
  return row !== undefined;
}

/** Whether another credential, anyone's, holds this credential's unique value. */
export async function uniqueValueHeldByAnother(conn: Conn, credential: CredentialTable): Promise<boolean> {
  if (credential.unique_value === null) return false;
  const row = await conn
    .selectFrom('pf_credentials')
    .select('id')
    .where('type', '=', credential.type)
    .where('unique_value', '=', credential.unique_value)
    .where('id', '<>', credential.id)
    .executeTakeFirst();
  return row !== undefined;
}

export async function insertCredential(conn: Conn, credential: CredentialTable): Promise<void> {
  await conn.insertInto('pf_credentials').values(credential).execute();
}

export async function updateCredential(
  conn: Conn,
  id: string,
  set: Partial<Pick<CredentialTable, 'identity' | 'fields' | 'secrets' | 'unique_value'>>,
  at: string,
): Promise<void> {
  await conn
    .updateTable('pf_credentials')
    .set({ ...set, updated_at: at })
    .where('id', '=', id)
    .execute();
}

export async function deleteCredential(conn: Conn, id: string): Promise<void> {
  await conn.deleteFrom('pf_credentials').where('id', '=', id).execute();
}

/**
 * Deletes every credential of a developer, its applications' too; returns the type and identity of
 * each, and the name of the application that held it (absent: the developer's own).
 */
export async function deleteCredentialsOf(
  conn: Conn,
  developerId: string,
): Promise<Array<{ type: string; identity: string; application?: string }>> {
  const deleted = await conn
    .selectFrom('pf_credentials')
    .leftJoin('pf_applications', 'pf_applications.id', 'pf_credentials.application_id')
    .select(['pf_credentials.type', 'pf_credentials.identity', 'pf_applications.name as application'])
    .where('pf_credentials.developer_id', '=', developerId)
    .execute();
  await conn.deleteFrom('pf_credentials').where('developer_id', '=', developerId).execute();
  return deleted.map(({ type, identity, application }) => ({
    type,
    identity,
    ...(application === null ? {} : { application }),
  }));
}
