// The rows of pf_applications (docs/applications.md): a developer's applications, read with their
// credentials and registrations. Apply writes them through the state writer (writer.ts); the
// service's and the console's own queries live in own-applications.ts and console-applications.ts.
import { applicationAddress, registrationAddress } from '../model.js';
import { chunks } from '../util/chunks.js';
import { compareCodeUnits } from '../util/strings.js';
import type { Conn } from './backend.js';
import { readRegistrations } from './registration-rows.js';
import type { ApplicationTable } from './schema.js';
import type { Origin, StoredApplication, StoredCredential } from './types.js';

export interface ApplicationRowInput {
  id: string;
  developerId: string;
  name: string;
  description: string | null;
  descriptionManaged: boolean;
  origin: Origin;
}

export interface ApplicationChanges {
  name?: string;
  description?: string | null;
  descriptionManaged?: boolean;
  origin?: Origin;
}

export function applicationRow(r: ApplicationRowInput, now: string): ApplicationTable {
  return {
    id: r.id,
    developer_id: r.developerId,
    name: r.name,
    description: r.description,
    description_managed: r.descriptionManaged ? 1 : 0,
    origin: r.origin,
    created_at: now,
    updated_at: now,
  };
}

export function applicationChanges(set: ApplicationChanges, now: string): Partial<ApplicationTable> {
  const row: Partial<ApplicationTable> = { updated_at: now };
  if (set.name !== undefined) row.name = set.name;
  if (set.description !== undefined) row.description = set.description;
  if (set.descriptionManaged !== undefined) row.description_managed = set.descriptionManaged ? 1 : 0;
  if (set.origin !== undefined) row.origin = set.origin;
  return row;
}

/**
 * The applications of these developers (null: every developer's), by developer id, each with its
 * registrations and with the given application credentials, in name order.
 */
export async function readApplications(
  conn: Conn,
  developerIds: string[] | null,
  credentials: StoredCredential[],
  chunkSize: number,
): Promise<Map<string, StoredApplication[]>> {
  const rows: ApplicationTable[] = [];
  if (developerIds === null) rows.push(...(await conn.selectFrom('pf_applications').selectAll().execute()));
  else {
    for (const chunk of chunks(developerIds, chunkSize))
      rows.push(...(await conn.selectFrom('pf_applications').selectAll().where('developer_id', 'in', chunk).execute()));
  }
  const registrations = await readRegistrations(conn, developerIds === null ? null : rows.map((r) => r.id), chunkSize);
  const credentialsOf = new Map<string, StoredCredential[]>();
  for (const credential of credentials) {
    const list = credentialsOf.get(credential.applicationId!) ?? [];
    list.push(credential);
    credentialsOf.set(credential.applicationId!, list);
  }
  const byDeveloper = new Map<string, StoredApplication[]>();
  for (const row of rows) {
    const list = byDeveloper.get(row.developer_id) ?? [];
    list.push(toApplication(row, credentialsOf.get(row.id) ?? [], registrations.get(row.id) ?? []));
    byDeveloper.set(row.developer_id, list);
  }
  for (const list of byDeveloper.values()) list.sort((a, b) => compareCodeUnits(a.name, b.name));
  return byDeveloper;
}

function toApplication(
  row: ApplicationTable,
  credentials: StoredCredential[],
  registrations: StoredApplication['registrations'],
): StoredApplication {
  return {
    id: row.id,
    developerId: row.developer_id,
    name: row.name,
    description: row.description,
    descriptionManaged: Number(row.description_managed) !== 0,
    origin: row.origin as Origin,
    createdAt: row.created_at,
    credentials: credentials.sort(
      (a, b) => compareCodeUnits(a.type, b.type) || compareCodeUnits(a.identity, b.identity),
    ),
    registrations,
    ...(row.version === undefined ? {} : { version: Number(row.version) }),
  };
}

/**
 * The versions of these developers' applications and registrations, by address: what a saved plan
 * that touches them recorded (apply/touched.ts).
 */
export async function readApplicationVersions(
  conn: Conn,
  emails: string[],
  chunkSize = 500,
): Promise<{ applications: Record<string, number>; registrations: Record<string, number> }> {
  const applications: Record<string, number> = {};
  const registrations: Record<string, number> = {};
  for (const chunk of chunks(emails, chunkSize)) {
    const rows = await conn
      .selectFrom('pf_applications')
      .innerJoin('pf_developers', 'pf_developers.id', 'pf_applications.developer_id')
      .leftJoin('pf_registrations', 'pf_registrations.application_id', 'pf_applications.id')
      .select([
        'pf_developers.email',
        'pf_applications.name',
        'pf_applications.version as application_version',
        'pf_registrations.api',
        'pf_registrations.version as registration_version',
      ])
      .where('pf_developers.email', 'in', chunk)
      .execute();
    for (const row of rows) {
      applications[applicationAddress(row.email, row.name)] = Number(row.application_version);
      if (row.api !== null)
        registrations[registrationAddress(row.email, row.name, row.api)] = Number(row.registration_version);
    }
  }
  return { applications, registrations };
}

/** Each of these applications' name by id. */
export async function applicationNames(conn: Conn, ids: string[], chunkSize = 500): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  for (const chunk of chunks(ids, chunkSize)) {
    const rows = await conn.selectFrom('pf_applications').select(['id', 'name']).where('id', 'in', chunk).execute();
    for (const row of rows) names.set(row.id, row.name);
  }
  return names;
}
