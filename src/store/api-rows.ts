// The rows of pf_apis (docs/applications.md): the APIs the manifests declare. Only apply writes
// them, through the state writer (writer.ts); the portal service reads them.
import { compareCodeUnits } from '../util/strings.js';
import type { Conn } from './backend.js';
import type { ApiTable } from './schema.js';
import type { StoredApi } from './types.js';

export type ApiRowInput = Omit<StoredApi, 'createdAt'>;

/** What an update of an API may set (the plan's ApiAttributes but the name). */
export type ApiChanges = Partial<Omit<StoredApi, 'name' | 'createdAt'>>;

export function apiRow(r: ApiRowInput, now: string): ApiTable {
  return {
    name: r.name,
    title: r.title,
    description: r.description,
    auto_approve_registrations: booleanColumn(r.autoApproveRegistrations),
    acl_groups: JSON.stringify(r.aclGroups),
    created_at: now,
    updated_at: now,
  };
}

/** The columns an update of these attributes sets. */
export function apiChanges(set: ApiChanges, now: string): Partial<ApiTable> {
  const row: Partial<ApiTable> = { updated_at: now };
  if (set.title !== undefined) row.title = set.title;
  if (set.description !== undefined) row.description = set.description;
  if (set.autoApproveRegistrations !== undefined)
    row.auto_approve_registrations = booleanColumn(set.autoApproveRegistrations);
  if (set.aclGroups !== undefined) row.acl_groups = JSON.stringify(set.aclGroups);
  return row;
}

function booleanColumn(value: boolean | null): number | null {
  return value === null ? null : value ? 1 : 0;
}

export function toApi(row: ApiTable): StoredApi {
  return {
    name: row.name,
    title: row.title,
    description: row.description,
    autoApproveRegistrations:
      row.auto_approve_registrations === null ? null : Number(row.auto_approve_registrations) !== 0,
    aclGroups: JSON.parse(row.acl_groups),
    createdAt: row.created_at,
  };
}

/** Every API, by name in code-unit order. */
export async function readApis(conn: Conn): Promise<StoredApi[]> {
  const rows = await conn.selectFrom('pf_apis').selectAll().execute();
  return rows.map(toApi).sort((a, b) => compareCodeUnits(a.name, b.name));
}

/** The API with this name, if declared. */
export async function apiNamed(conn: Conn, name: string): Promise<StoredApi | undefined> {
  const row = await conn.selectFrom('pf_apis').selectAll().where('name', '=', name).executeTakeFirst();
  return row ? toApi(row) : undefined;
}
