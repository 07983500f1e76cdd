// Form controls with visible labels, hints and errors tied to them for assistive technology.
import type { FieldError } from '../portal/contract.js';
import type { PortalError } from '../portal/contract.js';
import type { FormField } from './credential-fields.js';
import { html, type SafeHtml } from '../render/html-template.js';
import { fieldLabel } from './credential-view.js';
import { notice } from './layout.js';

export interface InputOptions {
  name: string;
  label: string;
  type?: 'text' | 'email' | 'password' | 'number' | 'search';
  value?: string;
  required?: boolean;
  readonly?: boolean;
  hint?: string;
  autocomplete?: string;
  errors?: readonly FieldError[];
  /** Distinguishes the ids of two forms on one page that share field names. */
  idPrefix?: string;
}

function ids(options: { name: string; idPrefix?: string }) {
  const id = `${options.idPrefix ?? 'f'}-${options.name.replace(/[^a-zA-Z0-9_-]/g, '-')}`;
  return { id, hint: `${id}-hint`, error: `${id}-error` };
}

function isField(field: string, name: string): boolean {
  return field === name || field.startsWith(`${name}[`) || field.startsWith(`${name}.`);
}

function fieldError(errors: readonly FieldError[] | undefined, name: string): string | undefined {
  const message = errors?.find((e) => isField(e.field, name))?.message;
  return message === undefined ? undefined : forTheWeb(message);
}

/** A message written for manifests or the JSON API, told to the person at the form instead. */
export function forTheWeb(message: string): string {
  return message
    .replace(/add rsaPublicKey \(the PEM text or \{ ?fromFile: PATH ?\}\)/, 'paste it in “Public key”, in PEM form')
    .replace(/\s*\(?(?:or )?\{ ?from(?:File|Env): [A-Z]+ ?\}\)?/g, '');
}

const FORM_LABELS: Record<string, string> = {
  token: 'The invitation link',
  fullName: 'Full name',
  email: 'Email',
  currentPassword: 'Current password',
  newPassword: 'New password',
};

function describedBy(id: ReturnType<typeof ids>, hint: string | undefined, error: string | undefined): SafeHtml {
  const refs = [hint ? id.hint : '', error ? id.error : ''].filter(Boolean).join(' ');
  return refs ? html` aria-describedby="${refs}"` : html``;
}

function hintAndError(id: ReturnType<typeof ids>, hint: string | undefined, error: string | undefined): SafeHtml {
  const hintText = hint ? html`<span class="hint" id="${id.hint}">${hint}</span>` : '';
  const errorText = error ? html`<span class="error-text" id="${id.error}">${error}</span>` : '';
  return html`${hintText}${errorText}`;
}

export function input(options: InputOptions): SafeHtml {
  const id = ids(options);
  const error = fieldError(options.errors, options.name);
  const value = options.value !== undefined ? html` value="${options.value}"` : '';
  const flags = html`${options.required ? html` required` : ''}${options.readonly ? html` readonly` : ''}`;
  const autocomplete = options.autocomplete ? html` autocomplete="${options.autocomplete}"` : '';
  const aria = html`${error ? html` aria-invalid="true"` : ''}${describedBy(id, options.hint, error)}`;
  return html`<div class="field"><label for="${id.id}">${options.label}</label>
<input id="${id.id}" name="${options.name}" type="${options.type ?? 'text'}"${value}${flags}${autocomplete}${aria}>
${hintAndError(id, options.hint, error)}</div>`;
}

/** A credential form's control for one of its type's fields. */
export function credentialControl(
  field: FormField,
  value: unknown,
  errors: readonly FieldError[] | undefined,
  idPrefix: string,
): SafeHtml {
  const id = ids({ name: field.name, idPrefix });
  const error = fieldError(errors, field.name);
  const aria = html`${error ? html` aria-invalid="true"` : ''}${describedBy(id, field.hint, error)}`;
  const after = hintAndError(id, field.hint, error);
  switch (field.kind) {
    case 'checkbox':
      return html`<div class="field check"><input id="${id.id}" name="${field.name}" type="checkbox"${
        value === true ? html` checked` : ''
      }${aria}> <label for="${id.id}">${field.label}</label>${after}</div>`;
    case 'select': {
      const options = (field.options ?? []).map(
        (option) => html`<option${option === value ? html` selected` : ''}>${option}</option>`,
      );
      return html`<div class="field"><label for="${id.id}">${field.label}</label><select id="${id.id}" name="${field.name}"${aria}>${
        options
      }</select>${after}</div>`;
    }
    case 'lines':
    case 'pem': {
      const text = Array.isArray(value) ? value.join('\n') : typeof value === 'string' ? value : '';
      const label = html`<label for="${id.id}">${field.label}</label>`;
      return html`<div class="field">${label}<textarea id="${id.id}" name="${field.name}" spellcheck="false"${aria}>${text}</textarea>${
        after
      }</div>`;
    }
    default:
      return input({
        name: field.name,
        label: field.label,
        type: field.kind === 'number' ? 'number' : 'text',
        value: value === undefined || value === null ? undefined : String(value),
        required: field.required,
        hint: field.hint,
        errors,
        idPrefix,
      });
  }
}

/**
 * A refusal from the engine as the page shows it above the form, once: its title, and its detail
 * when no field is named. The errors of fields `onForm` shows are told at those fields; any other
 * is listed here, in words.
 */
export function errorNotice(error: PortalError, onForm: readonly string[] = []): SafeHtml {
  const errors = error.errors ?? [];
  if (errors.length === 0) return notice('error', html`<strong>${error.title}.</strong> ${error.detail}`);
  const elsewhere = errors.filter((e) => !onForm.some((name) => isField(e.field, name)));
  const marked = elsewhere.length < errors.length ? ' Correct the fields marked below.' : '';
  const list = elsewhere.map((e) => html`<li>${sentence(e)}</li>`);
  return html`${notice('error', html`<strong>${error.title}.</strong>${marked}`)}${list.length ? html`<ul>${list}</ul>` : ''}`;
}

function sentence(error: FieldError): string {
  const label = FORM_LABELS[error.field] ?? fieldLabel(error.field);
  const message = forTheWeb(error.message);
  return /^(is|are|must|has|needs|should)\b/.test(message) ? `${label} ${message}.` : `${label}: ${message}.`;
}
