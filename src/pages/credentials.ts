// The developer's credentials pages: the dashboard, creating, editing, rotating and deleting.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { CREDENTIAL_TYPES, type CredentialType } from '../model.js';
import { PortalError, type CredentialWithSecrets, type PublicCredential, type Session } from '../portal/contract.js';
import { html } from '../render/html-template.js';
import { CREDENTIAL_FIELDS, CREDENTIAL_LABELS, credentialInput } from './credential-fields.js';
import { credentialCard, credentialName, credentialProperties, LOSE_ACCESS, SECRET_LABELS } from './credential-view.js';
import { idOf, developerPage as page, signedInRoutes } from './developer-shell.js';
import { credentialControl, errorNotice } from './forms.js';
import { formOf, redirect, type PageContext } from './http.js';
import { csrfField, notice } from './layout.js';
import { ONCE_FIELD, OneTimeStore } from './one-time.js';

const DONE_MESSAGES: Record<string, string> = {
  deleted: 'The credential is deleted. Applications and services that used it no longer have access.',
  updated: 'The credential is saved.',
};

const BACK = html`<p><a href="/dashboard">Back to your credentials</a></p>`;

/** A secret to show once, on the page a create or a rotation redirects to. */
interface ShownSecret {
  title: string;
  result: CredentialWithSecrets;
}

type OneTime = OneTimeStore<ShownSecret>;

export function credentialRoutes(fastify: FastifyInstance, context: PageContext): void {
  const once: OneTime = new OneTimeStore();
  dashboardRoute(fastify, context, once);
  createRoutes(fastify, context, once);
  secretRoute(fastify, context, once);
  editRoutes(fastify, context);
  rotateAndDeleteRoutes(fastify, context, once);
}

function onceField(token: string) {
  return html`<input type="hidden" name="${ONCE_FIELD}" value="${token}">`;
}

/** A one-time form sent again: a reload of its answer, or a replay. */
function alreadySent(reply: FastifyReply, session: Session) {
  return page(reply, session, {
    title: 'This form was already sent',
    current: '/dashboard',
    status: 409,
    body: html`${notice('warn', 'Nothing was done this time: the same form was sent a second time, by a reload or a resend.')}
<p>Your credentials are as the first sending left them. To get a new secret, rotate the credential again from the list.</p>
${BACK}`,
  });
}

/** Shows `secret` once: the POST stores it for the session and redirects to the page that takes it. */
function redirectToSecret(reply: FastifyReply, session: Session, once: OneTime, secret: ShownSecret) {
  return redirect(reply, `/credentials/secret?shown=${once.flash(session, secret)}`);
}

function dashboardRoute(fastify: FastifyInstance, context: PageContext, once: OneTime): void {
  const { engine } = context;
  const signedIn = signedInRoutes(fastify, context);
  fastify.get(
    '/dashboard',
    signedIn.page,
    signedIn.handler(async (request, reply, session) => {
      const [credentials, types] = await Promise.all([
        engine.listCredentials(session),
        engine.credentialTypes(session),
      ]);
      const token = once.formToken(session);
      const done = String((request.query as Record<string, unknown>).done ?? '');
      const message = DONE_MESSAGES[done] ? notice('ok', DONE_MESSAGES[done]!) : '';
      const create =
        types.length > 0
          ? html`<p><a class="button" href="/credentials/new">Create API credential</a></p>`
          : notice(
              'info',
              'You cannot create credentials at the moment: self-service is off, or you hold as many as allowed.',
            );
      const list =
        credentials.length > 0
          ? credentials.map((c) => credentialCard(c, reply.generateCsrf(), token))
          : html`<p>You have no credentials yet.</p>`;
      return page(reply, session, {
        title: 'Your API credentials',
        current: '/dashboard',
        body: html`${message}${create}${list}`,
      });
    }),
  );
}

interface OpenForm {
  type: string;
  values: Record<string, unknown>;
  error: PortalError;
}

function newCredentialPage(
  reply: FastifyReply,
  session: Session,
  once: OneTime,
  types: CredentialType[],
  open?: OpenForm,
) {
  const token = once.formToken(session);
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
<form class="stack" method="post" action="/credentials" novalidate>${csrfField(reply.generateCsrf())}
<input type="hidden" name="type" value="${type}">${onceField(token)}
${controls}
<div><button type="submit">Create ${CREDENTIAL_LABELS[type]} credential</button></div></form></details>`;
  });
  return page(reply, session, {
    title: 'Create API credential',
    current: '/dashboard',
    status: open?.error.status,
    body: html`${open ? errorNotice(open.error, open.type in CREDENTIAL_FIELDS ? fieldNames(open.type as CredentialType) : []) : ''}
<p>Choose the kind of credential your application uses. The secret is generated for you and shown once.</p>
${forms}
${BACK}`,
  });
}

function fieldNames(type: CredentialType): string[] {
  return CREDENTIAL_FIELDS[type].map((field) => field.name);
}

function secretPage(reply: FastifyReply, session: Session, { title, result }: ShownSecret) {
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
    current: '/dashboard',
    body: html`${warning}
${secrets}
<h2>Credential</h2>${credentialProperties(result.credential)}
<p><a class="button" href="/dashboard">Done: back to your credentials</a></p>`,
  });
}

function createRoutes(fastify: FastifyInstance, context: PageContext, once: OneTime): void {
  const { engine } = context;
  const signedIn = signedInRoutes(fastify, context);
  fastify.get(
    '/credentials/new',
    signedIn.page,
    signedIn.handler(async (_request, reply, session) =>
      newCredentialPage(reply, session, once, await engine.credentialTypes(session)),
    ),
  );

  fastify.post(
    '/credentials',
    signedIn.form,
    signedIn.handler(async (request, reply, session) => {
      const form = formOf(request);
      if (!once.useFormToken(session, form[ONCE_FIELD])) return alreadySent(reply, session);
      const type = form.type as CredentialType;
      const types = await engine.credentialTypes(session);
      if (!CREDENTIAL_TYPES.includes(type)) {
        const error = new PortalError(400, 'Unknown credential type', 'Choose one of the types below.');
        return newCredentialPage(reply, session, once, types, { type, values: {}, error });
      }
      const values = credentialInput(type, form);
      try {
        const result = await engine.createCredential(session, values);
        return redirectToSecret(reply, session, once, { title: 'Your new credential', result });
      } catch (error) {
        if (!(error instanceof PortalError)) throw error;
        return newCredentialPage(reply, session, once, types, { type, values, error });
      }
    }),
  );
}

function editPage(
  reply: FastifyReply,
  session: Session,
  credential: PublicCredential,
  values: Record<string, unknown>,
  error?: PortalError,
) {
  const managed = html`${notice('info', 'The portal’s manifests manage this credential: ask an administrator to change it.')}
${credentialProperties(credential)}${BACK}`;
  const controls = CREDENTIAL_FIELDS[credential.type].map((field) =>
    credentialControl(field, values[field.name], error?.errors, 'edit'),
  );
  const form = html`${error ? errorNotice(error, fieldNames(credential.type)) : ''}
<form class="stack" method="post" action="/credentials/${credential.id}" novalidate>${csrfField(reply.generateCsrf())}
${controls}
<div class="actions"><button type="submit">Save changes</button><a href="/dashboard">Cancel</a></div></form>`;
  return page(reply, session, {
    title: `Edit ${credentialName(credential)}`,
    current: '/dashboard',
    status: error?.status,
    body: credential.managed ? managed : form,
  });
}

function secretRoute(fastify: FastifyInstance, context: PageContext, once: OneTime): void {
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
<p>If you did not copy it, rotate the credential to get a new one.</p>${BACK}`,
      });
    }),
  );
}

function editRoutes(fastify: FastifyInstance, context: PageContext): void {
  const { engine } = context;
  const signedIn = signedInRoutes(fastify, context);
  fastify.get(
    '/credentials/:id/edit',
    signedIn.page,
    signedIn.handler(async (request, reply, session) => {
      const credential = await engine.getCredential(session, idOf(request));
      return editPage(reply, session, credential, credential);
    }),
  );

  fastify.post(
    '/credentials/:id',
    signedIn.form,
    signedIn.handler(async (request, reply, session) => {
      const credential = await engine.getCredential(session, idOf(request));
      const values = credentialInput(credential.type, formOf(request), true);
      try {
        await engine.updateCredential(session, credential.id, values);
        return redirect(reply, '/dashboard?done=updated');
      } catch (error) {
        if (!(error instanceof PortalError)) throw error;
        return editPage(reply, session, credential, values, error);
      }
    }),
  );
}

function confirmPage(
  reply: FastifyReply,
  session: Session,
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
    current: '/dashboard',
    body: html`${notice('warn', warning)}
${credentialProperties(credential)}
<form method="post" action="/credentials/${credential.id}/${action}" class="actions">${csrfField(reply.generateCsrf())}
<input type="hidden" name="confirm" value="yes">${onceToken ? onceField(onceToken) : ''}
<button type="submit" class="${deleting ? 'danger' : ''}">${deleting ? 'Delete credential' : 'Rotate secret'}</button>
<a href="/dashboard">Cancel</a></form>`,
  });
}

function rotateAndDeleteRoutes(fastify: FastifyInstance, context: PageContext, once: OneTime): void {
  const { engine } = context;
  const signedIn = signedInRoutes(fastify, context);
  for (const action of ['rotate', 'delete'] as const) {
    fastify.get(
      `/credentials/:id/${action}`,
      signedIn.page,
      signedIn.handler(async (request, reply, session) =>
        confirmPage(
          reply,
          session,
          await engine.getCredential(session, idOf(request)),
          action,
          once.formToken(session),
        ),
      ),
    );
  }

  fastify.post(
    '/credentials/:id/rotate',
    signedIn.form,
    signedIn.handler(async (request, reply, session) => {
      const form = formOf(request);
      if (form.confirm !== 'yes') {
        const credential = await engine.getCredential(session, idOf(request));
        return confirmPage(reply, session, credential, 'rotate', once.formToken(session));
      }
      if (!once.useFormToken(session, form[ONCE_FIELD])) return alreadySent(reply, session);
      const result = await engine.rotateCredential(session, idOf(request));
      return redirectToSecret(reply, session, once, { title: 'Your rotated credential', result });
    }),
  );

  fastify.post(
    '/credentials/:id/delete',
    signedIn.form,
    signedIn.handler(async (request, reply, session) => {
      if (formOf(request).confirm !== 'yes')
        return confirmPage(reply, session, await engine.getCredential(session, idOf(request)), 'delete');
      await engine.deleteCredential(session, idOf(request));
      return redirect(reply, '/dashboard?done=deleted');
    }),
  );
}
