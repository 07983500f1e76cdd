// The checks of the manifest set as a whole, beyond what the JSON Schema can say. Every problem is
// reported; none stops the others.
import { CREDENTIAL_TYPES, type CredentialType, type Diagnostic, type Location } from '../model.js';
import { badEmail, canonicalEmail, isValidEmail, mixedScriptsWarning } from './email.js';
import { formatLocation, shown } from './files.js';
import type { ManifestCredential, ManifestDeveloper } from './schema.js';
import { checkRemoved } from './removed.js';
import { checkMoved } from './moved-check.js';
import { checkApis, checkApplications, checkOwnedCredentials, checkRegistrationApis } from './applications.js';
import { credentialPointer } from './summary.js';
import {
  at,
  error,
  pointerOf,
  type DeclaredDeveloper,
  type DocumentSite,
  type SourcedDocument,
  type ValidationContext,
  type WrittenDeveloper,
} from './sourced-document.js';
import { checkDeveloperText } from './text-checks.js';
import { checkUniqueValues } from './unique-values.js';
import { redirectUriProblem } from '../util/redirect-uri.js';

export type { LazyDevelopers, SourcedDocument, ValidationContext } from './sourced-document.js';

/** Algorithms that verify with a public key; Kong requires rsa_public_key for all of them. */
const PUBLIC_KEY_ALGORITHM = /^(RS|PS|ES)\d+$|^EdDSA$/;

/**
 * The checks of the whole set. A document with a summary passed the checks of one document when
 * the summary was made (perhaps by an earlier run: the parse cache keeps it); the others are
 * checked here. The rest reads the entries' summaries, not their values.
 */
export function validateManifestSet(docs: SourcedDocument[], ctx: ValidationContext): Diagnostic[] {
  const developers = docs.flatMap((doc) =>
    doc.entries.map((entry, index): DeclaredDeveloper => ({ doc, index, entry, email: canonicalEmail(entry.email) })),
  );
  const enabled = enabledCredentialTypes(docs, ctx);
  const declarations = checkDuplicates(developers, ctx);
  const apis = checkApis(docs, ctx.cwd);
  return [
    ...docs.flatMap((doc) => (doc.checked ? [] : checkDocument(doc, doc.developers.load(), ctx.cwd))),
    ...enabled.diagnostics,
    ...declarations.diagnostics,
    ...checkEnabledTypes(developers, enabled),
    ...checkKeyLengths(developers, enabled.portal, ctx),
    // A developer declared twice is reported once; its second declaration would only repeat that.
    ...checkUniqueValues(declarations.first, ctx),
    ...apis.diagnostics,
    ...checkRegistrationApis(developers, apis.apis),
    ...checkMoved(docs, developers, apis.apis, ctx),
    ...checkRemoved(docs, developers, ctx.cwd),
  ];
}

/** The checks one document passes or fails on its own, whatever the rest of the set holds. */
export function checkDocument(doc: DocumentSite, developers: ManifestDeveloper[], cwd: string): Diagnostic[] {
  return developers.flatMap((value, index) => {
    const developer: WrittenDeveloper = { doc, index, value };
    const email = isValidEmail(value.email)
      ? mixedScriptWarning(value.email, () => at(doc, pointerOf(developer, '/email')))
      : [error(badEmail(value.email), at(doc, pointerOf(developer, '/email')))];
    return [
      ...email,
      ...checkDeveloperText(developer),
      ...checkCredentials(developer, cwd),
      ...checkApplications(developer, checkCredentialFields, cwd),
    ];
  });
}

/** A warning for an address whose letters mix scripts (email.ts): it can pass for another developer's. */
function mixedScriptWarning(email: string, location: () => Location): Diagnostic[] {
  const message = mixedScriptsWarning(email);
  return message ? [{ severity: 'warning', message, location: location() }] : [];
}

interface EnabledTypes {
  /** The document that carries the `portal:` block, if one does. */
  portal?: SourcedDocument;
  types: ReadonlySet<CredentialType>;
  /** Where `portal` is written, for a message (looked up only then: a set without errors needs no positions). */
  declaredAt(): string | undefined;
  diagnostics: Diagnostic[];
}

function enabledCredentialTypes(docs: SourcedDocument[], ctx: ValidationContext): EnabledTypes {
  const portals = docs.filter((doc) => doc.fields.portal);
  if (portals.length === 0) return { types: new Set(CREDENTIAL_TYPES), declaredAt: () => undefined, diagnostics: [] };
  const [first, ...others] = portals;
  const declaredAt = () => formatLocation(at(first, '/portal', 'key'), ctx.cwd);
  const diagnostics = others.map((doc) =>
    error(
      `a second \`portal\` block; only one document of the manifest set may carry it (the first is at ${declaredAt()})`,
      at(doc, '/portal', 'key'),
    ),
  );
  const types = new Set(first.fields.portal?.credentialTypes ?? CREDENTIAL_TYPES);
  diagnostics.push(...checkSelfServiceTypes(first, types));
  return { portal: first, types, declaredAt, diagnostics };
}

/** Developers may create only credentials of the enabled types (the schema already refuses acl). */
function checkSelfServiceTypes(doc: SourcedDocument, enabled: ReadonlySet<CredentialType>): Diagnostic[] {
  return (doc.fields.portal?.selfService?.credentialTypes ?? []).flatMap((type, i) =>
    enabled.has(type)
      ? []
      : [
          error(
            `portal.selfService.credentialTypes lists ${type}, which portal.credentialTypes does not enable; enable it there or remove it here`,
            at(doc, `/portal/selfService/credentialTypes/${i}`),
          ),
        ],
  );
}

/** A given key-auth key is the one secret unique portal-wide, and a credential by itself: too short, it can be guessed. */
export const MIN_KEY_AUTH_KEY_LENGTH = 20;

/**
 * Key-auth keys the manifests give (literal, fromEnv or fromFile) must be long enough, unless
 * `portal.allowShortKeys` allows shorter ones for a migration, which every plan then warns about.
 */
function checkKeyLengths(
  developers: DeclaredDeveloper[],
  portal: SourcedDocument | undefined,
  ctx: ValidationContext,
): Diagnostic[] {
  const allowed = portal?.fields.portal?.allowShortKeys === true;
  const diagnostics: Diagnostic[] = [];
  let short = 0;
  for (const developer of developers) {
    for (const [i, field] of developer.entry.references) {
      if (developer.entry.types[i] !== 'key-auth' || field !== 'key') continue;
      const value = ctx.secretValue(developer.doc, developer.index, i, field);
      if (value === undefined || [...value].length >= MIN_KEY_AUTH_KEY_LENGTH) continue;
      short++;
      if (!allowed) {
        diagnostics.push(
          error(
            `this key-auth key is shorter than ${MIN_KEY_AUTH_KEY_LENGTH} characters; give a longer one, or omit it to ` +
              `have one generated (for a migration, \`portal.allowShortKeys: true\` accepts shorter keys)`,
            at(developer.doc, pointerOf(developer, `${credentialPointer(developer.entry, i)}/key`)),
          ),
        );
      }
    }
  }
  if (!allowed) return diagnostics;
  const found =
    short === 0 ? 'none is given here' : short === 1 ? '1 such key is given here' : `${short} such keys are given here`;
  const message =
    `portal.allowShortKeys is true: key-auth keys shorter than ${MIN_KEY_AUTH_KEY_LENGTH} characters are ` +
    `accepted for a migration (${found}); rotate them to longer ones, then remove the setting`;
  return [{ severity: 'warning', message, location: at(portal!, '/portal/allowShortKeys', 'key') }];
}

/** Repeated emails; `first` holds each developer's first declaration. */
function checkDuplicates(
  developers: DeclaredDeveloper[],
  ctx: ValidationContext,
): { diagnostics: Diagnostic[]; first: DeclaredDeveloper[] } {
  const diagnostics: Diagnostic[] = [];
  // Locations are looked up only for a message: a large valid set needs none.
  const emailAt = (developer: DeclaredDeveloper) => at(developer.doc, pointerOf(developer, '/email'));
  const seen = new Map<string, DeclaredDeveloper>();
  for (const developer of developers) {
    const { email } = developer;
    const first = seen.get(email);
    if (first) {
      diagnostics.push(
        error(
          `developer ${shown(email)} is declared twice (also at ${formatLocation(emailAt(first), ctx.cwd)}); ${sameAddressWhy(first, developer)}`,
          emailAt(developer),
        ),
      );
    } else {
      seen.set(email, developer);
    }
  }
  return { diagnostics, first: seen.size === developers.length ? developers : [...seen.values()] };
}

function sameAddressWhy(a: DeclaredDeveloper, b: DeclaredDeveloper): string {
  return a.entry.email.toLowerCase() === b.entry.email.toLowerCase()
    ? 'emails are compared case-insensitively'
    : `${shown(a.entry.email)} and ${shown(b.entry.email)} are two spellings of one address (compared in NFKC, lower case, the domain in ASCII)`;
}

function checkCredentials(developer: WrittenDeveloper, cwd: string): Diagnostic[] {
  const { doc, value } = developer;
  const email = canonicalEmail(value.email);
  const credentials = value.credentials ?? [];
  if (credentials.length === 0) return [];
  const diagnostics: Diagnostic[] = [];
  if (value.status === 'pending' || value.status === 'rejected') {
    const hint = value.status === 'pending' ? 'approve it first or remove the credentials' : 'remove the credentials';
    diagnostics.push(
      error(
        `developer ${shown(email)} is ${value.status}: ${value.status} developers cannot hold credentials; ${hint}`,
        at(doc, pointerOf(developer, '/credentials'), 'key'),
      ),
    );
  }
  const pointer = pointerOf(developer, '/credentials');
  const owner = { doc, pointer, credentials, name: `developer ${shown(email)}`, kind: 'developer' };
  diagnostics.push(...checkOwnedCredentials(owner, checkCredentialFields, cwd));
  return diagnostics;
}

function checkEnabledTypes(developers: DeclaredDeveloper[], enabled: EnabledTypes): Diagnostic[] {
  if (enabled.types.size === CREDENTIAL_TYPES.length) return [];
  const where = () => {
    const declaredAt = enabled.declaredAt();
    return declaredAt ? ` (portal.credentialTypes at ${declaredAt})` : '';
  };
  return developers.flatMap((developer) =>
    developer.entry.types.flatMap((type, i) =>
      enabled.types.has(type)
        ? []
        : [
            error(
              `credential type ${type} is not enabled on this portal${where()}; enable it or remove the credential`,
              at(developer.doc, pointerOf(developer, `${credentialPointer(developer.entry, i)}/type`)),
            ),
          ],
    ),
  );
}

/** Problems of one credential's own fields, each with the pointer of the field below the credential. */
export function checkCredentialFields(value: ManifestCredential): Array<{ message: string; pointer: string }> {
  if (
    value.type === 'jwt' &&
    value.algorithm &&
    PUBLIC_KEY_ALGORITHM.test(value.algorithm) &&
    value.rsaPublicKey === undefined
  ) {
    return [
      {
        message: `jwt algorithm ${value.algorithm} verifies tokens with a public key; add rsaPublicKey (the PEM text or { fromFile: PATH })`,
        pointer: '/algorithm',
      },
    ];
  }
  if (value.type === 'oauth2') {
    return (value.redirectUris ?? []).flatMap((uri, i) => {
      const problem = redirectUriProblem(uri);
      return problem ? [{ message: problem, pointer: `/redirectUris/${i}` }] : [];
    });
  }
  return [];
}
