// `portalform requests`: the pending access requests (docs/unmanaged.md) — developers who signed up
// and wait for approval, which is a reviewed manifest change — each with the entry that approves it.
// A sign-up that has not verified its address is listed too, apart: it is no request until it
// does, and a plan refuses to adopt it.
import { approvalEntry as approvalEntryOf, storedText } from './render/stored-text.js';
import { PortalformError } from './errors.js';
import { storeOf, type StateOptions } from './options.js';
import { type AccessRequestRow, hasLineage, readAccessRequests } from './store/access-requests.js';
import { MAIL_VERSION } from './store/schema.js';

export interface AccessRequest {
  email: string;
  fullName: string;
  /** False for a sign-up that has not proven its address: not a request yet. */
  emailVerified: boolean;
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
  return {
    email: row.email,
    fullName: row.full_name,
    emailVerified: row.email_verified,
    createdAt: row.created_at,
    manifest: approvalEntry(row.email),
  };
}

export const UNVERIFIED_REASON =
  'has not verified their address: not an access request until they use the link mailed to them (a plan would refuse to adopt them)';

/** An unverified sign-up's entry for `--format manifest`: commented out, after the reason. */
export function commentedEntry(request: AccessRequest): string {
  const lines = request.manifest.split('\n').map((line) => `# ${line}`);
  return [`# ${storedText(request.email)} ${UNVERIFIED_REASON}`, ...lines].join('\n');
}

/** Unmanaged pending developers, oldest first, verified or not; refuses a missing state. */
export async function listRequests(options: StateOptions = {}): Promise<{ requests: AccessRequest[] }> {
  const store = storeOf(options);
  try {
    const opened = await store.openExisting();
    if (!opened || !(await hasLineage(opened.db)))
      throw new PortalformError(`no state at ${store.display}; run \`portalform apply\` first to create it`);
    const mail = opened.migrations.includes(MAIL_VERSION);
    return { requests: (await readAccessRequests(opened.db, undefined, { mail })).map(accessRequestOf) };
  } finally {
    await store.close();
  }
}
