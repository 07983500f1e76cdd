// The plan's section on what the manifests do not manage (docs/unmanaged.md), shared by the text, markdown
// and html formats: the pending access requests named first, oldest first, then the unverified
// sign-ups (no requests until they prove their address) and the other unmanaged developers and
// credentials as counts. Nothing in it is a change.
import { html, type SafeHtml } from './html-template.js';
import type { UnmanagedObject } from '../plan/types.js';
import { plural } from '../util/plural.js';

/** Requests named before "and N more": the section stays short on a busy public portal. */
export const LISTED_REQUESTS = 10;

export interface UnmanagedSummary {
  /** Unmanaged pending developers whose address is verified, oldest first. */
  requests: UnmanagedObject[];
  /** "2 unverified sign-ups …", apart from the requests: they are none until they verify; null when there are none. */
  unverified: string | null;
  /** The rest, counted: "3 other self-registered developers", "1 released credential". */
  counts: string[];
}

export const UNMANAGED_HEADING = 'Not managed by the manifests (left as they are; none of this is a change)';
const APPROVE_HINT =
  'Approve a request by declaring the developer in a manifest: `portalform requests --format manifest` prints the entries.';

const isUnverified = (o: UnmanagedObject) => o.kind === 'developer' && o.emailVerified === false;
const isRequest = (o: UnmanagedObject) => o.kind === 'developer' && o.status === 'pending' && !isUnverified(o);

export function summarizeUnmanaged(objects: readonly UnmanagedObject[]): UnmanagedSummary {
  const requests = objects.filter(isRequest);
  const unverified = objects.filter(isUnverified).length;
  const tally = (kind: UnmanagedObject['kind'], origin: string) =>
    objects.filter((o) => o.kind === kind && o.origin === origin && !isRequest(o) && !isUnverified(o)).length;
  const other = requests.length > 0 || unverified > 0 ? 'other ' : '';
  const counts = [
    [tally('developer', 'self-service'), `${other}self-registered developer`],
    [tally('developer', 'released'), `${other}released developer`],
    [tally('credential', 'self-service'), 'self-made credential'],
    [tally('credential', 'released'), 'released credential'],
  ] as const;
  return {
    requests,
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

function more(summary: UnmanagedSummary): number {
  return summary.requests.length - LISTED_REQUESTS;
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
  for (const line of countLines(summary)) lines.push(`  ${line}`);
  if (summary.requests.length > 0) lines.push(`  ${APPROVE_HINT.replace(/`/g, '')}`);
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
  for (const line of countLines(summary)) lines.push(`- ${line}`);
  if (summary.requests.length > 0) lines.push('', APPROVE_HINT);
  return lines;
}

/** The section as one piece of the HTML report. */
export function unmanagedHtml(objects: readonly UnmanagedObject[] | undefined): SafeHtml | null {
  if (!objects || objects.length === 0) return null;
  const summary = summarizeUnmanaged(objects);
  const listed = summary.requests.slice(0, LISTED_REQUESTS);
  const requests =
    summary.requests.length === 0
      ? html``
      : html`<h3>${requestsHeading(summary)}</h3>
<table><thead><tr><th scope="col">Developer</th><th scope="col">Requested</th></tr></thead><tbody>${listed.map(
          (r) => html`<tr><td><code>${r.address}</code></td><td>${r.createdAt}</td></tr>`,
        )}</tbody></table>${more(summary) > 0 ? html`<p>… and ${more(summary)} more</p>` : html``}`;
  return html`<section aria-labelledby="unmanaged"><h2 id="unmanaged">${UNMANAGED_HEADING}</h2>
${requests}${countLines(summary).length > 0 ? html`<ul>${countLines(summary).map((line) => html`<li>${line}</li>`)}</ul>` : html``}${
  summary.requests.length > 0
    ? html`<p class="meta">Approve a request by declaring the developer in a manifest:
        <code>portalform requests --format manifest</code> prints the entries.</p>`
    : html``
}</section>`;
}
