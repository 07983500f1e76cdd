// The rows of pf_registrations (docs/applications.md): an application's registration to an API.
// Apply writes them through the state writer (writer.ts).
import type { Status } from '../model.js';
import { chunks } from '../util/chunks.js';
import { compareCodeUnits } from '../util/strings.js';
import type { Conn } from './backend.js';
import type { RegistrationTable } from './schema.js';
import type { Origin, StoredRegistration } from './types.js';

export interface RegistrationRowInput {
  id: string;
  applicationId: string;
  api: string;
  status: Status;
  origin: Origin;
}

export function registrationRow(r: RegistrationRowInput, now: string): RegistrationTable {
  return {
    id: r.id,
    application_id: r.applicationId,
    api: r.api,
    status: r.status,
    origin: r.origin,
    created_at: now,
    updated_at: now,
  };
}

export function registrationChanges(
  set: { status?: Status; origin?: Origin },
  now: string,
): Partial<RegistrationTable> {
  return {
    updated_at: now,
    ...(set.status !== undefined ? { status: set.status } : {}),
    ...(set.origin !== undefined ? { origin: set.origin } : {}),
  };
}

function toRegistration(row: RegistrationTable): StoredRegistration {
  return {
    id: row.id,
    applicationId: row.application_id,
    api: row.api,
    status: row.status as Status,
    origin: row.origin as Origin,
    createdAt: row.created_at,
    ...(row.version === undefined ? {} : { version: Number(row.version) }),
  };
}

/** The registrations of these applications (null: every one), by API name within each application. */
export async function readRegistrations(
  conn: Conn,
  applicationIds: string[] | null,
  chunkSize: number,
): Promise<Map<string, StoredRegistration[]>> {
  const rows: RegistrationTable[] = [];
  if (applicationIds === null) rows.push(...(await conn.selectFrom('pf_registrations').selectAll().execute()));
  else {
    for (const chunk of chunks(applicationIds, chunkSize)) {
      rows.push(
        ...(await conn.selectFrom('pf_registrations').selectAll().where('application_id', 'in', chunk).execute()),
      );
    }
  }
  const byApplication = new Map<string, StoredRegistration[]>();
  for (const row of rows) {
    const list = byApplication.get(row.application_id) ?? [];
    list.push(toRegistration(row));
    byApplication.set(row.application_id, list);
  }
  for (const list of byApplication.values()) list.sort((a, b) => compareCodeUnits(a.api, b.api));
  return byApplication;
}
