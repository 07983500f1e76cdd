// What a load needs of each developer entry besides the entry itself: the set-wide checks (emails,
// credential types, unique values), the references to resolve and the content digest. The parse
// cache (fastpath/cache.ts) keeps a document's summary beside its values, so a plan after a small
// change reads the summaries of the unchanged files and parses the values only of the entries it
// diffs.
import { CREDENTIAL_SPECS, type CredentialType } from '../model.js';
import { developerContentDigests } from './content-digest.js';
import type { ManifestDeveloper, ManifestDocument } from './schema.js';

export interface EntrySummary {
  /** As written. */
  email: string;
  /** The entry's content digest (content-digest.ts). */
  digest: string;
  customId: string | null;
  /**
   * Each credential's type, in order: the developer's own, then each application's in turn. A
   * credential's index in this list (its flat index) is how claims, references and messages name it.
   */
  types: CredentialType[];
  /** The values of the credentials' unique fields that are not secrets: [credential index, value]. */
  claims: Array<[credential: number, value: string]>;
  /** Fields resolved on every run — secrets, and jwt public keys — as written, in resolution order. */
  references: WrittenReference[];
  /** Its applications, in order: what the checks of the set read of them. */
  applications: ApplicationSummary[];
}

/** An application: its name, how many credentials it holds, and the APIs its registrations name. */
export type ApplicationSummary = [name: string, credentials: number, apis: string[]];

/** A field whose value is resolved on every run: [credential index, field, what the manifest writes]. */
export type WrittenReference = [credential: number, field: string, written: unknown];

/** A document's summary: everything but its developers, and a summary of each developer entry. */
export interface DocumentSummary {
  rest: Omit<ManifestDocument, 'developers'>;
  entries: EntrySummary[];
}

export function summarizeDocument(manifest: ManifestDocument): DocumentSummary {
  const { developers = [], ...rest } = manifest;
  const contentDigests = developerContentDigests(manifest);
  return { rest, entries: developers.map((developer, i) => summarizeEntry(developer, contentDigests[i]!)) };
}

function summarizeEntry(developer: ManifestDeveloper, digest: string): EntrySummary {
  const applications = developer.applications ?? [];
  const own = developer.credentials ?? [];
  // (Most entries have no application: their own list is used as it is.)
  const credentials = applications.length === 0 ? own : [...own, ...applications.flatMap((a) => a.credentials ?? [])];
  const claims: EntrySummary['claims'] = [];
  const references: WrittenReference[] = [];
  credentials.forEach((credential, i) => {
    const fields = credential as Record<string, unknown>;
    const spec = CREDENTIAL_SPECS[credential.type];
    const unique = spec.uniqueField === undefined ? undefined : fields[spec.uniqueField];
    if (typeof unique === 'string' && !spec.secretFields.includes(spec.uniqueField!)) claims.push([i, unique]);
    for (const field of spec.secretFields) if (fields[field] !== undefined) references.push([i, field, fields[field]]);
    if (credential.type === 'jwt' && credential.rsaPublicKey !== undefined)
      references.push([i, 'rsaPublicKey', credential.rsaPublicKey]);
  });
  return {
    email: developer.email,
    digest,
    customId: developer.customId ?? null,
    types: credentials.map((c) => c.type),
    claims,
    references,
    applications: applications.map(
      (a): ApplicationSummary => [a.name, a.credentials?.length ?? 0, (a.registrations ?? []).map((r) => r.api)],
    ),
  };
}

/** Where a credential is written: its owner (an application's index, or none for the developer's own) and its index there. */
export interface CredentialSlot {
  application?: number;
  index: number;
}

/** The slot of the credential at flat index `i` (see `EntrySummary.types`). */
export function credentialSlot(entry: Pick<EntrySummary, 'types' | 'applications'>, i: number): CredentialSlot {
  let start = entry.types.length;
  for (const [, count] of entry.applications) start -= count;
  if (i < start) return { index: i };
  for (const [application, [, count]] of entry.applications.entries()) {
    if (i < start + count) return { application, index: i - start };
    start += count;
  }
  return { index: i };
}

/** The JSON pointer, below its developer entry, of the credential at flat index `i`. */
export function credentialPointer(entry: Pick<EntrySummary, 'types' | 'applications'>, i: number): string {
  const slot = credentialSlot(entry, i);
  return slot.application === undefined
    ? `/credentials/${slot.index}`
    : `/applications/${slot.application}/credentials/${slot.index}`;
}
