// The checks of the manifest set as a whole, beyond what the JSON Schema can say. Every problem is
// reported; none stops the others.
import { CREDENTIAL_SPECS, CREDENTIAL_TYPES, type CredentialType, type Diagnostic, type Location } from '../model.js';
import { badEmail, isValidEmail, mixedScriptsWarning } from './email.js';
import { formatLocation, shown } from './files.js';
import { quoteForMessage } from '../util/strings.js';
import { locate, type LazyPositions, type PositionSource } from './positions.js';
import type { ManifestCredential, ManifestDeveloper } from './schema.js';
import type { DocumentSummary, EntrySummary } from './summary.js';
import { checkRemoved } from './removed.js';

/**
 * A document that passed the schema. Its developer entries and its positions may still be on disk
 * (a cache entry): they are read by calling `developers.load()` or `readPositions()`, and only then.
 */
export interface SourcedDocument {
  file: string;
  /** Everything it says but its developers (`portal`, `moved`). */
  fields: DocumentSummary['rest'];
  /** A summary of each developer entry, in order (summary.ts): what the checks of the set read. */
  entries: EntrySummary[];
  /** Whether it passed the checks of one document already (on the fast path, perhaps in an earlier run). */
  checked: boolean;
  developers: LazyDevelopers;
  /** Its positions, for a message during the load. */
  readPositions(): PositionSource;
  /** Its positions, for messages after the load: holds no position tree until one is read. */
  positions: LazyPositions;
}

/** A document's developer entries, which may have to be read from disk (the first time only). */
export interface LazyDevelopers {
  load(): ManifestDeveloper[];
}

/** What the checks of one document need besides its entries: where it is written, for messages. */
type DocumentSite = Pick<SourcedDocument, 'file' | 'readPositions'>;

export interface ValidationContext {
  /** Paths in messages are relative to it. */
  cwd: string;
  /** The resolved value of a credential's secret field, when known. */
  secretValue(doc: SourcedDocument, developer: number, credential: number, field: string): string | undefined;
}

/** A developer entry; its pointer is built only for a message. */
interface DeclaredDeveloper {
  doc: SourcedDocument;
  index: number;
  entry: EntrySummary;
  /** Lower-case. */
  email: string;
}

/** A developer entry with its value, for the checks of one document. */
interface WrittenDeveloper {
  doc: DocumentSite;
  index: number;
  value: ManifestDeveloper;
}

function pointerOf(developer: { index: number }, rest = ''): string {
  return `/developers/${developer.index}${rest}`;
}

/** Algorithms that verify with a public key; Kong requires rsa_public_key for all of them. */
const PUBLIC_KEY_ALGORITHM = /^(RS|PS|ES)\d+$|^EdDSA$/;

/**
 * The checks of the whole set. A document with a summary passed the checks of one document when
 * the summary was made (perhaps by an earlier run: the parse cache keeps it); the others are
 * checked here. The rest reads the entries' summaries, not their values.
 */
export function validateManifestSet(docs: SourcedDocument[], ctx: ValidationContext): Diagnostic[] {
  const developers = docs.flatMap((doc) =>
    doc.entries.map((entry, index): DeclaredDeveloper => ({ doc, index, entry, email: entry.email.toLowerCase() })),
  );
  const enabled = enabledCredentialTypes(docs, ctx);
  const declarations = checkDuplicates(developers, ctx);
  return [
    ...docs.flatMap((doc) => (doc.checked ? [] : checkDocument(doc, doc.developers.load(), ctx.cwd))),
    ...enabled.diagnostics,
    ...declarations.diagnostics,
    ...checkEnabledTypes(developers, enabled),
    ...checkKeyLengths(developers, enabled.portal, ctx),
    // A developer declared twice is reported once; its second declaration would only repeat that.
    ...checkUniqueValues(declarations.first, ctx),
    ...checkMoved(docs, developers, ctx),
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
    return [...email, ...checkCredentials(developer, cwd)];
  });
}

/** A warning for an address whose letters mix scripts (email.ts): it can pass for another developer's. */
function mixedScriptWarning(email: string, location: () => Location): Diagnostic[] {
  const message = mixedScriptsWarning(email);
  return message ? [{ severity: 'warning', message, location: location() }] : [];
}

function quoted(value: string): string {
  return quoteForMessage(value, 'double');
}

function at(doc: DocumentSite, pointer: string, part: 'key' | 'value' = 'value'): Location {
  return locate(doc.file, doc.readPositions(), pointer, part);
}

function error(message: string, location: Location): Diagnostic {
  return { severity: 'error', message, location };
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
            `this key-auth key is shorter than ${MIN_KEY_AUTH_KEY_LENGTH} characters; give a longer one, or omit it to have one generated (for a migration, \`portal.allowShortKeys: true\` accepts shorter keys)`,
            at(developer.doc, pointerOf(developer, `/credentials/${i}/key`)),
          ),
        );
      }
    }
  }
  if (!allowed) return diagnostics;
  const found =
    short === 0 ? 'none is given here' : short === 1 ? '1 such key is given here' : `${short} such keys are given here`;
  const message = `portal.allowShortKeys is true: key-auth keys shorter than ${MIN_KEY_AUTH_KEY_LENGTH} characters are accepted for a migration (${found}); rotate them to longer ones, then remove the setting`;
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
          `developer ${shown(email)} is declared twice (also at ${formatLocation(emailAt(first), ctx.cwd)}); emails are compared case-insensitively`,
          emailAt(developer),
        ),
      );
    } else {
      seen.set(email, developer);
    }
  }
  return { diagnostics, first: seen.size === developers.length ? developers : [...seen.values()] };
}

function checkCredentials(developer: WrittenDeveloper, cwd: string): Diagnostic[] {
  const { doc, value } = developer;
  const email = value.email.toLowerCase();
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
  const credentialPointer = (i: number) => pointerOf(developer, `/credentials/${i}`);
  const identities = new Map<string, number>(); // identity → index of its first credential
  credentials.forEach((credential, i) => {
    const id = `${credential.type}:${identityOf(credential)}`;
    const first = identities.get(id);
    if (first !== undefined) {
      diagnostics.push(
        error(
          `developer ${shown(email)} has two credentials ${shown(id)} (the first at ${formatLocation(at(doc, credentialPointer(first)), cwd)}); a credential's identity must be unique per developer`,
          at(doc, credentialPointer(i)),
        ),
      );
    } else {
      identities.set(id, i);
    }
    const problems = checkCredentialFields(credential);
    if (problems.length > 0)
      diagnostics.push(...problems.map((p) => error(p.message, at(doc, `${credentialPointer(i)}${p.pointer}`))));
  });
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
              at(developer.doc, pointerOf(developer, `/credentials/${i}/type`)),
            ),
          ],
    ),
  );
}

function identityOf(credential: ManifestCredential): string {
  return String((credential as Record<string, unknown>)[CREDENTIAL_SPECS[credential.type].identityField]);
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
  value: string;
  developer: DeclaredDeveloper;
  /** The credential using it; none for a customId. */
  credential?: number;
}

/** What a claimed value is, like `customId` or `basic-auth username`. */
type ClaimKind = 'customId' | CredentialType;

function checkUniqueValues(developers: DeclaredDeveloper[], ctx: ValidationContext): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  // Only the first holder of each value is kept (which of its credentials claims it is found
  // again for a message): a large valid set keeps no object per claim.
  const seen = new Map<ClaimKind, Map<string, DeclaredDeveloper>>();
  const claim = (kind: ClaimKind, value: string, developer: DeclaredDeveloper, credential?: number) => {
    let byValue = seen.get(kind);
    if (!byValue) seen.set(kind, (byValue = new Map()));
    const first = byValue.get(value);
    if (!first) return void byValue.set(value, developer);
    // (Within one developer, a repeated identity is already reported as a duplicate credential.)
    if (kind !== 'customId' && first.email === developer.email && isIdentityField(kind)) return;
    const firstClaim = { value, developer: first, credential: claimingCredential(first, kind, value, ctx) };
    diagnostics.push(duplicateClaim(kind, { value, developer, credential }, firstClaim, ctx));
  };
  for (const developer of developers)
    forEachClaim(developer, ctx, (kind, value, credential) => claim(kind, value, developer, credential));
  return diagnostics;
}

/** Calls `fn` with each unique value a developer claims, in order; `credential` is none for a customId. */
function forEachClaim(
  developer: DeclaredDeveloper,
  ctx: ValidationContext,
  fn: (kind: ClaimKind, value: string, credential?: number) => void,
): void {
  const { doc, index, entry } = developer;
  if (entry.customId !== null) fn('customId', entry.customId);
  for (const [i, value] of entry.claims) fn(entry.types[i]!, value, i);
  // A unique field that is a secret (a key-auth key) is claimed with its resolved value.
  for (const [i, field] of entry.references) {
    const type = entry.types[i]!;
    if (CREDENTIAL_SPECS[type].uniqueField !== field) continue;
    const value = ctx.secretValue(doc, index, i, field);
    if (typeof value === 'string') fn(type, value, i);
  }
}

/** The first of a developer's credentials that claims `value` as a `kind`; none for a customId. */
function claimingCredential(
  developer: DeclaredDeveloper,
  kind: ClaimKind,
  value: string,
  ctx: ValidationContext,
): number | undefined {
  let found: number | undefined;
  forEachClaim(developer, ctx, (k, v, credential) => {
    if (found === undefined && k === kind && v === value) found = credential;
  });
  return found;
}

function isIdentityField(type: CredentialType): boolean {
  const spec = CREDENTIAL_SPECS[type];
  return spec.uniqueField === spec.identityField;
}

function duplicateClaim(kind: ClaimKind, claim: Claim, first: Claim, ctx: ValidationContext): Diagnostic {
  const field = kind === 'customId' ? undefined : CREDENTIAL_SPECS[kind].uniqueField!;
  const secret = field !== undefined && CREDENTIAL_SPECS[kind as CredentialType].secretFields.includes(field);
  const what = field === undefined ? 'customId' : `${kind} ${field}`;
  const owner = ({ developer, credential }: Claim) => {
    if (credential === undefined) return `developer ${shown(developer.email)}`;
    const entry = developer.doc.developers.load()[developer.index]!.credentials![credential]!;
    return `${shown(developer.email)}'s ${entry.type}:${shown(identityOf(entry))}`;
  };
  const where = ({ developer, credential }: Claim) =>
    at(
      developer.doc,
      pointerOf(developer, credential === undefined ? '/customId' : `/credentials/${credential}/${field}`),
    );
  if (secret) {
    // Naming who holds a secret value, or pointing at it, would make this error an oracle: a pull
    // request listing many literal keys would learn which one is a CI secret, and whose. The error
    // says only that the value is taken, at the literal that guessed it when one did.
    const guess = isWrittenLiteral(claim, field) || !isWrittenLiteral(first, field) ? claim : first;
    return error(
      `this ${kind} ${field} is already in use; it must be unique across the portal: give another value, or omit it to have one generated`,
      where(guess),
    );
  }
  return error(
    `${what} ${quoted(claim.value)} of ${owner(claim)} is already used by ${owner(first)} at ${formatLocation(where(first), ctx.cwd)}; it must be unique across the portal`,
    where(claim),
  );
}

/** Whether the claimed secret is written as a literal in the manifest (not read with fromEnv or fromFile). */
function isWrittenLiteral({ developer, credential }: Claim, field: string): boolean {
  return developer.entry.references.some(
    ([i, f, written]) => i === credential && f === field && typeof written === 'string',
  );
}

function checkMoved(docs: SourcedDocument[], developers: DeclaredDeveloper[], ctx: ValidationContext): Diagnostic[] {
  const moves = docs.flatMap((doc) =>
    (doc.fields.moved ?? []).map((move, i) => ({
      doc,
      pointer: `/moved/${i}`,
      from: move.from.toLowerCase(),
      to: move.to.toLowerCase(),
    })),
  );
  if (moves.length === 0) return [];
  const declared = new Set(developers.map((d) => d.email));
  const targets = new Set(moves.map((m) => m.to));
  const firstFrom = new Map<string, () => Location>();
  const firstTo = new Map<string, () => Location>();
  const diagnostics: Diagnostic[] = [];
  for (const { doc, pointer, from, to } of moves) {
    // Located only for a message: a valid block needs no positions.
    const fromAt = () => at(doc, `${pointer}/from`);
    const toAt = () => at(doc, `${pointer}/to`);
    for (const [email, location] of [
      [from, fromAt],
      [to, toAt],
    ] as const) {
      if (!isValidEmail(email)) diagnostics.push(error(badEmail(email), location()));
    }
    const [fromShown, toShown] = [shown(from), shown(to)];
    const problems: Array<[string | undefined, () => Location]> = [
      [from === to ? `moved block moves ${fromShown} to itself; remove it` : undefined, fromAt],
      [repeated(firstFrom, from, fromAt, ctx, `${fromShown} is moved twice`), fromAt],
      [repeated(firstTo, to, toAt, ctx, `two moved blocks move to ${toShown}`), toAt],
      [
        declared.has(from) && from !== to
          ? `${fromShown} is moved to ${toShown} but is still declared as a developer; remove one or the other`
          : undefined,
        fromAt,
      ],
      [
        declared.has(to)
          ? undefined
          : `moved block moves to ${toShown}, which is not declared as a developer; declare it under developers`,
        toAt,
      ],
      [
        targets.has(from) && from !== to
          ? `moved blocks chain through ${fromShown} (something moves to it, and it moves to ${toShown}); move straight to the final email instead`
          : undefined,
        fromAt,
      ],
    ];
    for (const [message, location] of problems) if (message) diagnostics.push(error(message, location()));
  }
  return diagnostics;
}

/** A message when `key` was seen before (naming where), else records it. */
function repeated(
  seen: Map<string, () => Location>,
  key: string,
  location: () => Location,
  ctx: ValidationContext,
  message: string,
): string | undefined {
  const first = seen.get(key);
  if (!first) {
    seen.set(key, location);
    return undefined;
  }
  return `${message} (first at ${formatLocation(first(), ctx.cwd)})`;
}
