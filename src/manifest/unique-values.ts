// Values Kong requires to be unique across the whole portal (a customId, a basic-auth username,
// a key-auth key…): each taken once in the manifest set, the second taker named at its line.
import { CREDENTIAL_SPECS, type CredentialType, type Diagnostic } from '../model.js';
import { formatLocation, shown } from './files.js';
import {
  at,
  error,
  identityOf,
  pointerOf,
  quoted,
  type DeclaredDeveloper,
  type ValidationContext,
} from './sourced-document.js';
import { credentialPointer, credentialSlot } from './summary.js';

/** A value Kong requires to be unique across the whole portal, as one developer uses it. */
interface Claim {
  value: string;
  developer: DeclaredDeveloper;
  /** The credential using it; none for a customId. */
  credential?: number;
}

/** What a claimed value is, like `customId` or `basic-auth username`. */
type ClaimKind = 'customId' | CredentialType;

export function checkUniqueValues(developers: DeclaredDeveloper[], ctx: ValidationContext): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  // Only the first holder of each value is kept (which of its credentials claims it is found
  // again for a message): a large valid set keeps no object per claim.
  const seen = new Map<ClaimKind, Map<string, DeclaredDeveloper>>();
  const claim = (kind: ClaimKind, value: string, developer: DeclaredDeveloper, credential?: number) => {
    let byValue = seen.get(kind);
    if (!byValue) seen.set(kind, (byValue = new Map()));
    const first = byValue.get(value);
    if (!first) return void byValue.set(value, developer);
    const firstClaim = { value, developer: first, credential: claimingCredential(first, kind, value, ctx) };
    // (Within one owner, a repeated identity is already reported as a duplicate credential.)
    if (kind !== 'customId' && isIdentityField(kind) && sameOwner(firstClaim, { value, developer, credential })) return;
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

/** Whether two claims are made by credentials of one owner: one developer's own, or one of its applications. */
function sameOwner(a: Claim, b: Claim): boolean {
  if (a.developer.email !== b.developer.email) return false;
  const ownerOf = ({ developer, credential }: Claim) =>
    credential === undefined ? undefined : credentialSlot(developer.entry, credential).application;
  return ownerOf(a) === ownerOf(b);
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
    const written = developer.doc.developers.load()[developer.index]!;
    const slot = credentialSlot(developer.entry, credential);
    if (slot.application === undefined) {
      const entry = written.credentials![slot.index]!;
      return `${shown(developer.email)}'s ${entry.type}:${shown(identityOf(entry))}`;
    }
    const application = written.applications![slot.application]!;
    const entry = application.credentials![slot.index]!;
    return `${shown(developer.email)}'s application ${shown(application.name)}'s ${entry.type}:${shown(identityOf(entry))}`;
  };
  const where = ({ developer, credential }: Claim) =>
    at(
      developer.doc,
      pointerOf(
        developer,
        credential === undefined ? '/customId' : `${credentialPointer(developer.entry, credential)}/${field}`,
      ),
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
    `${what} ${quoted(claim.value)} of ${owner(claim)} is already used by ${owner(first)} at ` +
      `${formatLocation(where(first), ctx.cwd)}; it must be unique across the portal`,
    where(claim),
  );
}

/** Whether the claimed secret is written as a literal in the manifest (not read with fromEnv or fromFile). */
function isWrittenLiteral({ developer, credential }: Claim, field: string): boolean {
  return developer.entry.references.some(
    ([i, f, written]) => i === credential && f === field && typeof written === 'string',
  );
}
