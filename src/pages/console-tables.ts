// What the console's tables share: times that never wrap inside, column headings, and the table of
// credentials' non-secret fields (a developer's own, and each application's).
import type { CredentialRow } from '../console/read-model.js';
import { html, type SafeHtml } from '../render/html-template.js';

/** A time as the console shows it: the whole timestamp, on one line, or broken after its date on a narrow card. */
export function time(at: string): SafeHtml {
  const split = at.indexOf('T') + 1;
  return split > 0
    ? html`<time datetime="${at}">${at.slice(0, split)}<span class="clock">${at.slice(split)}</span></time>`
    : html`<time datetime="${at}">${at}</time>`;
}

export const headings = (names: string[]) =>
  html`<thead><tr>${names.map((n) => html`<th scope="col">${n}</th>`)}</tr></thead>`;

/** Credentials' non-secret fields as a table. */
export function credentialTable(credentials: CredentialRow[]): SafeHtml {
  const rows = credentials.map(
    (c) => html`<tr><td data-label="Type" class="nowrap">${c.type}</td><td data-label="Identity">${c.identity}</td>
<td data-label="Fields">${fieldList(c.fields)}</td><td data-label="Active">${c.active ? 'yes' : 'no'}</td>
<td data-label="Origin" class="nowrap">${c.origin}</td><td data-label="Created">${time(c.createdAt)}</td></tr>`,
  );
  return html`<div class="table-wrap"><table class="stack">
${headings(['Type', 'Identity', 'Fields', 'Active', 'Origin', 'Created'])}<tbody>
${rows}
</tbody></table></div>`;
}

function fieldList(fields: Record<string, unknown>): SafeHtml {
  const entries = Object.entries(fields);
  return entries.length === 0
    ? html`—`
    : html`${entries.map(([k, v], i) => html`${i > 0 ? html`<br>` : ''}${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)}`;
}
