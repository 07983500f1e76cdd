// Resolves the references of a manifest set: secrets (`fromEnv`, `fromFile`, literal) and jwt
// public keys given `{ fromFile }`. Resolved on every run, never cached.
import { CREDENTIAL_SPECS, type CredentialType, type Diagnostic, type ResolvedSecret } from '../model.js';
import { locate } from './parse.js';
import type { ManifestCredential, SecretRef } from './schema.js';
import { resolvePublicKey, resolveSecret, type ReferenceSite, type SecretContext } from './secrets.js';
import type { SourcedDocument } from './validate.js';

/** A resolved reference in one credential field. */
export interface Reference {
  /** The credential's index in its developer's list. */
  credential: number;
  type: CredentialType;
  field: string;
  secret?: ResolvedSecret;
  publicKey?: string;
}

/** The resolved references of one document: for each developer, its references in manifest order. */
export type DocumentReferences = Array<Reference[] | undefined>;

export function resolveReferences(doc: SourcedDocument, ctx: SecretContext, withSecrets: boolean, diagnostics: Diagnostic[]): DocumentReferences {
  const references: DocumentReferences = [];
  (doc.manifest.developers ?? []).forEach((developer, i) => {
    const found: Reference[] = [];
    (developer.credentials ?? []).forEach((credential, j) => resolveCredential(doc, `/developers/${i}/credentials/${j}`, credential, j, found));
    if (found.length > 0) references[i] = found;
  });
  return references;

  function resolveCredential(doc: SourcedDocument, pointer: string, credential: ManifestCredential, index: number, found: Reference[]): void {
    const fields = credential as Record<string, unknown>;
    if (withSecrets) {
      for (const field of CREDENTIAL_SPECS[credential.type].secretFields) {
        if (fields[field] === undefined) continue;
        const resolution = resolveSecret(fields[field] as SecretRef, siteOf(doc, `${pointer}/${field}`), ctx);
        if (resolution.diagnostic) diagnostics.push(resolution.diagnostic);
        if (resolution.value) found.push({ credential: index, type: credential.type, field, secret: resolution.value });
      }
    }
    if (credential.type === 'jwt' && credential.rsaPublicKey !== undefined) {
      const resolution = resolvePublicKey(credential.rsaPublicKey, siteOf(doc, `${pointer}/rsaPublicKey`), ctx);
      if (resolution.diagnostic) diagnostics.push(resolution.diagnostic);
      if (resolution.value !== undefined) found.push({ credential: index, type: credential.type, field: 'rsaPublicKey', publicKey: resolution.value });
    }
  }
}

/** The resolved reference in one credential field, if any. */
export function referenceOf(references: Reference[] | undefined, credential: number, field: string): Reference | undefined {
  return references?.find((r) => r.credential === credential && r.field === field);
}

function siteOf(doc: SourcedDocument, pointer: string): ReferenceSite {
  return { file: doc.file, locate: () => locate(doc.file, doc.parsed, pointer) };
}
