import { PortalformError } from './errors.js';
import { CREDENTIAL_TYPES, type CredentialType } from './model.js';

export type Address =
  | { kind: 'developer'; email: string }
  | { kind: 'credential'; email: string; type: CredentialType; identity: string };

const PATTERN = /^developer\[("(?:[^"\\]|\\.)*")\](?:\.credential\[("(?:[^"\\]|\\.)*")\])?$/;

/** Parses `developer["a@b"]` or `developer["a@b"].credential["key-auth:ci"]`; emails compare lower-case. */
export function parseAddress(text: string): Address {
  const match = PATTERN.exec(text.trim());
  if (!match) {
    throw new PortalformError(
      `invalid address ${JSON.stringify(text)}; expected developer["EMAIL"] or developer["EMAIL"].credential["TYPE:IDENTITY"]`,
    );
  }
  const email = (JSON.parse(match[1]!) as string).toLowerCase();
  if (!match[2]) return { kind: 'developer', email };
  const credential = JSON.parse(match[2]) as string;
  const colon = credential.indexOf(':');
  const type = credential.slice(0, colon) as CredentialType;
  if (colon < 0 || !CREDENTIAL_TYPES.includes(type)) {
    throw new PortalformError(
      `invalid credential in address ${JSON.stringify(text)}; expected one of ${CREDENTIAL_TYPES.join(', ')} followed by ":IDENTITY"`,
    );
  }
  return { kind: 'credential', email, type, identity: credential.slice(colon + 1) };
}

/** The canonical spelling of an address (lower-case email, JSON quoting). */
export function normalizeAddress(text: string): string {
  const address = parseAddress(text);
  const developer = `developer[${JSON.stringify(address.email)}]`;
  return address.kind === 'developer'
    ? developer
    : `${developer}.credential[${JSON.stringify(`${address.type}:${address.identity}`)}]`;
}
