// `portalform requests`: the pending access requests (SPEC §8) — developers who signed up and wait
// for approval, which is a reviewed manifest change — each with the entry that approves it.
import { approvalEntry } from './console/read-model.js';
import { PortalformError } from './errors.js';
import { storeOf, type StateOptions } from './options.js';
import { readAccessRequests } from './store/read.js';

export interface AccessRequest {
  email: string;
  fullName: string;
  createdAt: string;
  /** The manifest entry that approves the request, ready to paste under `developers:`. */
  manifest: string;
}

/** Unmanaged pending developers, oldest first; refuses a missing state. */
export async function listRequests(options: StateOptions = {}): Promise<{ requests: AccessRequest[] }> {
  const store = storeOf(options);
  try {
    const opened = await store.openExisting();
    const lineage =
      opened && (await opened.db.selectFrom('pf_meta').select('value').where('key', '=', 'lineage').executeTakeFirst());
    if (!opened || !lineage)
      throw new PortalformError(`no state at ${store.display}; run \`portalform apply\` first to create it`);
    const rows = await readAccessRequests(opened.db);
    return {
      requests: rows.map((r) => ({
        email: r.email,
        fullName: r.full_name,
        createdAt: r.created_at,
        manifest: approvalEntry(r.email, r.full_name),
      })),
    };
  } finally {
    await store.close();
  }
}
