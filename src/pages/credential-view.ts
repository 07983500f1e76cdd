// A credential as the dashboard and its pages show it: its fields under human labels, times in
// words, never a secret.
import { CREDENTIAL_SPECS } from '../model.js';
import type { PublicCredential } from '../portal/contract.js';
import { html, type SafeHtml } from '../render/html-template.js';
import { CREDENTIAL_LABELS } from './credential-fields.js';
import { csrfField } from './layout.js';
import { ONCE_FIELD } from './one-time.js';

export const LOSE_ACCESS = 'Applications and services using this credential lose access immediately.';

/** The labels of a credential's fields on its card, by manifest name. */
export const PROPERTY_LABELS: Record<string, string> = {
  name: 'Name',
  ttl: 'Lifetime',
  username: 'Username',
  clientId: 'Client ID',
  redirectUris: 'Redirect URIs',
  clientType: 'Client type',
  hashSecret: 'Client secret stored hashed',
  key: 'Key (iss claim)',
  algorithm: 'Algorithm',
  rsaPublicKey: 'Public key',
  group: 'Group',
  expiresAt: 'Expires',
};

/** The labels of the generated secret values, by field name. */
export const SECRET_LABELS: Record<string, string> = {
  key: 'API key',
  password: 'Password',
  clientSecret: 'Client secret',
  secret: 'Secret',
};

export function credentialName(credential: PublicCredential): string {
  return `${credential.type} “${String(credential[CREDENTIAL_SPECS[credential.type].identityField] ?? credential.id)}”`;
}

const HIDDEN_PROPERTIES = new Set(['id', 'type', 'managed', 'active', 'origin', 'createdAt']);
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;
const DATE_TIME = new Intl.DateTimeFormat('en-GB', { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' });

/** "7 December 2026 at 13:40 UTC", in a <time> element holding the exact instant. */
export function humanTime(iso: string): SafeHtml {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return html`${iso}`;
  return html`<time datetime="${iso}">${DATE_TIME.format(date)} UTC</time>`;
}

/** A field name the labels do not know, in words: `redirectUris` → "Redirect uris". */
export function fieldLabel(field: string): string {
  const known = PROPERTY_LABELS[field] ?? SECRET_LABELS[field];
  if (known) return known;
  const words = field.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function seconds(total: number): string {
  const units: Array<[number, string]> = [
    [86_400, 'day'],
    [3_600, 'hour'],
    [60, 'minute'],
  ];
  for (const [size, unit] of units)
    if (total >= size && total % size === 0) return `${total / size} ${unit}${total === size ? '' : 's'}`;
  return `${total} second${total === 1 ? '' : 's'}`;
}

function shown(field: string, value: unknown): SafeHtml | string {
  if (Array.isArray(value)) return value.join(', ') || '—';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (field === 'ttl' && typeof value === 'number') return seconds(value);
  if (typeof value === 'string' && ISO_TIME.test(value)) return humanTime(value);
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

export function credentialProperties(credential: PublicCredential): SafeHtml {
  const order = (key: string) => (key in PROPERTY_LABELS ? Object.keys(PROPERTY_LABELS).indexOf(key) : Infinity);
  const fields = Object.entries(credential)
    .filter(([key, value]) => !HIDDEN_PROPERTIES.has(key) && value !== undefined && value !== null && value !== '')
    .sort(([a], [b]) => order(a) - order(b));
  return html`<dl class="props"><dt>Type</dt><dd>${CREDENTIAL_LABELS[credential.type]}</dd>
${fields.map(([key, value]) => html`<dt>${fieldLabel(key)}</dt><dd>${shown(key, value)}</dd>`)}
<dt>Active</dt><dd>${credential.active ? 'yes' : 'no (your access is not approved)'}</dd>
<dt>Created</dt><dd>${humanTime(credential.createdAt)}</dd></dl>`;
}

const ROTATE_WARNING =
  'Rotate the secret? Applications and services using the current secret lose access until they use the new one.';

/**
 * A credential on the dashboard (under the page's title: a level-2 heading) or an application's
 * page (under its Credentials heading: level 3); `onceToken` makes its rotate form a one-time form,
 * `base` is the path its owner's credential pages hang under.
 */
export function credentialCard(
  credential: PublicCredential,
  csrfToken: string,
  onceToken: string,
  { base = '/credentials', level = 2 }: { base?: string; level?: 2 | 3 } = {},
): SafeHtml {
  const once = html`<input type="hidden" name="${ONCE_FIELD}" value="${onceToken}">`;
  const actions = credential.managed
    ? html`<p class="muted">Managed by the portal’s manifests: ask an administrator to change, rotate or delete it.</p>`
    : html`<div class="actions"><a class="button secondary" href="${base}/${credential.id}/edit">Edit</a>
<form method="post" action="${base}/${credential.id}/rotate" data-confirm="${ROTATE_WARNING}">${csrfField(csrfToken)}${once}
<button type="submit" class="secondary">Rotate secret</button></form>
<form method="post" action="${base}/${credential.id}/delete" data-confirm="Delete this credential? ${LOSE_ACCESS}">${csrfField(csrfToken)}
<button type="submit" class="danger">Delete</button></form></div>`;
  const name = credentialName(credential);
  const heading =
    level === 2 ? html`<h2 id="c-${credential.id}">${name}</h2>` : html`<h3 id="c-${credential.id}">${name}</h3>`;
  return html`<section class="card" aria-labelledby="c-${credential.id}">${heading}${credentialProperties(credential)}${actions}</section>`;
}
