// The reads of AccessReads on the state: one indexed probe of the credentials by type and unique
// value, then the owner's acl groups or the application's approved registrations. A read that
// fails for any reason is StateUnreadable: the check answers 503, never a guess.
import type { PortalSettings } from '../model.js';
import { portalSettingsFromMeta } from '../portal-settings.js';
import { accessApis, accessCredential, aclGroupsOf, approvedApisOf } from '../store/access-rows.js';
import type { Conn } from '../store/backend.js';
import { readMeta } from '../store/meta.js';
import type { AccessCredential, AccessReads } from './state-cache.js';

export class StateUnreadable extends Error {}

async function guarded<T>(what: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    throw new StateUnreadable(`the state could not be read (${what}): ${(error as Error).message}`);
  }
}

export function stateReads(conn: Conn): AccessReads {
  return {
    settings: (): Promise<PortalSettings> =>
      guarded('settings', async () => portalSettingsFromMeta(await readMeta(conn))),
    apis: () =>
      guarded('APIs', async () => {
        const rows = await accessApis(conn);
        return new Map(rows.map((row) => [row.name, JSON.parse(row.aclGroups) as string[]]));
      }),
    credential: (type, uniqueValue) => guarded('credential', () => readCredential(conn, type, uniqueValue)),
  };
}

async function readCredential(conn: Conn, type: string, uniqueValue: string): Promise<AccessCredential | null> {
  const row = await accessCredential(conn, type, uniqueValue);
  if (!row) return null;
  const [groups, approvedApis] = await Promise.all([
    aclGroupsOf(conn, row.developerId),
    row.applicationId ? approvedApisOf(conn, row.applicationId) : Promise.resolve([]),
  ]);
  return {
    id: row.id,
    type: row.type,
    identity: row.identity,
    fields: JSON.parse(row.fields) as Record<string, unknown>,
    secrets: JSON.parse(row.secrets) as AccessCredential['secrets'],
    active: Boolean(row.active),
    developer: { id: row.developerId, email: row.email, status: row.status, customId: row.customId, groups },
    application:
      row.applicationId && row.applicationName
        ? { id: row.applicationId, name: row.applicationName, approvedApis }
        : null,
    memo: {},
  };
}
