// The application, registration and API rows the portal service reads and writes for a developer
// (docs/applications.md), and the credential rows scoped to one owner: the developer itself
// (application_id null) or one of its applications. Apply writes them through the state writer.
import type { Conn } from './backend.js';
import type { ApiTable, ApplicationTable, CredentialTable, RegistrationTable } from './schema.js';

/** Whose credentials: the developer's own (null) or one application's. */
export interface CredentialOwner {
  developerId: string;
  applicationId: string | null;
}

export function publishedApis(conn: Conn): Promise<ApiTable[]> {
  return conn.selectFrom('pf_apis').selectAll().orderBy('name').execute();
}

export function apiNamed(conn: Conn, name: string): Promise<ApiTable | undefined> {
  return conn.selectFrom('pf_apis').selectAll().where('name', '=', name).executeTakeFirst();
}

export function applicationsOf(conn: Conn, developerId: string): Promise<ApplicationTable[]> {
  return conn
    .selectFrom('pf_applications')
    .selectAll()
    .where('developer_id', '=', developerId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

/** The developer's application with this id; undefined when it is another's or does not exist. */
export function applicationOf(conn: Conn, developerId: string, id: string): Promise<ApplicationTable | undefined> {
  return conn
    .selectFrom('pf_applications')
    .selectAll()
    .where('id', '=', id)
    .where('developer_id', '=', developerId)
    .executeTakeFirst();
}

export async function applicationNameTaken(conn: Conn, developerId: string, name: string): Promise<boolean> {
  const row = await conn
    .selectFrom('pf_applications')
    .select('id')
    .where('developer_id', '=', developerId)
    .where('name', '=', name)
    .executeTakeFirst();
  return row !== undefined;
}

/** How many applications the developer made themselves. */
export async function selfMadeApplicationCount(conn: Conn, developerId: string): Promise<number> {
  const row = await conn
    .selectFrom('pf_applications')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('developer_id', '=', developerId)
    .where('origin', '=', 'self-service')
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

export async function insertApplication(conn: Conn, application: ApplicationTable): Promise<void> {
  await conn.insertInto('pf_applications').values(application).execute();
}

export async function describeApplication(conn: Conn, id: string, description: string | null, at: string) {
  await conn.updateTable('pf_applications').set({ description, updated_at: at }).where('id', '=', id).execute();
}

/** Deletes an application with its credentials and registrations. */
export async function deleteApplication(conn: Conn, id: string): Promise<void> {
  await conn.deleteFrom('pf_registrations').where('application_id', '=', id).execute();
  await conn.deleteFrom('pf_credentials').where('application_id', '=', id).execute();
  await conn.deleteFrom('pf_applications').where('id', '=', id).execute();
}

/** Deletes every application of a developer (their credentials and registrations too); returns their names. */
export async function deleteApplicationsOf(conn: Conn, developerId: string): Promise<string[]> {
  const applications = await applicationsOf(conn, developerId);
  for (const application of applications) await deleteApplication(conn, application.id);
  return applications.map((application) => application.name);
}

export async function registrationsOf(conn: Conn, applicationIds: string[]): Promise<RegistrationTable[]> {
  if (applicationIds.length === 0) return [];
  return conn
    .selectFrom('pf_registrations')
    .selectAll()
    .where('application_id', 'in', applicationIds)
    .orderBy('api')
    .execute();
}

export function registrationOf(conn: Conn, applicationId: string, api: string): Promise<RegistrationTable | undefined> {
  return conn
    .selectFrom('pf_registrations')
    .selectAll()
    .where('application_id', '=', applicationId)
    .where('api', '=', api)
    .executeTakeFirst();
}

export async function insertRegistration(conn: Conn, registration: RegistrationTable): Promise<void> {
  await conn.insertInto('pf_registrations').values(registration).execute();
}

export async function deleteRegistration(conn: Conn, id: string): Promise<void> {
  await conn.deleteFrom('pf_registrations').where('id', '=', id).execute();
}

/** The credentials of one owner. */
export function credentialsOfOwner(conn: Conn, owner: CredentialOwner): Promise<CredentialTable[]> {
  return ownedBy(conn.selectFrom('pf_credentials').selectAll(), owner).execute();
}

/** The owner's credential with this id; undefined when it is another's or does not exist. */
export function credentialOfOwner(
  conn: Conn,
  owner: CredentialOwner,
  id: string,
): Promise<CredentialTable | undefined> {
  return ownedBy(conn.selectFrom('pf_credentials').selectAll(), owner).where('id', '=', id).executeTakeFirst();
}

/** The credentials of several applications of a developer, for a listing. */
export async function credentialsOfApplications(conn: Conn, applicationIds: string[]): Promise<CredentialTable[]> {
  if (applicationIds.length === 0) return [];
  return conn.selectFrom('pf_credentials').selectAll().where('application_id', 'in', applicationIds).execute();
}

/** Whether another credential of the same owner has this type and identity (identities are unique per owner). */
export async function identityHeldInOwner(conn: Conn, credential: CredentialTable): Promise<boolean> {
  const owner = { developerId: credential.developer_id, applicationId: credential.application_id ?? null };
  const row = await ownedBy(conn.selectFrom('pf_credentials').select('id'), owner)
    .where('type', '=', credential.type)
    .where('identity', '=', credential.identity)
    .where('id', '<>', credential.id)
    .executeTakeFirst();
  return row !== undefined;
}

type CredentialQuery<Q> = Q & {
  where(column: 'developer_id' | 'application_id', op: '=' | 'is', value: string | null): CredentialQuery<Q>;
};

function ownedBy<Q>(query: CredentialQuery<Q>, owner: CredentialOwner): CredentialQuery<Q> {
  const scoped = query.where('developer_id', '=', owner.developerId);
  return owner.applicationId === null
    ? scoped.where('application_id', 'is', null)
    : scoped.where('application_id', '=', owner.applicationId);
}
