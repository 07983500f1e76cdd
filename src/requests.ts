// `portalform requests`: the pending access requests (docs/unmanaged.md) — developers who signed up
// and wait for approval, which is a reviewed manifest change — each with the entry that approves it.
import { approvalEntry as approvalEntryOf } from './render/stored-text.js';
import { PortalformError } from './errors.js';
import { storeOf, type StateOptions } from './options.js';
import { type AccessRequestRow, hasLineage, readAccessRequests } from './store/access-requests.js';

export interface AccessRequest {
  email: string;
  fullName: string;
  createdAt: string;
  /** The manifest entry that approves the request, ready to paste under `developers:`. */
  manifest: string;
}

/**
 * The entry that approves a pending request. It leaves `fullName` out, so that the developer keeps
 * managing their own name once the entry is applied (docs/unmanaged.md, "Adopting").
 */
export function approvalEntry(email: string): string {
  return approvalEntryOf(email);
}

export function accessRequestOf(row: AccessRequestRow): AccessRequest {
  return { email: row.email, fullName: row.full_name, createdAt: row.created_at, manifest: approvalEntry(row.email) };
}

/** Unmanaged pending developers, oldest first; refuses a missing state. */
export async function listRequests(options: StateOptions = {}): Promise<{ requests: AccessRequest[] }> {
  const store = storeOf(options);
  try {
    const opened = await store.openExisting();
    if (!opened || !(await hasLineage(opened.db)))
      throw new PortalformError(`no state at ${store.display}; run \`portalform apply\` first to create it`);
    return { requests: (await readAccessRequests(opened.db)).map(accessRequestOf) };
  } finally {
    await store.close();
  }
}
