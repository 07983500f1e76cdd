// The developer's account settings page: name, email, password, and deleting the account.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { clearSessionCookie } from '../http/cookies.js';
import { PortalError, type Account, type FieldError, type Session } from '../portal/contract.js';
import { html, type SafeHtml } from '../render/html-template.js';
import { humanTime } from './credential-view.js';
import { developerPage as page, sessionEnded, signedInRoutes } from './developer-shell.js';
import { errorNotice, input } from './forms.js';
import { formOf, type PageContext } from './http.js';
import { csrfField, notice } from './layout.js';

const EMAIL = { name: 'email', label: 'Email', type: 'email', idPrefix: 'email' } as const;
const CURRENT_PASSWORD = {
  name: 'currentPassword',
  label: 'Current password',
  type: 'password',
  required: true,
  autocomplete: 'current-password',
  idPrefix: 'pw',
} as const;
const MANAGED_HINT = 'Managed by the portal’s manifests: ask an administrator to change it.';

interface Failure {
  form: string;
  error: PortalError;
}

/** The sections of the page, each with its form (or its read-only field when the manifests manage it). */
function accountSections(account: Account, token: string, failure?: Failure): SafeHtml {
  const errors = (form: string) => (failure?.form === form ? failure.error.errors : undefined);
  const section = (form: string, onForm: string[]) =>
    failure?.form === form ? errorNotice(failure.error, onForm) : '';
  const confirm = (idPrefix: string, fieldErrors: readonly FieldError[] | undefined) =>
    input({
      name: 'password',
      label: 'Your password, to confirm',
      type: 'password',
      required: true,
      autocomplete: 'current-password',
      idPrefix,
      errors: fieldErrors,
    });
  const name = account.managed.fullName
    ? input({
        name: 'fullName',
        label: 'Full name',
        value: account.fullName,
        readonly: true,
        hint: MANAGED_HINT,
        idPrefix: 'name',
      })
    : html`<form class="stack" method="post" action="/account/name" novalidate>${csrfField(token)}
${input({ name: 'fullName', label: 'Full name', value: account.fullName, required: true, autocomplete: 'name', errors: errors('name'), idPrefix: 'name' })}
<div><button type="submit">Save name</button></div></form>`;
  const email = account.managed.email
    ? input({
        name: 'email',
        label: 'Email',
        type: 'email',
        value: account.email,
        readonly: true,
        hint: MANAGED_HINT,
        idPrefix: 'email',
      })
    : html`<form class="stack" method="post" action="/account/email" novalidate>${csrfField(token)}
${input({ ...EMAIL, value: account.email, required: true, autocomplete: 'email', errors: errors('email') })}
${confirm('email', errors('email'))}<div><button type="submit">Change email</button></div></form>`;
  const password = html`<form class="stack" method="post" action="/account/password" novalidate>${csrfField(token)}
${input({ ...CURRENT_PASSWORD, errors: errors('password') })}
${input({
  name: 'newPassword',
  label: 'New password',
  type: 'password',
  required: true,
  autocomplete: 'new-password',
  hint: 'At least 12 characters, not easy to guess. Your other sessions end.',
  errors: errors('password'),
  idPrefix: 'pw',
})}
<div><button type="submit">Change password</button></div></form>`;
  const pending = account.pendingEmail
    ? notice(
        'info',
        html`Waiting for confirmation: <strong>${account.pendingEmail}</strong>.`,
        'We sent a link to that address; your email changes once you use it.',
      )
    : '';
  const deleteWarning = html`<strong>Deleting your account immediately revokes your access and deletes every credential you hold,
with your applications and their registrations.</strong> Applications and services using them lose access at once. This cannot be undone.`;
  const confirmDelete =
    'Delete your account? Your access is revoked immediately and every credential is deleted, your applications too.';
  return html`<h2 id="name">Name</h2>${section('name', ['fullName'])}
${name}
<h2 id="email">Email</h2>${section('email', ['email', 'password'])}
${pending}${email}
<h2 id="password">Password</h2>${section('password', ['currentPassword', 'newPassword'])}
${password}
<h2 id="delete">Delete account</h2>${section('delete', ['password'])}
${notice('warn', deleteWarning)}
<form class="stack" method="post" action="/account/delete" data-confirm="${confirmDelete}" novalidate>${csrfField(token)}
${confirm('delete', errors('delete'))}
<div><button type="submit" class="danger">Delete my account</button></div></form>`;
}

export function accountRoutes(fastify: FastifyInstance, context: PageContext): void {
  const { engine } = context;
  const signedIn = signedInRoutes(fastify, context);

  const accountPage = async (reply: FastifyReply, session: Session, message?: SafeHtml, failure?: Failure) => {
    const account = await engine.me(session);
    return page(reply, session, {
      title: 'Account settings',
      current: '/account',
      status: failure?.error.status,
      body: html`${message ?? ''}<dl class="props"><dt>Status</dt><dd>${account.status}</dd>
<dt>Member since</dt><dd>${humanTime(account.createdAt)}</dd></dl>
${accountSections(account, reply.generateCsrf(), failure)}`,
    });
  };

  fastify.get(
    '/account',
    signedIn.page,
    signedIn.handler(async (_request, reply, session) => accountPage(reply, session)),
  );

  const change = (
    form: string,
    done: string,
    apply: (session: Session, body: Record<string, string>) => Promise<unknown>,
  ) =>
    signedIn.handler(async (request, reply, session) => {
      try {
        await apply(session, formOf(request));
        return accountPage(reply, session, notice('ok', done));
      } catch (error) {
        if (!(error instanceof PortalError) || sessionEnded(error)) throw error;
        return accountPage(reply, session, undefined, { form, error });
      }
    });

  fastify.post(
    '/account/name',
    signedIn.form,
    change('name', 'Your name is saved.', (s, b) => engine.updateMe(s, { fullName: b.fullName ?? '' })),
  );
  fastify.post(
    '/account/email',
    signedIn.form,
    change('email', 'Check your new address: we sent a link to it. Your email changes once you use it.', (s, b) =>
      engine.changeEmail(s, { email: b.email ?? '', password: b.password ?? '' }),
    ),
  );
  fastify.post(
    '/account/password',
    signedIn.form,
    change('password', 'Your password is changed; your other sessions have ended.', (s, b) =>
      engine.changePassword(s, { currentPassword: b.currentPassword ?? '', newPassword: b.newPassword ?? '' }),
    ),
  );

  fastify.post(
    '/account/delete',
    signedIn.form,
    signedIn.handler(async (request, reply, session) => {
      try {
        await engine.deleteAccount(session, { password: formOf(request).password ?? '' });
      } catch (error) {
        if (!(error instanceof PortalError) || sessionEnded(error)) throw error;
        return accountPage(reply, session, undefined, { form: 'delete', error });
      }
      clearSessionCookie(reply, { secure: context.secureCookies });
      return page(reply, null, {
        title: 'Your account is deleted',
        body: html`${notice('ok', 'Your account, its applications and every credential it held are gone; your access is revoked.')}
<p><a href="/">Go to the portal's home page</a></p>`,
      });
    }),
  );
}
