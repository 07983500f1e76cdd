// The checks of `removed` entries (docs/unmanaged.md) across the manifest set: an entry must not name what
// the manifests still declare (the error names both places), nor name one object twice.
import {
  CREDENTIAL_SPECS,
  developerAddress,
  credentialAddress,
  type CredentialType,
  type Diagnostic,
  type Location,
} from '../model.js';
import { badEmail, canonicalEmail, isValidEmail } from './email.js';
import { checkRemovedCredential } from './text-checks.js';
import { formatLocation } from './files.js';
import { locate, type PositionSource } from './positions.js';
import type { ManifestDeveloper, ManifestRemoved } from './schema.js';

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
    const [type, ...rest] = entry.credential?.split(':') ?? [];
    const identity = rest.join(':');
    const address = entry.credential
      ? credentialAddress(email, type as CredentialType, identity)
      : developerAddress(email);
    const first = seen.get(address);
    if (first) {
      diagnostics.push({
        severity: 'error',
        message: `${address} is named by two removed entries (first at ${formatLocation(first(), cwd)}); keep one`,
        location: where(),
      });
      continue;
    }
    seen.set(address, where);
    const developer = declared.get(email);
    if (!developer) continue;
    const declaredAt = entry.credential
      ? credentialPointer(developer, type as CredentialType, identity)
      : `/developers/${developer.index}`;
    if (declaredAt === null) continue;
    const there = formatLocation(locate(developer.doc.file, developer.doc.readPositions(), declaredAt), cwd);
    diagnostics.push({
      severity: 'error',
      message:
        `removed entry names ${address}, which the manifests still declare at ${there}; remove the declaration to ` +
        `delete or release it, or remove the removed entry to keep managing it`,
      location: where(),
    });
  }
  return diagnostics;
}

/** Where a declared developer's entry declares this credential; null when it does not. */
function credentialPointer(developer: Declared, type: CredentialType, identity: string): string | null {
  if (!(type in CREDENTIAL_SPECS)) return null;
  const credentials = developer.doc.developers.load()[developer.index]?.credentials ?? [];
  const field = CREDENTIAL_SPECS[type].identityField;
  const j = credentials.findIndex((c) => c.type === type && String((c as Record<string, unknown>)[field]) === identity);
  return j < 0 ? null : `/developers/${developer.index}/credentials/${j}`;
}
