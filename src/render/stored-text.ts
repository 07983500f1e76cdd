// Stored text as a command prints it (docs/manifests.md, "Refused characters"): a value from the
// state may predate the rules that refuse control, bidirectional and invisible characters, so
// every command that prints one escapes it the way messages and the text plan do.
import { stringify } from 'yaml';
import { isValidEmail } from '../manifest/email.js';
import { escapeForMessage, escapeJsonText, quoteForMessage } from '../util/strings.js';

/** A stored value as bare text, every control, bidirectional or invisible character as a `\u` escape. */
export function storedText(value: string): string {
  return escapeForMessage(value);
}

/** A stored value in JSON quoting (as `state show` prints fields), with nothing raw for a terminal. */
export function storedJson(value: unknown): string {
  return escapeJsonText(JSON.stringify(value));
}

/**
 * The manifest entry that approves a pending sign-up, ready to paste under `developers:`. An email
 * no manifest may declare gets a comment saying so instead, so that what is printed always passes
 * `validate`.
 */
export function approvalEntry(email: string): string {
  if (isValidEmail(email)) return stringify([{ email, status: 'approved' }]).trimEnd();
  const shown = quoteForMessage(email, 'double', Number.POSITIVE_INFINITY);
  return `# ${shown} cannot be approved by a manifest: no manifest may declare this address; reject or delete it instead`;
}
