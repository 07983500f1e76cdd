// The console's pages of people: the access requests, the developer list with its search and
// filters, and one developer with its credentials (secrets never read) and applications. Identifiers, badges and
// times never break inside a word; on a narrow screen each table row becomes a labelled card.
import type { FastifyInstance } from 'fastify';
import { type AccessRequest, type DeveloperRow, ORIGINS } from '../console/read-model.js';
import { developerAddress, STATUSES, type Status } from '../model.js';
import { html, type SafeHtml } from '../render/html-template.js';
import { applicationsBody, registrationRequestsBody } from './console-applications.js';
import { credentialTable, headings, time } from './console-tables.js';
import type { ConsoleView } from './console-view.js';
import { input } from './forms.js';

type Detail = NonNullable<Awaited<ReturnType<ConsoleView['readModel']['developer']>>>;

export function developerPages(fastify: FastifyInstance, view: ConsoleView): void {
  const { readModel } = view;
  fastify.get(
    '/console/requests',
    view.signedIn(async (_request, reply) => {
      const [requests, registrations, unverified] = await Promise.all([
        readModel.accessRequests(),
        readModel.registrationRequests(),
        readModel.unverifiedSignUps(),
      ]);
      const body = html`${requestsBody(requests)}${registrationRequestsBody(registrations)}${unverifiedBody(unverified)}`;
      return view.page(reply, 'Access requests', body, '/console/requests');
    }),
  );

  fastify.get(
    '/console/developers',
    view.signedIn(async (request, reply) => {
      const query = request.query as Record<string, string | undefined>;
      const filters = {
        search: (query.q ?? '').slice(0, 200),
        status: STATUSES.includes(query.status as Status) ? (query.status as Status) : undefined,
        origin: (ORIGINS as readonly string[]).includes(query.origin ?? '') ? query.origin : undefined,
      };
      const [result, counts] = await Promise.all([
        readModel.developers({ ...filters, after: query.after }),
        readModel.statusCounts(),
      ]);
      const body = html`<p>${STATUSES.map((s) => html`<span class="badge ${s}">${s}: ${counts[s]}</span> `)}</p>
${filterForm(filters)}
${result.developers.length === 0 ? html`<p>No developer matches.</p>` : developerTable(result.developers, query.after)}
${pager(filters, query.after, result.next)}`;
      return view.page(reply, 'Developers', body, '/console/developers');
    }),
  );

  fastify.get(
    '/console/developers/:email',
    view.signedIn(async (request, reply) => {
      const email = String((request.params as Record<string, unknown>).email ?? '');
      const found = await readModel.developer(email);
      if (!found) {
        const body = html`<p>No developer has the email ${email}.</p>${backLink}`;
        return view.page(reply, 'No such developer', body, '/console/developers', 404);
      }
      return view.page(reply, found.developer.email, developerBody(found), '/console/developers');
    }),
  );
}

const backLink = html`<p><a href="/console/developers">Back to the developers</a></p>`;

function requestsBody(requests: AccessRequest[]): SafeHtml {
  if (requests.length === 0) return html`<h2 id="sign-ups">Sign-ups</h2><p>No sign-up is waiting.</p>`;
  const all = requests.map((r) => r.manifest).join('\n');
  const copyAll = html`<div class="actions">
<button type="button" class="secondary" data-copy="all-entries" hidden>Copy all ${requests.length} entries</button></div>
<pre id="all-entries" hidden>${all}</pre>`;
  return html`<h2 id="sign-ups">Sign-ups</h2>
<p>${requests.length} pending sign-up${requests.length === 1 ? '' : 's'}, oldest first. To approve one, add its entry
under <code>developers:</code> in the manifests and merge the reviewed pull request: the apply approves it. To refuse one, add it
with <code>status: rejected</code>.</p>
${requests.length > 1 ? copyAll : ''}
${requests.map(
  (r, i) => html`<section class="card" aria-labelledby="request-${i}">
<h3 id="request-${i}"><a href="/console/developers/${encodeURIComponent(r.email)}">${r.email}</a></h3>
<dl class="props"><dt>Name</dt><dd>${r.fullName}</dd><dt>Signed up</dt><dd>${time(r.createdAt)}</dd></dl>
<p>The manifest entry that approves it:</p><pre id="entry-${i}">${r.manifest}</pre>
<button type="button" class="secondary" data-copy="entry-${i}" hidden>Copy entry for ${r.email}</button></section>`,
)}`;
}

/** Apart from the requests: none of them is one until it proves its address, and a plan refuses to adopt them. */
function unverifiedBody(signUps: AccessRequest[]): SafeHtml {
  if (signUps.length === 0) return html``;
  return html`<section aria-labelledby="unverified"><h2 id="unverified">${signUps.length} unverified sign-up${signUps.length === 1 ? '' : 's'}</h2>
<p>Not access requests: these addresses have not been verified with the link mailed to them, so a plan refuses to adopt
them. Unverified sign-ups are deleted 7 days after their first verification mail.</p>
<div class="table-wrap"><table class="stack">${headings(['Email', 'Name', 'Signed up'])}<tbody>${signUps.map(
    (
      r,
    ) => html`<tr><td data-label="Email"><a href="/console/developers/${encodeURIComponent(r.email)}">${r.email}</a></td>
<td data-label="Name">${r.fullName}</td><td data-label="Signed up">${time(r.createdAt)}</td></tr>`,
  )}</tbody></table></div></section>`;
}

interface Filters {
  search: string;
  status?: Status;
  origin?: string;
}

function filterForm(filters: Filters): SafeHtml {
  const select = (name: string, label: string, values: readonly string[], chosen: string | undefined) =>
    html`<div class="field"><label for="filter-${name}">${label}</label><select id="filter-${name}" name="${name}">
<option value="">Any</option>${values.map((v) => html`<option${v === chosen ? html` selected` : ''}>${v}</option>`)}</select></div>`;
  const search = input({
    name: 'q',
    label: 'Search by email or name',
    type: 'search',
    value: filters.search,
    hint: 'Matches the start of an email or of a name.',
    idPrefix: 'filter',
  });
  return html`<form class="filters" method="get" action="/console/developers" role="search">
${search}
${select('status', 'Status', STATUSES, filters.status)}${select('origin', 'Origin', ORIGINS, filters.origin)}
<div><button type="submit">Search developers</button></div></form>`;
}

function developerTable(developers: DeveloperRow[], after: string | undefined): SafeHtml {
  const rows = developers.map(
    (
      d,
    ) => html`<tr><td data-label="Email"><a href="/console/developers/${encodeURIComponent(d.email)}">${d.email}</a></td>
<td data-label="Name">${d.fullName}</td><td data-label="Status"><span class="badge ${d.status}">${d.status}</span></td>
<td data-label="Origin" class="nowrap">${d.origin}</td><td data-label="Credentials">${d.credentials}</td>
<td data-label="Created">${time(d.createdAt)}</td></tr>`,
  );
  return html`<div class="table-wrap"><table class="stack"><caption class="muted">Developers${after ? html`, after ${after}` : ''}</caption>
${headings(['Email', 'Name', 'Status', 'Origin', 'Credentials', 'Created'])}<tbody>
${rows}
</tbody></table></div>`;
}

function pager(filters: Filters, after: string | undefined, next: string | null): SafeHtml {
  const base = {
    ...(filters.search ? { q: filters.search } : {}),
    ...(filters.status ? { status: filters.status } : {}),
    ...(filters.origin ? { origin: filters.origin } : {}),
  };
  const first = after ? html`<a href="/console/developers?${new URLSearchParams(base).toString()}">First page</a>` : '';
  const following = next
    ? html`<a href="/console/developers?${new URLSearchParams({ ...base, after: next }).toString()}">Next page</a>`
    : '';
  return html`<nav class="pager" aria-label="Pages">${first}${following}</nav>`;
}

function developerBody({ developer, credentials, applications }: Detail): SafeHtml {
  const meta = Object.entries(developer.meta);
  return html`<dl class="props"><dt>Address</dt><dd><code>${developerAddress(developer.email)}</code></dd>
<dt>Name</dt><dd>${developer.fullName}</dd>
<dt>Status</dt><dd><span class="badge ${developer.status}">${developer.status}</span></dd><dt>Origin</dt><dd>${developer.origin}</dd>
<dt>Custom ID</dt><dd>${developer.customId ?? '—'}</dd>
<dt>Created</dt><dd>${time(developer.createdAt)}</dd>${meta.map(([k, v]) => html`<dt>meta.${k}</dt><dd>${v}</dd>`)}</dl>
<h2>Credentials (${credentials.length})</h2><p class="muted">Secrets are never shown.</p>
${credentials.length === 0 ? html`<p>None.</p>` : credentialTable(credentials)}
${applicationsBody(developer.email, applications)}
${backLink}`;
}
