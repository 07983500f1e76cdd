// The manifest entry that approves a registration request (docs/applications.md, "Requests"): the
// developer's `email`, and `applications` holding the application's `name` and the registration at
// `status: approved` — no description, no credentials, so that the developer keeps managing them —
// plus `status: approved` when the manifests do not declare the developer yet. The same text as
// `portalform requests` prints.
import { stringify } from 'yaml';
import { isValidEmail } from '../manifest/email.js';
import { quoteForMessage } from '../util/strings.js';

export interface RegistrationRequestKey {
  email: string;
  application: string;
  api: string;
  /** Whether the manifests declare the developer already. */
  developerManaged: boolean;
}

export function registrationEntry(request: RegistrationRequestKey): string {
  const { email, application, api, developerManaged } = request;
  if (!isValidEmail(email)) {
    const shown = quoteForMessage(email, 'double', Number.POSITIVE_INFINITY);
    return `# ${shown} cannot be approved by a manifest: no manifest may declare this address; delete its application instead`;
  }
  const entry = {
    email,
    ...(developerManaged ? {} : { status: 'approved' }),
    applications: [{ name: application, registrations: [{ api, status: 'approved' }] }],
  };
  return stringify([entry]).trimEnd();
}
