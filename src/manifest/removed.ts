// The checks of `removed` entries (docs/unmanaged.md) across the manifest set: an entry takes one of
// the forms of docs/unmanaged.md, must not name what the manifests still declare (the error names
// both places), nor name one object twice. A registration's API need not be declared.
import {
  CREDENTIAL_SPECS,
  applicationAddress,
  developerAddress,
  credentialAddress,
  registrationAddress,
  type CredentialType,
  type Diagnostic,
  type Location,
} from '../model.js';
import { badEmail, canonicalEmail, isValidEmail } from './email.js';
import { checkRemovedCredential } from './text-checks.js';
import { formatLocation } from './files.js';
import { locate, type PositionSource } from './positions.js';
import type { ManifestCredential, ManifestDeveloper, ManifestRemoved } from './schema.js';

/** What these checks read of a document (validate.ts's SourcedDocument). */
interface RemovingDocument {
  file: string;
  fields: { removed?: ManifestRemoved[] };
  readPositions(): PositionSource;
  developers: { load(): ManifestDeveloper[] };
}

interface Declared {
  doc: RemovingDocument;
  index: number;
  /** Lower-case. */
  email: string;
}

export function checkRemoved(docs: RemovingDocument[], developers: readonly Declared[], cwd: string): Diagnostic[] {
  const entries = docs.flatMap((doc) => (doc.fields.removed ?? []).map((entry, i) => ({ doc, i, entry })));
  if (entries.length === 0) return [];
  const declared = new Map<string, Declared>();
  for (const developer of developers) if (!declared.has(developer.email)) declared.set(developer.email, developer);
  const diagnostics: Diagnostic[] = [];
  const seen = new Map<string, () => Location>();
  for (const { doc, i, entry } of entries) {
    const where = () => locate(doc.file, doc.readPositions(), `/removed/${i}`);
    const email = canonicalEmail(entry.developer);
    if (!isValidEmail(email)) {
      diagnostics.push({
        severity: 'error',
        message: badEmail(entry.developer),
        location: locate(doc.file, doc.readPositions(), `/removed/${i}/developer`),
      });
      continue;
    }
    const refused = checkRemovedCredential(doc, `/removed/${i}/credential`, entry.credential);
    if (refused.length > 0) {
      diagnostics.push(...refused);
      continue;
    }
    const form = formProblem(entry);
    if (form) diagnostics.push({ severity: 'error', message: form, location: where() });
    if (entry.registration !== undefined && entry.application === undefined) continue;
    const named = namedObject(email, entry);
    const first = seen.get(named.address);
    if (first) {
      diagnostics.push({
        severity: 'error',
        message: `${named.address} is named by two removed entries (first at ${formatLocation(first(), cwd)}); keep one`,
        location: where(),
      });
      continue;
    }
    seen.set(named.address, where);
    const developer = declared.get(email);
    const declaredAt = developer && declaredPointer(developer, entry, named.credential);
    if (!developer || !declaredAt) continue;
    const there = formatLocation(locate(developer.doc.file, developer.doc.readPositions(), declaredAt), cwd);
    diagnostics.push({
      severity: 'error',
      message:
        `removed entry names ${named.address}, which the manifests still declare at ${there}; remove the declaration to ` +
        `delete or release it, or remove the removed entry to keep managing it`,
      location: where(),
    });
  }
  return diagnostics;
}

/** The forms an entry may take (docs/unmanaged.md); a message for any other combination. */
const FORMS = new Set([
  '',
  'keep',
  'credential',
  'application',
  'application keep',
  'application credential',
  'application registration',
]);

function formProblem(entry: ManifestRemoved): string | undefined {
  const given = (['application', 'credential', 'registration', 'keep'] as const).filter((key) =>
    key === 'keep' ? entry.keep === true : entry[key] !== undefined,
  );
  if (FORMS.has(given.join(' '))) return undefined;
  return (
    `a removed entry with ${['developer', ...given].join(', ')} is not one of its forms: {developer}, ` +
    '{developer, keep: true}, {developer, credential}, {developer, application}, {developer, application, keep: true}, ' +
    '{developer, application, credential}, {developer, application, registration}'
  );
}

/** The address of what an entry names, and the credential it names, if one. */
function namedObject(
  email: string,
  entry: ManifestRemoved,
): { address: string; credential?: { type: CredentialType; identity: string } } {
  const [type, ...rest] = entry.credential?.split(':') ?? [];
  const credential = entry.credential ? { type: type as CredentialType, identity: rest.join(':') } : undefined;
  const { application, registration } = entry;
  if (credential)
    return { address: credentialAddress(email, credential.type, credential.identity, application), credential };
  if (application === undefined) return { address: developerAddress(email) };
  if (registration !== undefined) return { address: registrationAddress(email, application, registration) };
  return { address: applicationAddress(email, application) };
}

/** Where the manifests declare what an entry names, if they do. */
function declaredPointer(
  developer: Declared,
  entry: ManifestRemoved,
  credential: { type: CredentialType; identity: string } | undefined,
): string | null {
  const written = developer.doc.developers.load()[developer.index];
  const owner = `/developers/${developer.index}`;
  if (entry.application === undefined)
    return credential ? credentialIn(written?.credentials, credential, owner) : owner;
  const j = (written?.applications ?? []).findIndex((a) => a.name === entry.application);
  if (j < 0) return null;
  const application = written!.applications![j]!;
  const pointer = `${owner}/applications/${j}`;
  if (credential) return credentialIn(application.credentials, credential, pointer);
  if (entry.registration === undefined) return pointer;
  const k = (application.registrations ?? []).findIndex((r) => r.api === entry.registration);
  return k < 0 ? null : `${pointer}/registrations/${k}`;
}

/** Where an owner (`pointer`) declares this credential; null when it does not. */
function credentialIn(
  credentials: readonly ManifestCredential[] | undefined,
  { type, identity }: { type: CredentialType; identity: string },
  pointer: string,
): string | null {
  if (!(type in CREDENTIAL_SPECS)) return null;
  const field = CREDENTIAL_SPECS[type].identityField;
  const j = (credentials ?? []).findIndex(
    (c) => c.type === type && String((c as Record<string, unknown>)[field]) === identity,
  );
  return j < 0 ? null : `${pointer}/credentials/${j}`;
}
