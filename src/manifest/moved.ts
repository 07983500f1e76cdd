// What the two ends of a `moved` entry name: a developer (by its email, or its address
// `developer["EMAIL"]`), an application (`developer["EMAIL"].application["NAME"]`), or an API
// (`api["NAME"]`). Addresses are written as the plan shows them (model.ts), names JSON-quoted.
import { canonicalEmail } from './email.js';

export type MovedEnd =
  | { kind: 'developer'; email: string }
  | { kind: 'application'; email: string; name: string }
  | { kind: 'api'; name: string }
  /** Looks like an address but is not one of the forms above. */
  | { kind: 'malformed' };

const QUOTED = String.raw`("(?:[^"\\]|\\.)*")`;
const DEVELOPER = new RegExp(String.raw`^developer\[${QUOTED}\]$`);
const APPLICATION = new RegExp(String.raw`^developer\[${QUOTED}\]\.application\[${QUOTED}\]$`);
const API = new RegExp(String.raw`^api\[${QUOTED}\]$`);

/** Emails are put in canonical form; names are kept as written (the checks compare them with declared names). */
export function parseMovedEnd(written: string): MovedEnd {
  if (!/^(developer|api)\[/.test(written)) return { kind: 'developer', email: canonicalEmail(written) };
  const developer = DEVELOPER.exec(written);
  const email = developer && unquote(developer[1]!);
  if (email !== undefined && email !== null) return { kind: 'developer', email: canonicalEmail(email) };
  const application = APPLICATION.exec(written);
  if (application) {
    const [owner, name] = [unquote(application[1]!), unquote(application[2]!)];
    if (owner !== undefined && name !== undefined) return { kind: 'application', email: canonicalEmail(owner), name };
  }
  const api = API.exec(written);
  const name = api && unquote(api[1]!);
  if (name !== undefined && name !== null) return { kind: 'api', name };
  return { kind: 'malformed' };
}

function unquote(quoted: string): string | undefined {
  try {
    const value: unknown = JSON.parse(quoted);
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

/** How a message names what an end names. */
export function describeMovedEnd(end: Exclude<MovedEnd, { kind: 'malformed' }>): string {
  if (end.kind === 'developer') return end.email;
  if (end.kind === 'api') return `api[${JSON.stringify(end.name)}]`;
  return `developer[${JSON.stringify(end.email)}].application[${JSON.stringify(end.name)}]`;
}
