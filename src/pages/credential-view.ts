// A credential as the dashboard and its pages show it: its fields, never a secret.
import { CREDENTIAL_SPECS } from '../model.js';
import type { PublicCredential } from '../portal/contract.js';
import { html, type SafeHtml } from '../render/html-template.js';
import { CREDENTIAL_LABELS } from './credential-fields.js';
import { csrfField } from './layout.js';

export const LOSE_ACCESS = 'Applications and services using this credential lose access immediately.';

export function credentialName(credential: PublicCredential): string {
  return `${credential.type} “${String(credential[CREDENTIAL_SPECS[credential.type].identityField] ?? credential.id)}”`;
}

const HIDDEN_PROPERTIES = new Set(['id', 'type', 'managed', 'active', 'origin', 'createdAt']);

export function credentialProperties(credential: PublicCredential): SafeHtml {
  const fields = Object.entries(credential).filter(
    ([key, value]) => !HIDDEN_PROPERTIES.has(key) && value !== undefined && value !== null && value !== '',
  );
  return html`<dl class="props"><dt>Type</dt><dd>${CREDENTIAL_LABELS[credential.type]}</dd>
${fields.map(([key, value]) => html`<dt>${key}</dt><dd>${shown(value)}</dd>`)}
<dt>Active</dt><dd>${credential.active ? 'yes' : 'no (your access is not approved)'}</dd>
<dt>Created</dt><dd>${credential.createdAt}</dd></dl>`;
}

function shown(value: unknown): string {
  if (Array.isArray(value)) return value.join(', ') || '—';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

const ROTATE_WARNING =
  'Rotate the secret? Applications and services using the current secret lose access until they use the new one.';

export function credentialCard(credential: PublicCredential, csrfToken: string): SafeHtml {
  const actions = credential.managed
    ? html`<p class="muted">Managed by the portal’s manifests: ask an administrator to change, rotate or delete it.</p>`
    : html`<div class="actions"><a class="button secondary" href="/credentials/${credential.id}/edit">Edit</a>
<form method="post" action="/credentials/${credential.id}/rotate" data-confirm="${ROTATE_WARNING}">${csrfField(csrfToken)}
<button type="submit" class="secondary">Rotate secret</button></form>
<form method="post" action="/credentials/${credential.id}/delete" data-confirm="Delete this credential? ${LOSE_ACCESS}">${csrfField(csrfToken)}
<button type="submit" class="danger">Delete</button></form></div>`;
  const heading = html`<h3 id="c-${credential.id}">${credentialName(credential)}</h3>`;
  return html`<section class="card" aria-labelledby="c-${credential.id}">${heading}${credentialProperties(credential)}${actions}</section>`;
}
