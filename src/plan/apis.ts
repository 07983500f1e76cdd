// The APIs the manifests declare against the stored ones (docs/applications.md): creations,
// updates, `moved` renames, and deletions, each of which takes every registration to the API along,
// a step for each. Only manifests declare APIs: a stored API the manifests drop is deleted.
import { apiAddress, type DesiredApi, type DesiredState, type Diagnostic } from '../model.js';
import type { StateSnapshot, StoredApi, StoredDeveloper } from '../store/types.js';
import { deleteRegistration } from './changes.js';
import { sameJson } from './same-json.js';
import type { ApiAttributes, Change } from './types.js';

export interface ApiDiff {
  changes: Change[];
  /** New name by old, of each API `moved` renames. */
  renames: Map<string, string>;
  /** The APIs the plan deletes (dropped, or replaced), by their new name. */
  gone: Set<string>;
}

export function diffApis(
  desired: DesiredState,
  state: StateSnapshot,
  replace: ReadonlySet<string>,
  errors: Diagnostic[],
): ApiDiff {
  const result: ApiDiff = { changes: [], renames: new Map(), gone: new Set() };
  const stored = new Map((state.apis ?? []).map((api) => [api.name, api]));
  for (const move of desired.moved) {
    if (move.kind !== 'api') continue;
    const source = stored.get(move.from);
    if (!source) continue; // already moved, or never existed: nothing to do
    if (stored.has(move.to)) {
      errors.push({
        severity: 'error',
        location: move.location,
        message:
          `cannot move ${apiAddress(move.from)} to ${apiAddress(move.to)}: both exist in the state; ` +
          `remove the moved entry or delete one of them`,
      });
      continue;
    }
    result.changes.push({
      address: apiAddress(move.to),
      kind: 'api',
      op: 'move',
      before: { name: move.from },
      after: { name: move.to },
      action: { do: 'api.move', from: move.from, to: move.to },
    });
    result.renames.set(move.from, move.to);
    stored.delete(move.from);
    stored.set(move.to, { ...source, name: move.to });
  }
  for (const api of desired.apis ?? []) {
    const current = stored.get(api.name);
    stored.delete(api.name);
    const replaced = current !== undefined && replace.has(apiAddress(api.name));
    if (replaced) {
      result.changes.push(deleteApi(current, true));
      result.gone.add(api.name);
    }
    if (!current || replaced) result.changes.push(createApi(api, replaced));
    else {
      const update = updateApi(api, current);
      if (update) result.changes.push(update);
    }
  }
  for (const leftover of stored.values()) {
    result.changes.push(deleteApi(leftover, false));
    result.gone.add(leftover.name);
  }
  return result;
}

/**
 * A deletion step for every registration to a deleted API: those of the developers the plan read,
 * and the self-made ones of developers it left unread as matching the manifests (whose managed
 * registrations name declared APIs only).
 */
export function registrationsGone(
  gone: ReadonlySet<string>,
  renames: ReadonlyMap<string, string>,
  developers: ReadonlyMap<string, StoredDeveloper>,
  state: StateSnapshot,
): Change[] {
  if (gone.size === 0) return [];
  const changes: Change[] = [];
  for (const developer of developers.values()) {
    for (const application of developer.applications ?? []) {
      for (const registration of application.registrations) {
        const api = renames.get(registration.api) ?? registration.api;
        if (gone.has(api))
          changes.push(deleteRegistration(developer.email, application.name, { ...registration, api }, false));
      }
    }
  }
  for (const row of state.unmanaged ?? []) {
    if (row.application === undefined || row.api === undefined || developers.has(row.email)) continue;
    const api = renames.get(row.api) ?? row.api;
    if (gone.has(api))
      changes.push(deleteRegistration(row.email, row.application, { api, status: row.status ?? 'pending' }, false));
  }
  return changes;
}

export function apiView(api: ApiAttributes): Record<string, unknown> {
  return {
    name: api.name,
    title: api.title,
    description: api.description,
    autoApproveRegistrations: api.autoApproveRegistrations,
    aclGroups: api.aclGroups,
  };
}

function attributesOf(api: DesiredApi | StoredApi): ApiAttributes {
  const { name, title, description, autoApproveRegistrations, aclGroups } = api;
  return { name, title, description, autoApproveRegistrations, aclGroups };
}

function createApi(api: DesiredApi, replace: boolean): Change {
  const attributes = attributesOf(api);
  return {
    address: apiAddress(api.name),
    kind: 'api',
    op: 'create',
    before: null,
    after: apiView(attributes),
    ...(replace ? { replace: true as const } : {}),
    action: { do: 'api.create', api: attributes },
  };
}

function updateApi(api: DesiredApi, current: StoredApi): Change | null {
  const wanted = attributesOf(api);
  const set: Partial<Omit<ApiAttributes, 'name'>> = {};
  if (wanted.title !== current.title) set.title = wanted.title;
  if (wanted.description !== current.description) set.description = wanted.description;
  if (wanted.autoApproveRegistrations !== current.autoApproveRegistrations)
    set.autoApproveRegistrations = wanted.autoApproveRegistrations;
  if (!sameJson(wanted.aclGroups, current.aclGroups)) set.aclGroups = wanted.aclGroups;
  if (Object.keys(set).length === 0) return null;
  return {
    address: apiAddress(api.name),
    kind: 'api',
    op: 'update',
    before: apiView(attributesOf(current)),
    after: apiView(wanted),
    action: { do: 'api.update', name: api.name, set },
  };
}

function deleteApi(api: StoredApi, replace: boolean): Change {
  return {
    address: apiAddress(api.name),
    kind: 'api',
    op: 'delete',
    before: apiView(attributesOf(api)),
    after: null,
    ...(replace ? { replace: true as const } : {}),
    action: { do: 'api.delete', name: api.name },
  };
}
