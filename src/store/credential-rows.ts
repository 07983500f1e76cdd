// The credential rows the portal service reads and writes: a developer's own credentials.
// Apply writes credentials through the state writer (writer.ts).
import type { Conn } from './backend.js';
import type { CredentialTable } from './schema.js';

export function credentialsOf(conn: Conn, developerId: string): Promise<CredentialTable[]> {
  return conn.selectFrom('pf_credentials').selectAll().where('developer_id', '=', developerId).execute();
}

/** The developer's credential with this id; undefined when it is another's or does not exist. */
export function credentialOf(conn: Conn, developerId: string, id: string): Promise<CredentialTable | undefined> {
  return conn
    .selectFrom('pf_credentials')
    .selectAll()
    .where('id', '=', id)
    .where('developer_id', '=', developerId)
    .executeTakeFirst();
}

/** How many credentials the developer made themselves. */
export async function selfMadeCount(conn: Conn, developerId: string): Promise<number> {
  const row = await conn
    .selectFrom('pf_credentials')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('developer_id', '=', developerId)
    .where('origin', '=', 'self-service')
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Whether another credential of the developer has this type and identity. */
export async function identityHeldByAnother(conn: Conn, credential: CredentialTable): Promise<boolean> {
  const row = await conn
    .selectFrom('pf_credentials')
    .select('id')
    .where('developer_id', '=', credential.developer_id)
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

/** Deletes every credential of a developer; returns the type and identity of each. */
export async function deleteCredentialsOf(
  conn: Conn,
  developerId: string,
): Promise<Array<{ type: string; identity: string }>> {
  const deleted = await conn
    .selectFrom('pf_credentials')
    .select(['type', 'identity'])
    .where('developer_id', '=', developerId)
    .execute();
  await conn.deleteFrom('pf_credentials').where('developer_id', '=', developerId).execute();
  return deleted;
}
