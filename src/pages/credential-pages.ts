// The pages that create, edit, rotate and delete a credential, for any owner: the developer's own
// credentials under `/credentials`, an application's under `/applications/:app/credentials`. A new
// or rotated secret goes to the one-time page `/credentials/secret`, whoever owns the credential.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CREDENTIAL_TYPES, type CredentialType } from '../model.js';
import { PortalError, type CredentialWithSecrets, type PublicCredential, type Session } from '../portal/contract.js';
import { html, type SafeHtml } from '../render/html-template.js';
import { CREDENTIAL_FIELDS, CREDENTIAL_LABELS, credentialInput } from './credential-fields.js';
import { credentialName, credentialProperties, LOSE_ACCESS, SECRET_LABELS } from './credential-view.js';
import { idOf, developerPage as page, signedInRoutes } from './developer-shell.js';
import { credentialControl, errorNotice } from './forms.js';
import { formOf, redirect, type PageContext } from './http.js';
import { csrfField, notice } from './layout.js';
import { ONCE_FIELD, type OneTimeStore } from './one-time.js';

/** A link back to where a credential's pages came from. */
export interface BackLink {
  href: string;
  label: string;
}

/** A secret to show once, on the page a create or a rotation redirects to. */
export interface ShownSecret {
  title: string;
  result: CredentialWithSecrets;
  back: BackLink;
}

export type OneTime = OneTimeStore<ShownSecret>;

/** Whose credentials a page works on, and the engine calls that reach them. */
export interface CredentialScope {
  /** The path the owner's credential pages hang under, e.g. `/credentials`. */
  base: string;
  back: BackLink;
  /** The navigation entry the pages belong to. */
  current: string;
  /** Named in the title of the create page: whose credential it makes (none: the developer's own). */
  owner?: string;
  types(): Promise<CredentialType[]>;
  get(id: string): Promise<PublicCredential>;
  create(input: Record<string, unknown>): Promise<CredentialWithSecrets>;
  update(id: string, input: Record<string, unknown>): Promise<PublicCredential>;
  rotate(id: string): Promise<CredentialWithSecrets>;
  delete(id: string): Promise<void>;
}

export type ScopeOf = (request: FastifyRequest, session: Session) => Promise<CredentialScope>;

function backLink(back: BackLink): SafeHtml {
  return html`<p><a href="${back.href}">${back.label}</a></p>`;
}

function onceField(token: string) {
  return html`<input type="hidden" name="${ONCE_FIELD}" value="${token}">`;
}

/** A one-time form sent again: a reload of its answer, or a replay. */
export function alreadySent(reply: FastifyReply, session: Session, scope: Pick<CredentialScope, 'back' | 'current'>) {
  return page(reply, session, {
    title: 'This form was already sent',
    current: scope.current,
    status: 409,
    body: html`${notice('warn', 'Nothing was done this time: the same form was sent a second time, by a reload or a resend.')}
<p>Your credentials are as the first sending left them. To get a new secret, rotate the credential again from the list.</p>
${backLink(scope.back)}`,
  });
}

/** Shows `secret` once: the POST stores it for the session and redirects to the page that takes it. */
function redirectToSecret(reply: FastifyReply, session: Session, once: OneTime, secret: ShownSecret) {
  return redirect(reply, `/credentials/secret?shown=${once.flash(session, secret)}`);
}

interface OpenForm {
  type: string;
  values: Record<string, unknown>;
  error: PortalError;
}

function fieldNames(type: CredentialType): string[] {
  return CREDENTIAL_FIELDS[type].map((field) => field.name);
}

function newCredentialPage(
  reply: FastifyReply,
  session: Session,
  scope: CredentialScope,
  token: string,
  types: CredentialType[],
  open?: OpenForm,
) {
  const forms = types.map((type) => {
    const mine = open?.type === type;
    const controls = CREDENTIAL_FIELDS[type].map((field) =>
      credentialControl(
        field,
        mine ? open.values[field.name] : undefined,
        mine ? open.error.errors : undefined,
        `new-${type}`,
      ),
    );
    return html`<details class="card"${mine || types.length === 1 ? html` open` : ''}>
<summary><strong>${CREDENTIAL_LABELS[type]}</strong></summary>
<form class="stack" method="post" action="${scope.base}" novalidate>${csrfField(reply.generateCsrf())}
<input type="hidden" name="type" value="${type}">${onceField(token)}
${controls}
<div><button type="submit">Create ${CREDENTIAL_LABELS[type]} credential</button></div></form></details>`;
  });
  const none = notice(
    'info',
    'You cannot create credentials at the moment: self-service is off, or you hold as many as allowed.',
  );
  return page(reply, session, {
    title: scope.owner ? `Create a credential for ${scope.owner}` : 'Create API credential',
    current: scope.current,
    status: open?.error.status,
    body: html`${open ? errorNotice(open.error, open.type in CREDENTIAL_FIELDS ? fieldNames(open.type as CredentialType) : []) : ''}
<p>Choose the kind of credential your application uses. The secret is generated for you and shown once.</p>
${types.length > 0 ? forms : none}
${backLink(scope.back)}`,
  });
}

function secretPage(reply: FastifyReply, session: Session, { title, result, back }: ShownSecret) {
  const secrets = Object.entries(result.secrets).map(([field, value]) => {
    const label = SECRET_LABELS[field] ?? field;
    return html`<h2>${label}</h2><div class="secret"><code id="secret-${field}">${value}</code>
<button type="button" class="secondary" data-copy="secret-${field}" hidden>Copy ${label}</button></div>`;
  });
  const warning = notice(
    'warn',
    html`<strong>Copy the secret now: it is shown only this once.</strong>`,
    'It is not stored where anyone can read it back; if you lose it, rotate the credential to get a new one.',
  );
  return page(reply, session, {
    title,
    current: back.href.startsWith('/applications') ? '/applications' : '/dashboard',
    body: html`${warning}
${secrets}
<h2>Credential</h2>${credentialProperties(result.credential)}
<p><a class="button" href="${back.href}">Done: ${back.label.charAt(0).toLowerCase()}${back.label.slice(1)}</a></p>`,
  });
}

/** The one page that shows a new or rotated secret, once. */
export function secretRoute(fastify: FastifyInstance, context: PageContext, once: OneTime): void {
  const signedIn = signedInRoutes(fastify, context);
  fastify.get(
    '/credentials/secret',
    signedIn.page,
    signedIn.handler(async (request, reply, session) => {
      const secret = once.takeFlash(session, String((request.query as Record<string, unknown>).shown ?? ''));
      if (secret) return secretPage(reply, session, secret);
      return page(reply, session, {
        title: 'This secret was shown once',
        current: '/dashboard',
        status: 410,
        body: html`${notice('info', 'A secret is shown only once, on the page right after it is made; reloading that page cannot show it again.')}
<p>If you did not copy it, rotate the credential to get a new one.</p>${backLink({ href: '/dashboard', label: 'Back to your credentials' })}`,
      });
    }),
  );
}

/**
 * The create, edit, rotate and delete pages of one kind of owner, at `prefix` (a route pattern
 * such as `/applications/:app/credentials`); `scopeOf` finds the owner of a request.
 */
export function scopedCredentialRoutes(
  fastify: FastifyInstance,
  context: PageContext,
  once: OneTime,
  prefix: string,
  scopeOf: ScopeOf,
): void {
  createRoutes(fastify, context, once, prefix, scopeOf);
  editRoutes(fastify, context, prefix, scopeOf);
  rotateAndDeleteRoutes(fastify, context, once, prefix, scopeOf);
}

function createRoutes(fastify: FastifyInstance, context: PageContext, once: OneTime, prefix: string, scopeOf: ScopeOf) {
  const signedIn = signedInRoutes(fastify, context);
  fastify.get(
    `${prefix}/new`,
    signedIn.page,
    signedIn.handler(async (request, reply, session) => {
      const scope = await scopeOf(request, session);
      return newCredentialPage(reply, session, scope, once.formToken(session), await scope.types());
    }),
  );

  fastify.post(
    prefix,
    signedIn.form,
    signedIn.handler(async (request, reply, session) => {
      const scope = await scopeOf(request, session);
      const form = formOf(request);
      if (!once.useFormToken(session, form[ONCE_FIELD])) return alreadySent(reply, session, scope);
      const type = form.type as CredentialType;
      const types = await scope.types();
      const retry = (open: OpenForm) => newCredentialPage(reply, session, scope, once.formToken(session), types, open);
      if (!CREDENTIAL_TYPES.includes(type)) {
        const error = new PortalError(400, 'Unknown credential type', 'Choose one of the types below.');
        return retry({ type, values: {}, error });
      }
      const values = credentialInput(type, form);
      try {
        const result = await scope.create(values);
        return redirectToSecret(reply, session, once, { title: 'Your new credential', result, back: scope.back });
      } catch (error) {
        if (!(error instanceof PortalError)) throw error;
        return retry({ type, values, error });
      }
    }),
  );
}

function editPage(
  reply: FastifyReply,
  session: Session,
  scope: CredentialScope,
  credential: PublicCredential,
  values: Record<string, unknown>,
  error?: PortalError,
) {
  const managed = html`${notice('info', 'The portal’s manifests manage this credential: ask an administrator to change it.')}
${credentialProperties(credential)}${backLink(scope.back)}`;
  const controls = CREDENTIAL_FIELDS[credential.type].map((field) =>
    credentialControl(field, values[field.name], error?.errors, 'edit'),
  );
  const form = html`${error ? errorNotice(error, fieldNames(credential.type)) : ''}
<form class="stack" method="post" action="${scope.base}/${credential.id}" novalidate>${csrfField(reply.generateCsrf())}
${controls}
<div class="actions"><button type="submit">Save changes</button><a href="${scope.back.href}">Cancel</a></div></form>`;
  return page(reply, session, {
    title: `Edit ${credentialName(credential)}`,
    current: scope.current,
    status: error?.status,
    body: credential.managed ? managed : form,
  });
}

function editRoutes(fastify: FastifyInstance, context: PageContext, prefix: string, scopeOf: ScopeOf): void {
  const signedIn = signedInRoutes(fastify, context);
  fastify.get(
    `${prefix}/:id/edit`,
    signedIn.page,
    signedIn.handler(async (request, reply, session) => {
      const scope = await scopeOf(request, session);
      const credential = await scope.get(idOf(request));
      return editPage(reply, session, scope, credential, credential);
    }),
  );

  fastify.post(
    `${prefix}/:id`,
    signedIn.form,
    signedIn.handler(async (request, reply, session) => {
      const scope = await scopeOf(request, session);
      const credential = await scope.get(idOf(request));
      const values = credentialInput(credential.type, formOf(request), true);
      try {
        await scope.update(credential.id, values);
        return redirect(reply, withDone(scope.back.href, 'updated'));
      } catch (error) {
        if (!(error instanceof PortalError)) throw error;
        return editPage(reply, session, scope, credential, values, error);
      }
    }),
  );
}

/** `href` with `?done=what`, the notice the page it leads to shows. */
function withDone(href: string, what: string): string {
  return `${href}${href.includes('?') ? '&' : '?'}done=${what}`;
}

function confirmPage(
  reply: FastifyReply,
  session: Session,
  scope: CredentialScope,
  credential: PublicCredential,
  action: 'rotate' | 'delete',
  onceToken?: string,
) {
  const deleting = action === 'delete';
  const warning = deleting
    ? html`<strong>Deleting this credential cannot be undone.</strong> ${LOSE_ACCESS}`
    : html`<strong>Rotating replaces the secret.</strong>
Applications and services using the current secret lose access until they use the new one.`;
  return page(reply, session, {
    title: `${deleting ? 'Delete' : 'Rotate'} ${credentialName(credential)}?`,
    current: scope.current,
    body: html`${notice('warn', warning)}
${credentialProperties(credential)}
<form method="post" action="${scope.base}/${credential.id}/${action}" class="actions">${csrfField(reply.generateCsrf())}
<input type="hidden" name="confirm" value="yes">${onceToken ? onceField(onceToken) : ''}
<button type="submit" class="${deleting ? 'danger' : ''}">${deleting ? 'Delete credential' : 'Rotate secret'}</button>
<a href="${scope.back.href}">Cancel</a></form>`,
  });
}

function rotateAndDeleteRoutes(
  fastify: FastifyInstance,
  context: PageContext,
  once: OneTime,
  prefix: string,
  scopeOf: ScopeOf,
): void {
  const signedIn = signedInRoutes(fastify, context);
  for (const action of ['rotate', 'delete'] as const) {
    fastify.get(
      `${prefix}/:id/${action}`,
      signedIn.page,
      signedIn.handler(async (request, reply, session) => {
        const scope = await scopeOf(request, session);
        const credential = await scope.get(idOf(request));
        return confirmPage(reply, session, scope, credential, action, once.formToken(session));
      }),
    );
  }

  fastify.post(
    `${prefix}/:id/rotate`,
    signedIn.form,
    signedIn.handler(async (request, reply, session) => {
      const scope = await scopeOf(request, session);
      const form = formOf(request);
      if (form.confirm !== 'yes') {
        const credential = await scope.get(idOf(request));
        return confirmPage(reply, session, scope, credential, 'rotate', once.formToken(session));
      }
      if (!once.useFormToken(session, form[ONCE_FIELD])) return alreadySent(reply, session, scope);
      const result = await scope.rotate(idOf(request));
      return redirectToSecret(reply, session, once, { title: 'Your rotated credential', result, back: scope.back });
    }),
  );

  fastify.post(
    `${prefix}/:id/delete`,
    signedIn.form,
    signedIn.handler(async (request, reply, session) => {
      const scope = await scopeOf(request, session);
      if (formOf(request).confirm !== 'yes')
        return confirmPage(reply, session, scope, await scope.get(idOf(request)), 'delete');
      await scope.delete(idOf(request));
      return redirect(reply, withDone(scope.back.href, 'deleted'));
    }),
  );
}
