// An application as the developer's pages show it (docs/applications.md): its description, its API
// registrations with their status, the form to register it to one of the portal's APIs, its
// credentials and what deleting it takes along.
import type { PortalError, PublicApi, PublicApplication, PublicRegistration } from '../portal/contract.js';
import { html, type SafeHtml } from '../render/html-template.js';
import { blockingRegistrations, managedApplication, withdrawable } from './application-rules.js';
import { credentialCard, credentialName, humanTime } from './credential-view.js';
import { errorNotice, input } from './forms.js';
import { csrfField, notice } from './layout.js';

export const NAME_HINT = 'Lower-case letters, digits and “-”, up to 63 characters; it cannot be changed later.';
export const LOSE_ALL = 'Services using its credentials lose access at once.';
const MANAGED =
  'Managed by the portal’s manifests: you may add credentials and request registrations; an administrator deletes it.';
const MANAGED_DESCRIPTION = 'Managed by the portal’s manifests: ask an administrator to change it.';
const MANAGED_DELETE = 'Managed by the portal’s manifests: only an administrator can delete it.';

/** What the developer may read of a registration's status. */
export const STATUS_WORDS: Record<PublicRegistration['status'], string> = {
  pending: 'waiting for an administrator to decide',
  approved: 'the application’s credentials may call it',
  rejected: 'by an administrator',
  revoked: 'by an administrator',
};

export function applicationPath(application: Pick<PublicApplication, 'id'>): string {
  return `/applications/${encodeURIComponent(application.id)}`;
}

/** `application “billing”`, as a sentence names it. */
export function applicationNoun(application: Pick<PublicApplication, 'name'>): string {
  return `application “${application.name}”`;
}

export function applicationTitle(application: Pick<PublicApplication, 'name'>): string {
  return `Application “${application.name}”`;
}

function badge(status: PublicRegistration['status']): SafeHtml {
  return html`<span class="badge ${status}">${status}</span>`;
}

function apiLabel(name: string, apis: readonly PublicApi[]): string {
  const title = apis.find((api) => api.name === name)?.title;
  return title ? `${title} (${name})` : name;
}

function plural(count: number, one: string): string {
  return `${count} ${one}${count === 1 ? '' : 's'}`;
}

/** One application on the list: its name as a link, its description and its registrations at a glance. */
export function applicationSummary(application: PublicApplication): SafeHtml {
  const id = `a-${application.id}`;
  const registrations = application.registrations.map((r) => html`<li>${r.api} ${badge(r.status)}</li>`);
  return html`<section class="card" aria-labelledby="${id}">
<h2 id="${id}"><a href="${applicationPath(application)}">${application.name}</a></h2>
${application.description ? html`<p>${application.description}</p>` : ''}
<dl class="props"><dt>Credentials</dt><dd>${application.credentials.length}</dd>
<dt>API registrations</dt><dd>${registrations.length > 0 ? html`<ul class="inline">${registrations}</ul>` : 'none'}</dd>
<dt>Created</dt><dd>${humanTime(application.createdAt)}</dd></dl>
${managedApplication(application) ? html`<p class="muted">${MANAGED}</p>` : ''}</section>`;
}

/** The properties at the top of an application's page. */
export function applicationProperties(application: PublicApplication): SafeHtml {
  const origin = managedApplication(application) ? 'the portal’s manifests' : 'you';
  return html`<dl class="props"><dt>Name</dt><dd>${application.name}</dd>
<dt>Managed by</dt><dd>${origin}</dd>
<dt>Created</dt><dd>${humanTime(application.createdAt)}</dd></dl>`;
}

/** The description, as a form unless the manifests manage it. */
export function descriptionSection(application: PublicApplication, csrfToken: string, error?: PortalError): SafeHtml {
  const heading = html`<h2 id="description">Description</h2>`;
  if (application.managed.description)
    return html`${heading}<p>${application.description ?? 'None.'}</p><p class="muted">${MANAGED_DESCRIPTION}</p>`;
  const value = application.description ?? '';
  const invalid = error?.errors?.find((e) => e.field === 'description');
  const aria = invalid ? html` aria-invalid="true" aria-describedby="description-error"` : '';
  return html`${heading}${error ? errorNotice(error, ['description']) : ''}
<form class="stack" method="post" action="${applicationPath(application)}/description" novalidate>${csrfField(csrfToken)}
<div class="field"><label for="description-text">What the application does (optional)</label>
<textarea id="description-text" name="description"${aria}>${value}</textarea>
${invalid ? html`<span class="error-text" id="description-error">${invalid.message}</span>` : ''}</div>
<div><button type="submit">Save description</button></div></form>`;
}

function registrationAction(application: PublicApplication, registration: PublicRegistration, csrfToken: string) {
  if (registration.status === 'rejected' || registration.status === 'revoked')
    return html`<span class="muted">Only an administrator can remove it.</span>`;
  if (!withdrawable(registration)) return html`<span class="muted">Managed by the portal’s manifests.</span>`;
  const path = `${applicationPath(application)}/registrations/${encodeURIComponent(registration.api)}/withdraw`;
  const confirm = `Withdraw the registration to ${registration.api}? The application’s credentials can no longer call it.`;
  return html`<form method="post" action="${path}" data-confirm="${confirm}">${csrfField(csrfToken)}
<button type="submit" class="secondary">Withdraw<span class="visually-hidden"> the registration to ${registration.api}</span></button></form>`;
}

/** The application's registrations, each with its status and what the developer may do with it. */
export function registrationsTable(
  application: PublicApplication,
  apis: readonly PublicApi[],
  csrfToken: string,
): SafeHtml {
  if (application.registrations.length === 0) return html`<p>This application is not registered to any API yet.</p>`;
  const rows = application.registrations.map(
    (r) => html`<tr><td data-label="API">${apiLabel(r.api, apis)}</td>
<td data-label="Status"><span>${badge(r.status)} <span class="muted">${STATUS_WORDS[r.status]}</span></span></td>
<td data-label="Created">${humanTime(r.createdAt)}</td>
<td data-label="Action">${registrationAction(application, r, csrfToken)}</td></tr>`,
  );
  return html`<div class="table-wrap"><table class="stack"><caption class="visually-hidden">API registrations of ${application.name}</caption>
<thead><tr><th scope="col">API</th><th scope="col">Status</th><th scope="col">Created</th><th scope="col">Action</th></tr></thead>
<tbody>${rows}</tbody></table></div>`;
}

/** The form that registers the application to one of the portal's APIs it is not registered to yet. */
export function registerForm(
  application: PublicApplication,
  apis: readonly PublicApi[],
  csrfToken: string,
  error?: PortalError,
): SafeHtml {
  const taken = new Set(application.registrations.map((r) => r.api));
  const open = apis.filter((api) => !taken.has(api.name));
  const problem = error ? refusalNotice(error) : '';
  if (apis.length === 0) return html`${problem}<p>The portal publishes no APIs yet.</p>`;
  if (open.length === 0)
    return html`${problem}<p>This application is registered to every API the portal publishes.</p>`;
  const options = open.map(
    (api) =>
      html`<option value="${api.name}">${apiLabel(api.name, apis)}, ${api.autoApprove ? 'approved at once' : 'needs approval'}</option>`,
  );
  const about = open.map(
    (api) => html`<dt>${apiLabel(api.name, apis)}</dt><dd>${api.description ?? 'No description.'}
${api.autoApprove ? 'Registrations are approved at once.' : 'An administrator approves each registration.'}</dd>`,
  );
  return html`${problem}<form class="stack" method="post" action="${applicationPath(application)}/registrations" novalidate>${csrfField(csrfToken)}
<div class="field"><label for="register-api">API</label><select id="register-api" name="api" aria-describedby="register-api-hint">${options}</select>
<span class="hint" id="register-api-hint">The portal’s APIs this application is not registered to yet.</span></div>
<div><button type="submit">Request registration</button></div></form>
<details><summary>About these APIs</summary><dl class="apis">${about}</dl></details>`;
}

/** A refusal of a form without fields to mark (a registration, a deletion): its title and its detail, which names what. */
export function refusalNotice(error: PortalError): SafeHtml {
  return notice('error', html`<strong>${error.title}.</strong> ${error.detail}`);
}

/** The application's credentials, as the dashboard shows the developer's own. */
export function credentialsSection(
  application: PublicApplication,
  canCreate: boolean,
  csrfToken: string,
  onceToken: string,
): SafeHtml {
  const base = `${applicationPath(application)}/credentials`;
  const create = canCreate
    ? html`<p><a class="button" href="${base}/new">Create credential for ${application.name}</a></p>`
    : notice(
        'info',
        'You cannot create credentials at the moment: self-service is off, or you hold as many as allowed.',
      );
  const cards = application.credentials.map((c) => credentialCard(c, csrfToken, onceToken, { base, level: 3 }));
  return html`${create}${cards.length > 0 ? cards : html`<p>This application has no credentials yet.</p>`}`;
}

/** What deleting the application takes along, in words. */
export function whatGoes(application: PublicApplication): SafeHtml {
  const credentials = application.credentials.map((c) => html`<li>the credential ${credentialName(c)}</li>`);
  const registrations = application.registrations.map((r) => html`<li>the registration to ${r.api} (${r.status})</li>`);
  const all = [...credentials, ...registrations];
  if (all.length === 0) return html`<p>It holds no credentials and no registrations.</p>`;
  return html`<p>These go with it:</p><ul>${all}</ul>`;
}

/** The confirmation the delete form asks for in the browser. */
export function deleteQuestion(application: PublicApplication): string {
  const credentials = plural(application.credentials.length, 'credential');
  const registrations = plural(application.registrations.length, 'API registration');
  return `Delete ${application.name}? Its ${credentials} and ${registrations} are deleted with it. ${LOSE_ALL}`;
}

/** The end of the page: the delete form, or why the developer may not delete the application. */
export function deleteSection(application: PublicApplication, csrfToken: string): SafeHtml {
  const heading = html`<h2 id="delete">Delete application</h2>`;
  if (managedApplication(application)) return html`${heading}<p class="muted">${MANAGED_DELETE}</p>`;
  const blocking = blockingRegistrations(application);
  if (blocking.length > 0) {
    const held = blocking.map((r) => `the ${r.status} registration to ${r.api}`).join(' and ');
    const why = `Only an administrator can delete it: it holds ${held}, which only an administrator lifts.`;
    return html`${heading}${notice('info', why)}`;
  }
  const warning = html`<strong>Deleting the application cannot be undone.</strong> ${LOSE_ALL}`;
  return html`${heading}${notice('warn', warning)}${whatGoes(application)}
<form method="post" action="${applicationPath(application)}/delete" data-confirm="${deleteQuestion(application)}">${csrfField(csrfToken)}
<button type="submit" class="danger">Delete ${application.name}</button></form>`;
}

export function nameField(value: string | undefined, error?: PortalError): SafeHtml {
  return input({ name: 'name', label: 'Name', value, required: true, hint: NAME_HINT, errors: error?.errors });
}
