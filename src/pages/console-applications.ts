// The console's pages of applications and APIs (docs/applications.md): the registration requests
// beside the sign-ups, a developer's applications (credentials without secrets, registrations with
// their status), and the APIs, each with its registrations grouped by status and paged. Read only:
// a registration is decided by a reviewed manifest change, as a sign-up is.
import type { FastifyInstance } from 'fastify';
import {
  type ApiRegistrationRow,
  type ApiSummary,
  type ApplicationRow,
  mergedRegistrationEntries,
  type RegistrationRequest,
} from '../console/read-model.js';
import { apiAddress, applicationAddress, STATUSES, type Status } from '../model.js';
import { html, type SafeHtml } from '../render/html-template.js';
import type { ConsoleView } from './console-view.js';
import { credentialTable, headings, time } from './console-tables.js';

const developerLink = (email: string) => html`<a href="/console/developers/${encodeURIComponent(email)}">${email}</a>`;
const apiPath = (name: string) => `/console/apis/${encodeURIComponent(name)}`;
const apiLink = (name: string) => html`<a href="${apiPath(name)}">${name}</a>`;
const badge = (status: Status) => html`<span class="badge ${status}">${status}</span>`;
/** Registrations of each status the API's page shows before a link to all of them. */
const GROUP_PREVIEW = 10;
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export function apiPages(fastify: FastifyInstance, view: ConsoleView): void {
  const { readModel } = view;
  fastify.get(
    '/console/apis',
    view.signedIn(async (_request, reply) => {
      const [apis, settings] = await Promise.all([readModel.apis(), readModel.portalAutoApprove()]);
      return view.page(reply, 'APIs', apisBody(apis, settings), '/console/apis');
    }),
  );

  fastify.get(
    '/console/apis/:name',
    view.signedIn(async (request, reply) => {
      const name = String((request.params as Record<string, unknown>).name ?? '');
      const query = request.query as Record<string, string | undefined>;
      const [api, portalAuto] = await Promise.all([readModel.api(name), readModel.portalAutoApprove()]);
      if (!api) {
        const body = html`<p>No API is named ${name}.</p><p><a href="/console/apis">Back to the APIs</a></p>`;
        return view.page(reply, 'No such API', body, '/console/apis', 404);
      }
      // One status's group, paged on its own; without one, the oldest few of every status.
      const only = STATUSES.find((s) => s === query.status);
      const groups = await Promise.all(
        (only ? [only] : STATUSES).map(async (status) => ({
          status,
          ...(await readModel.apiRegistrations(
            name,
            only ? { status, after: query.after } : { status, limit: GROUP_PREVIEW },
          )),
        })),
      );
      const body = apiBody(api, portalAuto, groups, only ? query.after : undefined);
      return view.page(reply, api.title ? `${api.title} (${api.name})` : api.name, body, '/console/apis');
    }),
  );
}

/** The registration requests, right after the sign-ups on the access requests page. */
export function registrationRequestsBody(requests: RegistrationRequest[]): SafeHtml {
  const heading = html`<h2 id="registration-requests">Registration requests</h2>`;
  if (requests.length === 0)
    return html`<section aria-labelledby="registration-requests">${heading}<p>No registration request is waiting.</p></section>`;
  const copyAll = html`<div class="actions">
<button type="button" class="secondary" data-copy="all-registration-entries" hidden>
Copy the entries of all ${requests.length} registration requests</button></div>
<pre id="all-registration-entries" hidden>${mergedRegistrationEntries(requests)}</pre>`;
  return html`<section aria-labelledby="registration-requests">${heading}
<p>${plural(requests.length, 'pending registration request')} of applications to an API, oldest first. To approve one, add its
entry under <code>developers:</code> in the manifests and merge the reviewed pull request; for a developer the manifests already
declare, merge the entry's <code>applications</code> into that developer's entry. To refuse one, declare the registration with
<code>status: rejected</code>.</p>
${requests.length > 1 ? copyAll : ''}
${requests.map((r, i) => registrationRequestCard(r, i))}</section>`;
}

function registrationRequestCard(r: RegistrationRequest, i: number): SafeHtml {
  const intro = r.developerManaged
    ? html`The manifests declare ${r.email}: merge the <code>applications</code> of this entry into theirs.`
    : html`The manifest entry that approves it; it also declares ${r.email}, approved, in the manifests:`;
  return html`<section class="card" aria-labelledby="registration-${i}">
<h3 id="registration-${i}"><span class="nowrap">${r.application}</span> → <span class="nowrap">${r.api}</span></h3>
<dl class="props"><dt>Developer</dt><dd>${developerLink(r.email)}</dd><dt>Name</dt><dd>${r.fullName}</dd>
<dt>Application</dt><dd>${address(applicationAddress(r.email, r.application))}</dd><dt>API</dt><dd>${apiLink(r.api)}</dd>
<dt>Requested</dt><dd>${time(r.createdAt)}</dd></dl>
<p>${intro}</p><pre id="registration-entry-${i}">${r.manifest}</pre>
<button type="button" class="secondary" data-copy="registration-entry-${i}" hidden>
Copy entry for ${r.application} to ${r.api} of ${r.email}</button></section>`;
}

/** An address in code type, which a narrow screen may break only between its parts. */
function address(text: string): SafeHtml {
  return html`<code>${text.split('].').map((part, i) => (i === 0 ? part : html`]<wbr>.${part}`))}</code>`;
}

/** A developer's applications, on its page after its own credentials. */
export function applicationsBody(email: string, applications: ApplicationRow[]): SafeHtml {
  const heading = html`<h2 id="applications">Applications (${applications.length})</h2>`;
  if (applications.length === 0) return html`${heading}<p>None.</p>`;
  return html`${heading}${applications.map((a) => applicationSection(email, a))}`;
}

function applicationSection(email: string, a: ApplicationRow): SafeHtml {
  const id = `application-${a.name}`;
  const description = a.description ?? '—';
  const registrations = html`<div class="table-wrap"><table class="stack">
${headings(['API', 'Status', 'Origin', 'Requested'])}<tbody>
${a.registrations.map(
  (r) => html`<tr><td data-label="API">${apiLink(r.api)}</td><td data-label="Status">${badge(r.status)}</td>
<td data-label="Origin" class="nowrap">${r.origin}</td><td data-label="Requested">${time(r.createdAt)}</td></tr>`,
)}
</tbody></table></div>`;
  return html`<section class="card" aria-labelledby="${id}"><h3 id="${id}">${a.name}</h3>
<dl class="props"><dt>Address</dt><dd>${address(applicationAddress(email, a.name))}</dd>
<dt>Description</dt><dd>${description}${a.descriptionManaged ? '' : html` <span class="muted">(the developer's)</span>`}</dd>
<dt>Origin</dt><dd>${a.origin}</dd><dt>Created</dt><dd>${time(a.createdAt)}</dd></dl>
<h4>Credentials (${a.credentials.length})</h4>${a.credentials.length === 0 ? html`<p>None.</p>` : credentialTable(a.credentials)}
<h4>Registrations (${a.registrations.length})</h4>${a.registrations.length === 0 ? html`<p>None.</p>` : registrations}</section>`;
}

function autoApproveText(own: boolean | null, portal: boolean): string {
  if (own === null) return `${portal ? 'yes' : 'no'}, the portal's setting`;
  return own ? 'yes' : 'no';
}

const capitalized = (status: Status) => `${status[0]!.toUpperCase()}${status.slice(1)}`;

function apisBody(apis: ApiSummary[], portalAuto: boolean): SafeHtml {
  if (apis.length === 0) return html`<p>No API is declared. The manifests' <code>apis:</code> publish them.</p>`;
  const rows = apis.map(
    (a) => html`<tr><td data-label="API">${apiLink(a.name)}</td><td data-label="Title">${a.title ?? '—'}</td>
<td data-label="Auto-approve">${autoApproveText(a.autoApproveRegistrations, portalAuto)}</td>
${STATUSES.map((s) => html`<td data-label="${capitalized(s)}">${statusCount(a, s)}</td>`)}</tr>`,
  );
  return html`<p>The APIs the manifests publish, with their applications' registrations by status.</p>
<div class="table-wrap"><table class="stack"><caption class="muted">APIs</caption>
${headings(['API', 'Title', 'Auto-approve', ...STATUSES.map(capitalized)])}<tbody>
${rows}
</tbody></table></div>`;
}

function statusCount(api: ApiSummary, status: Status): SafeHtml {
  const n = api.registrations[status];
  const label = `${plural(n, `${status} registration`)} to ${api.name}`;
  return n === 0 ? html`0` : html`<a href="${apiPath(api.name)}?status=${status}" aria-label="${label}">${n}</a>`;
}

interface Group {
  status: Status;
  registrations: ApiRegistrationRow[];
  next: string | null;
}

function apiBody(api: ApiSummary, portalAuto: boolean, groups: Group[], after: string | undefined): SafeHtml {
  const one = groups.length === 1;
  const current = (s: Status) => (one && groups[0]!.status === s ? html` aria-current="page"` : '');
  const statusLinks = STATUSES.map(
    (s) =>
      html`<a href="${apiPath(api.name)}?status=${s}"${current(s)}>${capitalized(s)} (${api.registrations[s]})</a>`,
  );
  return html`<dl class="props"><dt>Address</dt><dd><code>${apiAddress(api.name)}</code></dd>
<dt>Title</dt><dd>${api.title ?? '—'}</dd><dt>Description</dt><dd>${api.description ?? '—'}</dd>
<dt>Auto-approve</dt><dd>${autoApproveText(api.autoApproveRegistrations, portalAuto)}</dd>
<dt>ACL groups</dt><dd>${api.aclGroups.length === 0 ? '—' : api.aclGroups.join(', ')}</dd>
<dt>Declared</dt><dd>${time(api.createdAt)}</dd></dl>
<nav class="actions" aria-label="Registrations by status">${one ? html`<a href="${apiPath(api.name)}">Every status</a>` : ''}${statusLinks}</nav>
${groups.map((g) => (one ? registrationPage(api, g, after) : registrationGroup(api, g)))}
<p><a href="/console/apis">Back to the APIs</a></p>`;
}

/** One status's group on the API's page: its oldest registrations, and a link to all of them when there are more. */
function registrationGroup(api: ApiSummary, group: Group): SafeHtml {
  const { status, registrations } = group;
  const total = api.registrations[status];
  const more =
    total > registrations.length
      ? html`<p><a href="${apiPath(api.name)}?status=${status}">All ${total} ${status} registrations</a></p>`
      : '';
  return html`<section aria-labelledby="registrations-${status}">${groupHeading(status, total)}
${registrations.length === 0 ? html`<p>None.</p>` : registrationTable(api, status, registrations, false)}${more}</section>`;
}

/** One page of a status's registrations, with the links to the first and the next page. */
function registrationPage(api: ApiSummary, group: Group, after: string | undefined): SafeHtml {
  const { status, registrations, next } = group;
  const base = `${apiPath(api.name)}?status=${status}`;
  const first = after ? html`<a href="${base}">First page</a>` : '';
  const following = next
    ? html`<a href="${base}&amp;after=${encodeURIComponent(next)}">Next ${status} registrations</a>`
    : '';
  const pager =
    first || following
      ? html`<nav class="pager" aria-label="Pages of ${status} registrations">${first}${following}</nav>`
      : '';
  return html`<section aria-labelledby="registrations-${status}">${groupHeading(status, api.registrations[status])}
${registrations.length === 0 ? html`<p>None.</p>` : registrationTable(api, status, registrations, after !== undefined)}${pager}</section>`;
}

const groupHeading = (status: Status, total: number) =>
  html`<h2 id="registrations-${status}">${capitalized(status)} (${total})</h2>`;

function registrationTable(api: ApiSummary, status: Status, registrations: ApiRegistrationRow[], continued: boolean) {
  const rows = registrations.map(
    (r) => html`<tr><td data-label="Developer">${developerLink(r.email)}</td>
<td data-label="Application" class="nowrap">${r.application}</td>
<td data-label="Origin" class="nowrap">${r.origin}</td><td data-label="Requested">${time(r.createdAt)}</td></tr>`,
  );
  return html`<div class="table-wrap"><table class="stack">
<caption class="muted">${capitalized(status)} registrations to ${api.name}${continued ? ', continued' : ''}</caption>
${headings(['Developer', 'Application', 'Origin', 'Requested'])}<tbody>
${rows}
</tbody></table></div>`;
}
