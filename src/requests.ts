// `portalform requests`: the pending access requests (docs/unmanaged.md) — developers who signed up
// and wait for approval, and applications' registration requests to an API (docs/applications.md) —
// each with the entry that approves it, which is a reviewed manifest change. A sign-up that has not
// verified its address is listed too, apart: it is no request until it does, and a plan refuses to
// adopt it.
import { stringify } from 'yaml';
import { isValidEmail } from './manifest/email.js';
import { approvalEntry as approvalEntryOf, storedText } from './render/stored-text.js';
import { PortalformError } from './errors.js';
import { storeOf, type StateOptions } from './options.js';
import { type AccessRequestRow, hasLineage, readAccessRequests } from './store/access-requests.js';
import { APPLICATIONS_VERSION, MAIL_VERSION } from './store/schema.js';
import type { UnmanagedRow } from './store/types.js';
import { readUnmanaged } from './store/unmanaged-rows.js';
import { compareCodeUnits, quoteForMessage } from './util/strings.js';

export interface AccessRequest {
  email: string;
  fullName: string;
  /** False for a sign-up that has not proven its address: not a request yet. */
  emailVerified: boolean;
  createdAt: string;
  /** The manifest entry that approves the request, ready to paste under `developers:`. */
  manifest: string;
}

/** A pending registration of a developer's application to an API, which no manifest declares yet. */
export interface RegistrationRequest {
  email: string;
  application: string;
  api: string;
  createdAt: string;
  /** The developer entry that approves it (registrationApprovalEntry), ready to paste under `developers:`. */
  manifest: string;
}

export interface Requests {
  requests: AccessRequest[];
  registrations: RegistrationRequest[];
}

/**
 * The entry that approves a pending request. It leaves `fullName` out, so that the developer keeps
 * managing their own name once the entry is applied (docs/unmanaged.md, "Adopting").
 */
export function approvalEntry(email: string): string {
  return approvalEntryOf(email);
}

/** One registration to approve: which application of the developer, to which API. */
export interface RegistrationToApprove {
  application: string;
  api: string;
}

/**
 * The developer entry that approves registration requests (docs/applications.md), as YAML ready to paste
 * under `developers:`: `email`, and `applications` holding each application's `name` with its
 * registrations at `status: approved` — no description and no credentials, so the developer keeps
 * managing those. `declared` says the manifests already declare the developer: the entry then
 * carries no `status` (its `applications` are to be merged into that developer's entry); otherwise
 * it carries `status: approved`, which adopts the developer. `signUp` puts `status: approved` first
 * when the same entry also approves the developer's sign-up. Also shown by the console's
 * access-requests page.
 */
export function registrationApprovalEntry(
  email: string,
  registrations: readonly RegistrationToApprove[],
  options: { declared: boolean },
): string {
  if (!isValidEmail(email)) return approvalEntryOf(email);
  const applications = new Map<string, string[]>();
  for (const { application, api } of registrations)
    applications.set(application, [...(applications.get(application) ?? []), api]);
  const entry = {
    email,
    ...(options.declared ? {} : { status: 'approved' }),
    ...(applications.size === 0
      ? {}
      : {
          applications: [...applications].map(([name, apis]) => ({
            name,
            registrations: apis.map((api) => ({ api, status: 'approved' })),
          })),
        }),
  };
  return stringify([entry]).trimEnd();
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

/**
 * The pending registrations the manifests do not declare, oldest first, each with the entry that
 * approves it alone, from the state's unmanaged rows (as the plan lists them): a developer among
 * them is one the manifests do not declare.
 */
export function registrationRequestsOf(unmanaged: readonly UnmanagedRow[]): RegistrationRequest[] {
  const undeclared = undeclaredDevelopers(unmanaged);
  return unmanaged
    .filter((row) => row.api !== undefined && row.application !== undefined && row.status === 'pending')
    .map((row) => ({
      email: row.email,
      application: row.application!,
      api: row.api!,
      createdAt: row.createdAt,
      manifest: registrationApprovalEntry(row.email, [{ application: row.application!, api: row.api! }], {
        declared: !undeclared.has(row.email),
      }),
    }))
    .sort(
      (a, b) =>
        compareCodeUnits(a.createdAt, b.createdAt) ||
        compareCodeUnits(a.email, b.email) ||
        compareCodeUnits(a.application, b.application) ||
        compareCodeUnits(a.api, b.api),
    );
}

/** The developers the manifests do not declare: those among the unmanaged rows. */
function undeclaredDevelopers(unmanaged: readonly UnmanagedRow[]): Set<string> {
  return new Set(
    unmanaged.filter((row) => row.type === undefined && row.application === undefined).map((row) => row.email),
  );
}

export const UNVERIFIED_REASON =
  'has not verified their address: not an access request until they use the link mailed to them (a plan would refuse to adopt them)';

/** An unverified sign-up's entry for `--format manifest`: commented out, after the reason. */
export function commentedEntry(request: AccessRequest): string {
  const lines = request.manifest.split('\n').map((line) => `# ${line}`);
  return [`# ${storedText(request.email)} ${UNVERIFIED_REASON}`, ...lines].join('\n');
}

/**
 * `requests --format manifest`: one entry per developer, merging its requests, the developers with a
 * sign-up first (oldest first), then those with registration requests only (by their oldest); a
 * developer the manifests already declare gets a comment saying to merge the entry's
 * `applications` into its entry.
 */
export function mergedEntries(listed: Requests & { declared: ReadonlySet<string> }): string[] {
  const signUps = new Set(listed.requests.map((r) => r.email));
  const byDeveloper = new Map<string, RegistrationRequest[]>();
  for (const registration of listed.registrations)
    byDeveloper.set(registration.email, [...(byDeveloper.get(registration.email) ?? []), registration]);
  const signUpEntries = listed.requests.map((r) =>
    registrationApprovalEntry(r.email, byDeveloper.get(r.email) ?? [], { declared: false }),
  );
  const others = [...byDeveloper.keys()]
    .filter((email) => !signUps.has(email))
    .map((email) => {
      const declared = listed.declared.has(email);
      const entry = registrationApprovalEntry(email, byDeveloper.get(email)!, { declared });
      return declared && isValidEmail(email) ? `${mergeComment(email)}\n${entry}` : entry;
    });
  return [...signUpEntries, ...others];
}

function mergeComment(email: string): string {
  return (
    `# ${quoteForMessage(email, 'double', Number.POSITIVE_INFINITY)} is already declared in the manifests: ` +
    "merge this entry's applications into that developer's entry"
  );
}

/**
 * Unmanaged pending developers, oldest first, verified or not, and the pending registration requests;
 * `declared` the developers of those registrations that the manifests declare. Reads the
 * unmanaged rows only, never the whole state. Refuses a missing state.
 */
export async function listRequests(options: StateOptions = {}): Promise<Requests & { declared: ReadonlySet<string> }> {
  const store = storeOf(options);
  try {
    const opened = await store.openExisting();
    if (!opened || !(await hasLineage(opened.db)))
      throw new PortalformError(`no state at ${store.display}; run \`portalform apply\` first to create it`);
    const mail = opened.migrations.includes(MAIL_VERSION);
    const requests = (await readAccessRequests(opened.db, undefined, { mail })).map(accessRequestOf);
    const unmanaged = await readUnmanaged(opened.db, mail, opened.migrations.includes(APPLICATIONS_VERSION));
    const registrations = registrationRequestsOf(unmanaged);
    const undeclared = undeclaredDevelopers(unmanaged);
    const declared = new Set(registrations.map((r) => r.email).filter((email) => !undeclared.has(email)));
    return { requests, registrations, declared };
  } finally {
    await store.close();
  }
}
