import { PortalformError } from './errors.js';
import { CREDENTIAL_TYPES, type CredentialType } from './model.js';
import { canonicalEmail } from './util/canonical-email.js';
import { refusedCharacterProblem } from './util/refused-characters.js';
import { quoteForMessage } from './util/strings.js';

export type Address =
  | { kind: 'developer'; email: string }
  | { kind: 'credential'; email: string; type: CredentialType; identity: string };

const PATTERN = /^developer\[("(?:[^"\\]|\\.)*")\](?:\.credential\[("(?:[^"\\]|\\.)*")\])?$/;

/** Parses `developer["a@b"]` or `developer["a@b"].credential["key-auth:ci"]`, as a plan or the state spells it. */
export function parseAddress(text: string): Address {
  return parse(text, (email) => email);
}

/**
 * An address a person gave (on the command line): its email put in canonical form, and refused
 * when the email or the credential holds a control, bidirectional or invisible character.
 */
export function parseGivenAddress(text: string): Address {
  const address = parse(text, (email) => canonicalEmail(refuseCharacters(text, email, 'email')));
  if (address.kind === 'credential') refuseCharacters(text, address.identity, 'credential identity');
  return address;
}

function parse(text: string, emailOf: (email: string) => string): Address {
  const match = PATTERN.exec(text.trim());
  if (!match) {
    throw new PortalformError(
      `invalid address ${quoteForMessage(text, 'double')}; expected developer["EMAIL"] or developer["EMAIL"].credential["TYPE:IDENTITY"]`,
    );
  }
  const email = emailOf(JSON.parse(match[1]!) as string);
  if (!match[2]) return { kind: 'developer', email };
  const credential = JSON.parse(match[2]) as string;
  const colon = credential.indexOf(':');
  const type = credential.slice(0, colon) as CredentialType;
  if (colon < 0 || !CREDENTIAL_TYPES.includes(type)) {
    throw new PortalformError(
      `invalid credential in address ${quoteForMessage(text, 'double')}; expected one of ${CREDENTIAL_TYPES.join(', ')} followed by ":IDENTITY"`,
    );
  }
  return { kind: 'credential', email, type, identity: credential.slice(colon + 1) };
}

/** An address's email or credential as given, unless it holds a character no email or identifier may hold. */
function refuseCharacters(address: string, value: string, what: string): string {
  const problem = refusedCharacterProblem(value, 'identifier');
  if (problem)
    throw new PortalformError(`invalid address ${quoteForMessage(address, 'double')}: its ${what} ${problem}`);
  return value;
}

/** The canonical spelling of an address a person gave (canonical email, JSON quoting). */
export function normalizeAddress(text: string): string {
  const address = parseGivenAddress(text);
  const developer = `developer[${JSON.stringify(address.email)}]`;
  return address.kind === 'developer'
    ? developer
    : `${developer}.credential[${JSON.stringify(`${address.type}:${address.identity}`)}]`;
}
