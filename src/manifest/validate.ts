// The checks of the manifest set as a whole, beyond what the JSON Schema can say. Every problem is
// reported; none stops the others.
import { CREDENTIAL_SPECS, CREDENTIAL_TYPES } from '../model.js';
import type { CredentialType, Diagnostic, Location } from '../model.js';
import { formatLocation, shown } from './files.js';
import { locate } from './parse.js';
import type { ParsedDocument } from './parse.js';
import type { ManifestCredential, ManifestDeveloper, ManifestDocument } from './schema.js';

/** A document that passed the schema. */
export interface SourcedDocument {
  file: string;
  parsed: ParsedDocument;
  manifest: ManifestDocument;
}

export interface ValidationContext {
  /** Paths in messages are relative to it. */
  cwd: string;
  /** The resolved value of the secret at `pointer`, when known. */
  secretValue(doc: SourcedDocument, pointer: string): string | undefined;
}

interface Sourced<T> {
  doc: SourcedDocument;
  pointer: string;
  value: T;
}

/** Algorithms that verify with a public key; Kong requires rsa_public_key for all of them. */
const PUBLIC_KEY_ALGORITHM = /^(RS|PS|ES)\d+$|^EdDSA$/;

export function validateManifestSet(docs: SourcedDocument[], ctx: ValidationContext): Diagnostic[] {
  const developers = docs.flatMap((doc) =>
    (doc.manifest.developers ?? []).map((value, i): Sourced<ManifestDeveloper> => ({ doc, pointer: `/developers/${i}`, value })),
  );
  const enabled = enabledCredentialTypes(docs, ctx);
  return [
    ...enabled.diagnostics,
    ...checkDevelopers(developers, ctx),
    ...developers.flatMap((developer) => checkCredentials(developer, enabled, ctx)),
    // A developer declared twice is reported once; its second declaration would only repeat that.
    ...checkUniqueValues(firstDeclarations(developers), ctx),
    ...checkMoved(docs, developers, ctx),
  ];
}

function isValidEmail(email: string): boolean {
  const parts = email.split('@');
  if (parts.length !== 2 || email.length > 254) return false;
  const [local, domain] = parts;
  const localOk = /^[^\s\p{Cc}"(),:;<>[\\\]]{1,64}$/u.test(local) && !/^\.|\.$|\.\./.test(local);
  const labels = domain.split('.');
  const labelOk = (label: string) => /^[\p{L}\p{N}\p{M}](?:[\p{L}\p{N}\p{M}-]{0,61}[\p{L}\p{N}\p{M}])?$/u.test(label);
  return localOk && labels.length >= 2 && labels.every(labelOk) && !/^\d+$/.test(labels[labels.length - 1]);
}

function quoted(value: string): string {
  return JSON.stringify(shown(value));
}

function firstDeclarations(developers: Sourced<ManifestDeveloper>[]): Sourced<ManifestDeveloper>[] {
  const seen = new Set<string>();
  return developers.filter(({ value }) => {
    const email = value.email.toLowerCase();
    if (seen.has(email)) return false;
    seen.add(email);
    return true;
  });
}

function at(doc: SourcedDocument, pointer: string, part: 'key' | 'value' = 'value'): Location {
  return locate(doc.file, doc.parsed, pointer, part);
}

function error(message: string, location: Location): Diagnostic {
  return { severity: 'error', message, location };
}

interface EnabledTypes {
  types: ReadonlySet<CredentialType>;
  /** Where `portal` is written, when it is. */
  declaredAt?: Location;
  diagnostics: Diagnostic[];
}

function enabledCredentialTypes(docs: SourcedDocument[], ctx: ValidationContext): EnabledTypes {
  const portals = docs.filter((doc) => doc.manifest.portal);
  if (portals.length === 0) return { types: new Set(CREDENTIAL_TYPES), diagnostics: [] };
  const [first, ...others] = portals;
  const declaredAt = at(first, '/portal', 'key');
  const diagnostics = others.map((doc) =>
    error(`a second \`portal\` block; only one document of the manifest set may carry it (the first is at ${formatLocation(declaredAt, ctx.cwd)})`, at(doc, '/portal', 'key')),
  );
  const types = new Set(first.manifest.portal?.credentialTypes ?? CREDENTIAL_TYPES);
  return { types, declaredAt, diagnostics };
}

function checkDevelopers(developers: Sourced<ManifestDeveloper>[], ctx: ValidationContext): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  // Locations are looked up only for a message: a large valid set needs none.
  const emailAt = ({ doc, pointer }: Sourced<unknown>) => at(doc, `${pointer}/email`);
  const seen = new Map<string, Sourced<ManifestDeveloper>>();
  for (const developer of developers) {
    const { value } = developer;
    if (!isValidEmail(value.email)) diagnostics.push(error(badEmail(value.email), emailAt(developer)));
    const email = value.email.toLowerCase();
    const first = seen.get(email);
    if (first) {
      diagnostics.push(error(`developer ${shown(email)} is declared twice (also at ${formatLocation(emailAt(first), ctx.cwd)}); emails are compared case-insensitively`, emailAt(developer)));
    } else {
      seen.set(email, developer);
    }
  }
  return diagnostics;
}

function badEmail(email: string): string {
  return `${quoted(email)} is not a valid email address (expected one @, no spaces, and a domain with a dot, like ada@example.com)`;
}

function checkCredentials(developer: Sourced<ManifestDeveloper>, enabled: EnabledTypes, ctx: ValidationContext): Diagnostic[] {
  const { doc, pointer, value } = developer;
  const credentials = value.credentials ?? [];
  const diagnostics: Diagnostic[] = [];
  const email = value.email.toLowerCase();
  if (credentials.length > 0 && (value.status === 'pending' || value.status === 'rejected')) {
    const hint = value.status === 'pending' ? 'approve it first or remove the credentials' : 'remove the credentials';
    diagnostics.push(error(`developer ${shown(email)} is ${value.status}: ${value.status} developers cannot hold credentials; ${hint}`, at(doc, `${pointer}/credentials`, 'key')));
  }
  const identities = new Map<string, string>(); // identity → pointer of its first credential
  credentials.forEach((credential, i) => {
    const credentialPointer = `${pointer}/credentials/${i}`;
    const id = `${credential.type}:${identityOf(credential)}`;
    const first = identities.get(id);
    if (first) {
      diagnostics.push(error(`developer ${shown(email)} has two credentials ${shown(id)} (the first at ${formatLocation(at(doc, first), ctx.cwd)}); a credential's identity must be unique per developer`, at(doc, credentialPointer)));
    } else {
      identities.set(id, credentialPointer);
    }
    if (!enabled.types.has(credential.type)) {
      const where = enabled.declaredAt ? ` (portal.credentialTypes at ${formatLocation(enabled.declaredAt, ctx.cwd)})` : '';
      diagnostics.push(error(`credential type ${credential.type} is not enabled on this portal${where}; enable it or remove the credential`, at(doc, `${credentialPointer}/type`)));
    }
    diagnostics.push(...checkCredentialFields({ doc, pointer: credentialPointer, value: credential }));
  });
  return diagnostics;
}

function identityOf(credential: ManifestCredential): string {
  return String((credential as Record<string, unknown>)[CREDENTIAL_SPECS[credential.type].identityField]);
}

function checkCredentialFields({ doc, pointer, value }: Sourced<ManifestCredential>): Diagnostic[] {
  if (value.type === 'jwt' && value.algorithm && PUBLIC_KEY_ALGORITHM.test(value.algorithm) && value.rsaPublicKey === undefined) {
    return [error(`jwt algorithm ${value.algorithm} verifies tokens with a public key; add rsaPublicKey (the PEM text or { fromFile: PATH })`, at(doc, `${pointer}/algorithm`))];
  }
  if (value.type === 'oauth2') {
    return (value.redirectUris ?? []).flatMap((uri, i) => {
      const problem = redirectUriProblem(uri);
      return problem ? [error(problem, at(doc, `${pointer}/redirectUris/${i}`))] : [];
    });
  }
  return [];
}

function redirectUriProblem(uri: string): string | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return `redirect URI ${quoted(uri)} is not an absolute URL; write it with a scheme and host, like https://app.example.com/callback`;
  }
  if (url.host === '') return `redirect URI ${quoted(uri)} has no host; write it like https://app.example.com/callback`;
  if (url.hash !== '') return `redirect URI ${quoted(uri)} has a fragment (#...), which OAuth 2.0 forbids`;
  return undefined;
}

/** A value Kong requires to be unique across the whole portal, as one developer uses it. */
interface Claim {
  /** What the value is, like `customId` or `basic-auth username`. */
  what: string;
  value: string;
  /** The value for messages: nothing for a secret. */
  shown: string;
  email: string;
  owner: string;
  /** Where the value is written (looked up only for a message). */
  doc: SourcedDocument;
  pointer: string;
  isIdentity: boolean;
}

function checkUniqueValues(developers: Sourced<ManifestDeveloper>[], ctx: ValidationContext): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const seen = new Map<string, Claim>();
  for (const claim of developers.flatMap((developer) => claimsOf(developer, ctx))) {
    const key = `${claim.what}\0${claim.value}`;
    const first = seen.get(key);
    if (!first) {
      seen.set(key, claim);
    } else if (!(claim.isIdentity && claim.email === first.email)) {
      // (Within one developer, a repeated identity is already reported as a duplicate credential.)
      diagnostics.push(
        error(
          `${claim.what}${claim.shown} of ${claim.owner} is already used by ${first.owner} at ${formatLocation(at(first.doc, first.pointer), ctx.cwd)}; it must be unique across the portal`,
          at(claim.doc, claim.pointer),
        ),
      );
    }
  }
  return diagnostics;
}

function claimsOf({ doc, pointer, value: developer }: Sourced<ManifestDeveloper>, ctx: ValidationContext): Claim[] {
  const email = developer.email.toLowerCase();
  const claims: Claim[] = [];
  if (developer.customId !== undefined) {
    claims.push({ what: 'customId', value: developer.customId, shown: ` ${quoted(developer.customId)}`, email, owner: `developer ${shown(email)}`, doc, pointer: `${pointer}/customId`, isIdentity: false });
  }
  (developer.credentials ?? []).forEach((credential, i) => {
    const spec = CREDENTIAL_SPECS[credential.type];
    const field = spec.uniqueField;
    if (field === undefined) return;
    const fieldPointer = `${pointer}/credentials/${i}/${field}`;
    const secret = spec.secretFields.includes(field);
    const value = secret ? ctx.secretValue(doc, fieldPointer) : (credential as Record<string, unknown>)[field];
    if (typeof value !== 'string') return;
    claims.push({
      what: `${credential.type} ${field}`,
      value,
      shown: secret ? '' : ` ${quoted(value)}`,
      email,
      owner: `${shown(email)}'s ${credential.type}:${shown(identityOf(credential))}`,
      doc,
      pointer: fieldPointer,
      isIdentity: field === spec.identityField,
    });
  });
  return claims;
}

function checkMoved(docs: SourcedDocument[], developers: Sourced<ManifestDeveloper>[], ctx: ValidationContext): Diagnostic[] {
  const declared = new Set(developers.map((d) => d.value.email.toLowerCase()));
  const moves = docs.flatMap((doc) =>
    (doc.manifest.moved ?? []).map((move, i) => ({ doc, pointer: `/moved/${i}`, from: move.from.toLowerCase(), to: move.to.toLowerCase() })),
  );
  const targets = new Set(moves.map((m) => m.to));
  const firstFrom = new Map<string, Location>();
  const firstTo = new Map<string, Location>();
  const diagnostics: Diagnostic[] = [];
  for (const { doc, pointer, from, to } of moves) {
    const fromAt = at(doc, `${pointer}/from`);
    const toAt = at(doc, `${pointer}/to`);
    for (const [email, location] of [[from, fromAt], [to, toAt]] as const) {
      if (!isValidEmail(email)) diagnostics.push(error(badEmail(email), location));
    }
    const [fromShown, toShown] = [shown(from), shown(to)];
    const problems: Array<[string | undefined, Location]> = [
      [from === to ? `moved block moves ${fromShown} to itself; remove it` : undefined, fromAt],
      [repeated(firstFrom, from, fromAt, ctx, `${fromShown} is moved twice`), fromAt],
      [repeated(firstTo, to, toAt, ctx, `two moved blocks move to ${toShown}`), toAt],
      [declared.has(from) && from !== to ? `${fromShown} is moved to ${toShown} but is still declared as a developer; remove one or the other` : undefined, fromAt],
      [declared.has(to) ? undefined : `moved block moves to ${toShown}, which is not declared as a developer; declare it under developers`, toAt],
      [targets.has(from) && from !== to ? `moved blocks chain through ${fromShown} (something moves to it, and it moves to ${toShown}); move straight to the final email instead` : undefined, fromAt],
    ];
    for (const [message, location] of problems) if (message) diagnostics.push(error(message, location));
  }
  return diagnostics;
}

/** A message when `key` was seen before (naming where), else records it. */
function repeated(seen: Map<string, Location>, key: string, location: Location, ctx: ValidationContext, message: string): string | undefined {
  const first = seen.get(key);
  if (!first) {
    seen.set(key, location);
    return undefined;
  }
  return `${message} (first at ${formatLocation(first, ctx.cwd)})`;
}
