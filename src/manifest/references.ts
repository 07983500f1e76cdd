// Resolves the references of a manifest set: secrets (`fromEnv`, `fromFile`, literal) and jwt
// public keys given `{ fromFile }`. Resolved on every run, never cached.
import type { CredentialType, Diagnostic, ResolvedSecret } from '../model.js';
import { locate } from './positions.js';
import type { SecretRef } from './schema.js';
import { credentialPointer } from './summary.js';
import { resolvePublicKey, resolveSecret, type ReferenceSite, type SecretContext } from './secrets.js';
import type { SourcedDocument } from './validate.js';

/** A resolved reference in one credential field. */
export interface Reference {
  /** The credential's flat index in its developer entry (summary.ts: its own, then its applications'). */
  credential: number;
  type: CredentialType;
  field: string;
  secret?: ResolvedSecret;
  publicKey?: string;
}

/** The resolved references of one document: for each developer, its references in manifest order. */
export type DocumentReferences = Array<Reference[] | undefined>;

export function resolveReferences(
  doc: SourcedDocument,
  ctx: SecretContext,
  withSecrets: boolean,
  diagnostics: Diagnostic[],
): DocumentReferences {
  const references: DocumentReferences = [];
  doc.entries.forEach((entry, i) => {
    const found: Reference[] = [];
    for (const [credential, field, written] of entry.references) {
      const type = entry.types[credential]!;
      const site = siteOf(doc, () => `/developers/${i}${credentialPointer(entry, credential)}/${field}`);
      if (type === 'jwt' && field === 'rsaPublicKey') {
        const resolution = resolvePublicKey(written as string | { fromFile: string }, site, ctx);
        if (resolution.diagnostic) diagnostics.push(resolution.diagnostic);
        if (resolution.value !== undefined) found.push({ credential, type, field, publicKey: resolution.value });
      } else if (withSecrets) {
        const resolution = resolveSecret(written as SecretRef, site, ctx);
        if (resolution.diagnostic) diagnostics.push(resolution.diagnostic);
        if (resolution.value) found.push({ credential, type, field, secret: resolution.value });
      }
    }
    if (found.length > 0) references[i] = found;
  });
  return references;
}

/** The resolved reference in one credential field, if any. */
export function referenceOf(
  references: Reference[] | undefined,
  credential: number,
  field: string,
): Reference | undefined {
  return references?.find((r) => r.credential === credential && r.field === field);
}

function siteOf(doc: SourcedDocument, pointer: () => string): ReferenceSite {
  return { file: doc.file, locate: () => locate(doc.file, doc.readPositions(), pointer()) };
}
