import { PortalformError } from './errors.js';
import {
  apiAddress,
  applicationAddress,
  CREDENTIAL_TYPES,
  type CredentialType,
  credentialAddress,
  developerAddress,
  registrationAddress,
} from './model.js';
import { canonicalEmail } from './util/canonical-email.js';
import { refusedCharacterProblem } from './util/refused-characters.js';
import { quoteForMessage } from './util/strings.js';

/** An address of something a developer owns: itself, a credential (its own or an application's), an application, a registration. */
export type OwnedAddress =
  | { kind: 'developer'; email: string }
  | { kind: 'credential'; email: string; type: CredentialType; identity: string; application?: string }
  | { kind: 'application'; email: string; application: string }
  | { kind: 'registration'; email: string; application: string; api: string };

export type Address = OwnedAddress | { kind: 'api'; name: string };

/** A developer's or one of its own credentials' address: what `state show`, `invite` and `secrets` take. */
export type DeveloperAddress =
  | Extract<OwnedAddress, { kind: 'developer' }>
  | Extract<OwnedAddress, { kind: 'credential' }>;

const FORMS = [
  'api["NAME"]',
  'developer["EMAIL"]',
  'developer["EMAIL"].credential["TYPE:IDENTITY"]',
  'developer["EMAIL"].application["NAME"]',
  'developer["EMAIL"].application["NAME"].credential["TYPE:IDENTITY"]',
  'developer["EMAIL"].application["NAME"].registration["API"]',
];

/** What an application or API name is made of (docs/applications.md). */
const NAME = /^[a-z0-9-]{1,63}$/;

const SEGMENT = /^([a-z]+)\[("(?:[^"\\]|\\.)*")\]/;

/**
 * Parses a developer's, credential's, application's or registration's address as a plan or the
 * state spells it, e.g. `developer["a@b"].application["app"].registration["payments"]`.
 * An API's address is refused: use parseAnyAddress where one may come.
 */
export function parseAddress(text: string): OwnedAddress {
  return owned(text, parseAnyAddress(text));
}

/** Parses any address as a plan or the state spells it, an API's `api["NAME"]` included. */
export function parseAnyAddress(text: string): Address {
  return parse(
    text,
    (email) => email,
    () => undefined,
  );
}

/**
 * A developer's or own credential's address a person gave (on the command line), as
 * parseGivenAnyAddress reads it; any other address is refused, saying what was expected.
 */
export function parseGivenAddress(text: string): DeveloperAddress {
  const address = parseGivenAnyAddress(text);
  if (address.kind === 'developer' || (address.kind === 'credential' && address.application === undefined))
    return address;
  throw new PortalformError(
    `${quoteForMessage(text, 'double')} names ${describe(address)}; expected ${FORMS[1]} or ${FORMS[2]} here`,
  );
}

/**
 * Any address a person gave (on the command line): its email put in canonical form, and refused
 * when a part holds a control, bidirectional or invisible character or a name no application or
 * API can have.
 */
export function parseGivenAnyAddress(text: string): Address {
  const address = parse(
    text,
    (email) => canonicalEmail(refuseCharacters(text, email, 'email')),
    (name, what) => refuseName(text, name, what),
  );
  if (address.kind === 'credential') refuseCharacters(text, address.identity, 'credential identity');
  return address;
}

/** The canonical spelling of an address a person gave (canonical email, JSON quoting). */
export function normalizeAddress(text: string): string {
  return addressText(parseGivenAnyAddress(text));
}

/** An address spelt as plans and the state spell it. */
export function addressText(address: Address): string {
  switch (address.kind) {
    case 'api':
      return apiAddress(address.name);
    case 'developer':
      return developerAddress(address.email);
    case 'credential':
      return credentialAddress(address.email, address.type, address.identity, address.application);
    case 'application':
      return applicationAddress(address.email, address.application);
    case 'registration':
      return registrationAddress(address.email, address.application, address.api);
  }
}

/** The email of the developer owning what an address names; null for an API, which no developer owns. */
export function ownerEmail(text: string): string | null {
  const address = parseAnyAddress(text);
  return address.kind === 'api' ? null : address.email;
}

function describe(address: Address): string {
  if (address.kind === 'api') return 'an API';
  if (address.kind === 'credential') return "an application's credential";
  return address.kind === 'application' ? 'an application' : "an application's registration";
}

function owned(text: string, address: Address): OwnedAddress {
  if (address.kind !== 'api') return address;
  throw new PortalformError(
    `${quoteForMessage(text, 'double')} names an API, which no developer owns; expected ${FORMS.slice(1).join(' or ')}`,
  );
}

type NameCheck = (name: string, what: 'application' | 'API') => void;

/** Splits `word["value"].word["value"]…` into its words and decoded values. */
function segments(text: string): Array<{ word: string; value: string }> | null {
  const found: Array<{ word: string; value: string }> = [];
  let rest = text.trim();
  while (rest.length > 0) {
    if (found.length > 0) {
      if (!rest.startsWith('.')) return null;
      rest = rest.slice(1);
    }
    const match = SEGMENT.exec(rest);
    if (!match) return null;
    found.push({ word: match[1]!, value: JSON.parse(match[2]!) as string });
    rest = rest.slice(match[0].length);
  }
  return found;
}

function parse(text: string, emailOf: (email: string) => string, checkName: NameCheck): Address {
  const parts = segments(text);
  const shape = parts?.map((p) => p.word).join('.');
  const invalid = () =>
    new PortalformError(`invalid address ${quoteForMessage(text, 'double')}; expected ${FORMS.join(' or ')}`);
  if (!parts || !shape) throw invalid();
  const value = (i: number) => parts[i]!.value;
  if (shape === 'api') {
    checkName(value(0), 'API');
    return { kind: 'api', name: value(0) };
  }
  if (!shape.startsWith('developer')) throw invalid();
  const email = emailOf(value(0));
  switch (shape) {
    case 'developer':
      return { kind: 'developer', email };
    case 'developer.credential':
      return { kind: 'credential', email, ...credentialOf(text, value(1), false) };
    case 'developer.application':
      checkName(value(1), 'application');
      return { kind: 'application', email, application: value(1) };
    case 'developer.application.credential':
      checkName(value(1), 'application');
      return { kind: 'credential', email, ...credentialOf(text, value(2), true), application: value(1) };
    case 'developer.application.registration':
      checkName(value(1), 'application');
      checkName(value(2), 'API');
      return { kind: 'registration', email, application: value(1), api: value(2) };
    default:
      throw invalid();
  }
}

function credentialOf(text: string, credential: string, ofApplication: boolean) {
  const colon = credential.indexOf(':');
  const type = credential.slice(0, colon) as CredentialType;
  const types: readonly CredentialType[] = ofApplication
    ? CREDENTIAL_TYPES.filter((t) => t !== 'acl')
    : CREDENTIAL_TYPES;
  if (colon < 0 || !types.includes(type)) {
    const note = ofApplication && type === 'acl' ? ' (an application holds no acl credentials)' : '';
    throw new PortalformError(
      `invalid credential in address ${quoteForMessage(text, 'double')}; expected one of ${types.join(', ')} followed by ":IDENTITY"${note}`,
    );
  }
  return { type, identity: credential.slice(colon + 1) };
}

/** An address's email or credential as given, unless it holds a character no email or identifier may hold. */
function refuseCharacters(address: string, value: string, what: string): string {
  const problem = refusedCharacterProblem(value, 'identifier');
  if (problem)
    throw new PortalformError(`invalid address ${quoteForMessage(address, 'double')}: its ${what} ${problem}`);
  return value;
}

function refuseName(address: string, name: string, what: 'application' | 'API'): void {
  refuseCharacters(address, name, `${what} name`);
  if (NAME.test(name)) return;
  const given = quoteForMessage(name, 'double');
  throw new PortalformError(
    `invalid address ${quoteForMessage(address, 'double')}: its ${what} name ${given} is not one; expected 1 to 63 of a-z, 0-9 and '-'`,
  );
}
