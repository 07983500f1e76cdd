// The plan's section on what the manifests do not manage (docs/unmanaged.md), shared by the text, markdown
// and html formats: the pending access requests named first, oldest first, the pending registration
// requests right after them (docs/applications.md), then the unverified sign-ups (no requests until they
// prove their address) and the other unmanaged developers, applications, credentials and
// registrations as counts. Nothing in it is a change.
import { html, type SafeHtml } from './html-template.js';
import type { UnmanagedObject } from '../plan/types.js';
import { plural } from '../util/plural.js';

/** Requests named before "and N more": the section stays short on a busy public portal. */
export const LISTED_REQUESTS = 10;

export interface UnmanagedSummary {
  /** Unmanaged pending developers whose address is verified, oldest first. */
  requests: UnmanagedObject[];
  /** Unmanaged pending registrations, oldest first. */
  registrations: UnmanagedObject[];
  /** "2 unverified sign-ups …", apart from the requests: they are none until they verify; null when there are none. */
  unverified: string | null;
  /** The rest, counted: "3 other self-registered developers", "1 released credential". */
  counts: string[];
}

export const UNMANAGED_HEADING = 'Not managed by the manifests (left as they are; none of this is a change)';
const APPROVE_HINT =
  'Approve a request by declaring the developer (or the registration) in a manifest: `portalform requests --format manifest` prints the entries.';

const isUnverified = (o: UnmanagedObject) => o.kind === 'developer' && o.emailVerified === false;
const isSignUp = (o: UnmanagedObject) => o.kind === 'developer' && o.status === 'pending' && !isUnverified(o);
const isRegistrationRequest = (o: UnmanagedObject) => o.kind === 'registration' && o.status === 'pending';
const isRequest = (o: UnmanagedObject) => isSignUp(o) || isRegistrationRequest(o);

export function summarizeUnmanaged(objects: readonly UnmanagedObject[]): UnmanagedSummary {
  const requests = objects.filter(isSignUp);
  const registrations = objects.filter(isRegistrationRequest);
  const unverified = objects.filter(isUnverified).length;
  const tally = (kind: UnmanagedObject['kind'], origin: string) =>
    objects.filter((o) => o.kind === kind && o.origin === origin && !isRequest(o) && !isUnverified(o)).length;
  const other = requests.length > 0 || unverified > 0 ? 'other ' : '';
  const otherRegistration = registrations.length > 0 ? 'other ' : '';
  const counts = [
    [tally('developer', 'self-service'), `${other}self-registered developer`],
    [tally('developer', 'released'), `${other}released developer`],
    [tally('credential', 'self-service'), 'self-made credential'],
    [tally('credential', 'released'), 'released credential'],
    [tally('application', 'self-service'), 'self-made application'],
    [tally('application', 'released'), 'released application'],
    [tally('registration', 'self-service'), `${otherRegistration}self-made registration`],
    [tally('registration', 'released'), 'released registration'],
  ] as const;
  return {
    requests,
    registrations,
    unverified:
      unverified === 0
        ? null
        : `${plural(unverified, 'unverified sign-up')} (not access requests until they verify their address with the mailed link)`,
    counts: counts.filter(([n]) => n > 0).map(([n, noun]) => plural(n, noun)),
  };
}

/** The counted lines, unverified sign-ups first. */
function countLines(summary: UnmanagedSummary): string[] {
  return summary.unverified === null ? summary.counts : [summary.unverified, ...summary.counts];
}

function requestsHeading(summary: UnmanagedSummary): string {
  return `${plural(summary.requests.length, 'pending access request')}, oldest first:`;
}

function registrationsHeading(summary: UnmanagedSummary): string {
  return `${plural(summary.registrations.length, 'pending registration request')}, oldest first:`;
}

function more(summary: UnmanagedSummary): number {
  return summary.requests.length - LISTED_REQUESTS;
}

function moreRegistrations(summary: UnmanagedSummary): number {
  return summary.registrations.length - LISTED_REQUESTS;
}

function hasRequests(summary: UnmanagedSummary): boolean {
  return summary.requests.length > 0 || summary.registrations.length > 0;
}

/** The section as plain lines (text format); empty when the state holds nothing unmanaged. */
export function unmanagedTextLines(objects: readonly UnmanagedObject[] | undefined): string[] {
  if (!objects || objects.length === 0) return [];
  const summary = summarizeUnmanaged(objects);
  const lines = ['', `${UNMANAGED_HEADING}:`];
  if (summary.requests.length > 0) {
    lines.push(`  ${requestsHeading(summary)}`);
    for (const request of summary.requests.slice(0, LISTED_REQUESTS))
      lines.push(`    ${request.address}  requested ${request.createdAt}`);
    if (more(summary) > 0) lines.push(`    … and ${more(summary)} more`);
  }
  if (summary.registrations.length > 0) {
    lines.push(`  ${registrationsHeading(summary)}`);
    for (const request of summary.registrations.slice(0, LISTED_REQUESTS))
      lines.push(`    ${request.address}  requested ${request.createdAt}`);
    if (moreRegistrations(summary) > 0) lines.push(`    … and ${moreRegistrations(summary)} more`);
  }
  for (const line of countLines(summary)) lines.push(`  ${line}`);
  if (hasRequests(summary)) lines.push(`  ${APPROVE_HINT.replace(/`/g, '')}`);
  return lines;
}

/** The section as GitHub markdown lines. */
export function unmanagedMarkdownLines(objects: readonly UnmanagedObject[] | undefined): string[] {
  if (!objects || objects.length === 0) return [];
  const summary = summarizeUnmanaged(objects);
  const lines = ['', `**${UNMANAGED_HEADING}:**`, ''];
  if (summary.requests.length > 0) {
    lines.push(`- ${requestsHeading(summary)}`);
    for (const request of summary.requests.slice(0, LISTED_REQUESTS))
      lines.push(`  - \`${request.address}\` requested ${request.createdAt}`);
    if (more(summary) > 0) lines.push(`  - … and ${more(summary)} more`);
  }
  if (summary.registrations.length > 0) {
    lines.push(`- ${registrationsHeading(summary)}`);
    for (const request of summary.registrations.slice(0, LISTED_REQUESTS))
      lines.push(`  - \`${request.address}\` requested ${request.createdAt}`);
    if (moreRegistrations(summary) > 0) lines.push(`  - … and ${moreRegistrations(summary)} more`);
  }
  for (const line of countLines(summary)) lines.push(`- ${line}`);
  if (hasRequests(summary)) lines.push('', APPROVE_HINT);
  return lines;
}

/** The section as one piece of the HTML report. */
export function unmanagedHtml(objects: readonly UnmanagedObject[] | undefined): SafeHtml | null {
  if (!objects || objects.length === 0) return null;
  const summary = summarizeUnmanaged(objects);
  const requests = html`${requestTable(requestsHeading(summary), 'Developer', summary.requests)}${requestTable(
    registrationsHeading(summary),
    'Registration',
    summary.registrations,
  )}`;
  return html`<section aria-labelledby="unmanaged"><h2 id="unmanaged">${UNMANAGED_HEADING}</h2>
${requests}${countLines(summary).length > 0 ? html`<ul>${countLines(summary).map((line) => html`<li>${line}</li>`)}</ul>` : html``}${
  hasRequests(summary)
    ? html`<p class="meta">Approve a request by declaring the developer (or the registration) in a manifest:
        <code>portalform requests --format manifest</code> prints the entries.</p>`
    : html``
}</section>`;
}

function requestTable(heading: string, column: string, listed: readonly UnmanagedObject[]): SafeHtml {
  if (listed.length === 0) return html``;
  const more = listed.length - LISTED_REQUESTS;
  return html`<h3>${heading}</h3>
<table><thead><tr><th scope="col">${column}</th><th scope="col">Requested</th></tr></thead><tbody>${listed
    .slice(0, LISTED_REQUESTS)
    .map((r) => html`<tr><td><code>${r.address}</code></td><td>${r.createdAt}</td></tr>`)}</tbody></table>${
    more > 0 ? html`<p>… and ${more} more</p>` : html``
  }`;
}
