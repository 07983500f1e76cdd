// The plan's section on what the manifests do not manage (docs/unmanaged.md), shared by the text, markdown
// and html formats: the pending access requests named first, oldest first, then the other
// unmanaged developers and credentials as counts. Nothing in it is a change.
import { html, type SafeHtml } from './html-template.js';
import type { UnmanagedObject } from '../plan/types.js';
import { plural } from '../util/plural.js';

/** Requests named before "and N more": the section stays short on a busy public portal. */
export const LISTED_REQUESTS = 10;

export interface UnmanagedSummary {
  /** Unmanaged pending developers, oldest first. */
  requests: UnmanagedObject[];
  /** The rest, counted: "3 other self-registered developers", "1 released credential". */
  counts: string[];
}

export const UNMANAGED_HEADING = 'Not managed by the manifests (left as they are; none of this is a change)';
const APPROVE_HINT =
  'Approve a request by declaring the developer in a manifest: `portalform requests --format manifest` prints the entries.';

export function summarizeUnmanaged(objects: readonly UnmanagedObject[]): UnmanagedSummary {
  const requests = objects.filter((o) => o.kind === 'developer' && o.status === 'pending');
  const tally = (kind: UnmanagedObject['kind'], origin: string, skip: (o: UnmanagedObject) => boolean) =>
    objects.filter((o) => o.kind === kind && o.origin === origin && !skip(o)).length;
  const isRequest = (o: UnmanagedObject) => o.kind === 'developer' && o.status === 'pending';
  const counts = [
    [
      tally('developer', 'self-service', isRequest),
      requests.length > 0 ? 'other self-registered developer' : 'self-registered developer',
    ],
    [
      tally('developer', 'released', isRequest),
      requests.length > 0 ? 'other released developer' : 'released developer',
    ],
    [tally('credential', 'self-service', () => false), 'self-made credential'],
    [tally('credential', 'released', () => false), 'released credential'],
  ] as const;
  return { requests, counts: counts.filter(([n]) => n > 0).map(([n, noun]) => plural(n, noun)) };
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
  for (const line of summary.counts) lines.push(`  ${line}`);
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
  for (const line of summary.counts) lines.push(`- ${line}`);
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
${requests}${summary.counts.length > 0 ? html`<ul>${summary.counts.map((line) => html`<li>${line}</li>`)}</ul>` : html``}${
  summary.requests.length > 0
    ? html`<p class="meta">Approve a request by declaring the developer in a manifest:
        <code>portalform requests --format manifest</code> prints the entries.</p>`
    : html``
}</section>`;
}
