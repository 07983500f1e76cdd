// The developer pages at `/` (SPEC §9), in the manner of Kong's Dev Portal: sign up, log in, set
// a password from an invite, the credentials dashboard and the account settings. Every call goes
// through the PortalEngine, with the session cookie the JSON API uses.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
// One login serves the pages and the JSON API: the same cookie, with the same attributes.
import { clearSessionCookie, SESSION_COOKIE, setSessionCookie } from '../service/auth.js';
import { CREDENTIAL_TYPES, type CredentialType } from '../model.js';
import { PortalError, type CredentialWithSecrets, type PublicCredential, type Session } from '../portal/contract.js';
import { CREDENTIAL_FIELDS, CREDENTIAL_LABELS, credentialInput } from './credential-fields.js';
import { credentialCard, credentialName, credentialProperties, LOSE_ACCESS } from './credential-view.js';
import { credentialControl, errorNotice, input } from './forms.js';
import { html, type SafeHtml } from '../render/html-template.js';
import { csrfField, layout, notice, type NavLink } from './layout.js';
import { formOf, redirect, sendPage, type PageContext } from './http.js';

const NAV: NavLink[] = [
  { href: '/dashboard', label: 'Credentials' },
  { href: '/account', label: 'Account settings' },
];

interface Rendered {
  title: string;
  body: SafeHtml;
  status?: number;
  current?: string;
}

export async function developerRoutes(fastify: FastifyInstance, context: PageContext): Promise<void> {
  const { engine } = context;
  const csrf = { preHandler: fastify.csrfProtection };

  const page = (reply: FastifyReply, session: Session | null, rendered: Rendered) =>
    sendPage(
      reply,
      layout({
        title: rendered.title,
        body: rendered.body,
        nav: session
          ? NAV
          : [
              { href: '/login', label: 'Log in' },
              { href: '/signup', label: 'Sign up' },
            ],
        current: rendered.current,
        logout: session ? { action: '/logout', csrfToken: reply.generateCsrf(), label: 'Log out' } : undefined,
      }),
      rendered.status,
    );

  /** Runs an authenticated page: no live session, or one that ended meanwhile, goes to the login page. */
  const authenticated =
    (handler: (request: FastifyRequest, reply: FastifyReply, session: Session) => Promise<FastifyReply>) =>
    async (request: FastifyRequest, reply: FastifyReply) => {
      const token = request.cookies[SESSION_COOKIE];
      const session = token ? await engine.authenticate(token) : null;
      if (!session) return redirect(reply, '/login?expired=1');
      try {
        return await handler(request, reply, session);
      } catch (error) {
        if (sessionEnded(error)) return redirect(reply, '/login?expired=1');
        throw error;
      }
    };

  const cookies = { secure: context.secureCookies };

  // ---- signing up and in ------------------------------------------------------------------

  fastify.get('/', async (request, reply) => {
    const token = request.cookies[SESSION_COOKIE];
    if (token && (await engine.authenticate(token))) return redirect(reply, '/dashboard');
    return page(reply, null, {
      title: 'Welcome to the developer portal',
      body: html`<p class="lead">Get credentials to call our APIs: sign up, wait for your access to be approved, then create and manage your API keys and other credentials here.</p>
<div class="actions"><a class="button" href="/signup">Sign up</a><a class="button secondary" href="/login">Log in</a></div>`,
    });
  });

  const signupForm = (reply: FastifyReply, values: Record<string, string> = {}, error?: PortalError) =>
    html`${error ? errorNotice(error) : ''}<form class="stack" method="post" action="/signup" novalidate>${csrfField(reply.generateCsrf())}
${input({ name: 'fullName', label: 'Full name', value: values.fullName, required: true, autocomplete: 'name', errors: error?.errors })}
${input({ name: 'email', label: 'Email', type: 'email', value: values.email, required: true, autocomplete: 'email', errors: error?.errors })}
${input({ name: 'password', label: 'Password', type: 'password', required: true, autocomplete: 'new-password', hint: 'At least 12 characters.', errors: error?.errors })}
<div><button type="submit">Sign up</button></div></form>
<p>Already have an account? <a href="/login">Log in</a>.</p>`;

  fastify.get('/signup', async (_request, reply) => {
    const settings = await engine.settings();
    const closed = settings.selfService.enabled ? '' : notice('warn', 'Sign-ups are closed at the moment.');
    return page(reply, null, { title: 'Sign up', current: '/signup', body: html`${closed}${signupForm(reply)}` });
  });

  fastify.post('/signup', csrf, async (request, reply) => {
    const form = formOf(request);
    try {
      const account = await engine.register(
        { email: form.email ?? '', fullName: form.fullName ?? '', password: form.password ?? '' },
        contextOf(request),
      );
      if (account.status === 'pending') {
        return page(reply, null, {
          title: 'Your request waits for approval',
          status: 201,
          body: html`${notice('info', html`Thank you, ${account.fullName}. We received your request for <strong>${account.email}</strong>.`, 'An administrator reviews every sign-up. You can log in once your access is approved.')}
<p><a href="/login">Go to the login page</a></p>`,
        });
      }
      return page(reply, null, {
        title: 'Log in',
        status: 201,
        body: html`${notice('ok', 'Your account is ready: log in to create your credentials.')}${loginForm(reply, { email: account.email })}`,
      });
    } catch (error) {
      if (!(error instanceof PortalError)) throw error;
      return page(reply, null, {
        title: 'Sign up',
        current: '/signup',
        status: error.status,
        body: signupForm(reply, { ...form, password: '' }, error),
      });
    }
  });

  const loginForm = (reply: FastifyReply, values: Record<string, string> = {}, error?: PortalError) =>
    html`${error ? errorNotice(error) : ''}<form class="stack" method="post" action="/login" novalidate>${csrfField(reply.generateCsrf())}
${input({ name: 'email', label: 'Email', type: 'email', value: values.email, required: true, autocomplete: 'username' })}
${input({ name: 'password', label: 'Password', type: 'password', required: true, autocomplete: 'current-password' })}
<div><button type="submit">Log in</button></div></form>
<p>No account yet? <a href="/signup">Sign up</a>.</p>`;

  fastify.get('/login', async (request, reply) => {
    const query = request.query as Record<string, string | undefined>;
    const message = query.expired
      ? notice('info', 'Please log in to continue.')
      : query.done === 'logout'
        ? notice('ok', 'You are logged out.')
        : '';
    return page(reply, null, { title: 'Log in', current: '/login', body: html`${message}${loginForm(reply)}` });
  });

  fastify.post('/login', csrf, async (request, reply) => {
    const form = formOf(request);
    try {
      const grant = await engine.login({ email: form.email ?? '', password: form.password ?? '' }, contextOf(request));
      setSessionCookie(reply, grant.token, grant.expiresAt, cookies);
      return redirect(reply, '/dashboard');
    } catch (error) {
      if (!(error instanceof PortalError)) throw error;
      const body =
        error.status === 403
          ? html`${notice('warn', html`<strong>${error.title}.</strong> ${error.detail}`)}${loginForm(reply, { email: form.email ?? '' })}`
          : loginForm(reply, { email: form.email ?? '' }, error);
      if (error.retryAfterSeconds) reply.header('retry-after', String(error.retryAfterSeconds));
      return page(reply, null, { title: 'Log in', current: '/login', status: error.status, body });
    }
  });

  fastify.post('/logout', csrf, async (request, reply) => {
    const token = request.cookies[SESSION_COOKIE];
    const session = token ? await engine.authenticate(token) : null;
    if (session) await engine.logout(session);
    clearSessionCookie(reply, cookies);
    return redirect(reply, '/login?done=logout');
  });

  const passwordForm = (reply: FastifyReply, token: string, error?: PortalError) =>
    html`${error ? errorNotice(error) : ''}<form class="stack" method="post" action="/password" novalidate>${csrfField(reply.generateCsrf())}
<input type="hidden" name="token" value="${token}">
${input({ name: 'password', label: 'New password', type: 'password', required: true, autocomplete: 'new-password', hint: 'At least 12 characters.', errors: error?.errors })}
<div><button type="submit">Set my password</button></div></form>`;

  fastify.get('/password', async (request, reply) => {
    const token = String((request.query as Record<string, unknown>).token ?? '');
    if (!token)
      return page(reply, null, {
        title: 'Set your password',
        status: 400,
        body: notice('error', 'This link has no token. Use the whole link from your invitation.'),
      });
    return page(reply, null, {
      title: 'Set your password',
      body: html`<p>Choose the password for your developer portal account.</p>${passwordForm(reply, token)}`,
    });
  });

  fastify.post('/password', csrf, async (request, reply) => {
    const form = formOf(request);
    try {
      await engine.setPasswordWithInvite(
        { token: form.token ?? '', password: form.password ?? '' },
        contextOf(request),
      );
      return page(reply, null, {
        title: 'Your password is set',
        body: html`${notice('ok', 'You can now log in with your email and this password.')}${loginForm(reply)}`,
      });
    } catch (error) {
      if (!(error instanceof PortalError)) throw error;
      return page(reply, null, {
        title: 'Set your password',
        status: error.status,
        body: passwordForm(reply, form.token ?? '', error),
      });
    }
  });

  // ---- the dashboard: credentials ---------------------------------------------------------

  fastify.get(
    '/dashboard',
    authenticated(async (request, reply, session) => {
      const [credentials, types] = await Promise.all([
        engine.listCredentials(session),
        engine.credentialTypes(session),
      ]);
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
          ? credentials.map((c) => credentialCard(c, reply.generateCsrf()))
          : html`<p>You have no credentials yet.</p>`;
      return page(reply, session, {
        title: 'Your API credentials',
        current: '/dashboard',
        body: html`${message}${create}${list}`,
      });
    }),
  );

  const newCredentialPage = (
    reply: FastifyReply,
    session: Session,
    types: CredentialType[],
    open?: { type: string; values: Record<string, unknown>; error: PortalError },
  ) =>
    page(reply, session, {
      title: 'Create API credential',
      current: '/dashboard',
      status: open?.error.status,
      body: html`${open ? errorNotice(open.error) : ''}<p>Choose the kind of credential your application uses. The secret is generated for you and shown once.</p>
${types.map(
  (
    type,
  ) => html`<details class="card"${open?.type === type || types.length === 1 ? html` open` : ''}><summary><strong>${CREDENTIAL_LABELS[type]}</strong></summary>
<form class="stack" method="post" action="/credentials" novalidate>${csrfField(reply.generateCsrf())}<input type="hidden" name="type" value="${type}">
${CREDENTIAL_FIELDS[type].map((field) => credentialControl(field, open?.type === type ? open.values[field.name] : undefined, open?.type === type ? open.error.errors : undefined, `new-${type}`))}
<div><button type="submit">Create ${CREDENTIAL_LABELS[type]} credential</button></div></form></details>`,
)}
<p><a href="/dashboard">Back to your credentials</a></p>`,
    });

  fastify.get(
    '/credentials/new',
    authenticated(async (_request, reply, session) =>
      newCredentialPage(reply, session, await engine.credentialTypes(session)),
    ),
  );

  fastify.post(
    '/credentials',
    csrf,
    authenticated(async (request, reply, session) => {
      const form = formOf(request);
      const type = form.type as CredentialType;
      const types = await engine.credentialTypes(session);
      if (!CREDENTIAL_TYPES.includes(type))
        return newCredentialPage(reply, session, types, {
          type,
          values: {},
          error: new PortalError(400, 'Unknown credential type', `Choose one of the types below.`),
        });
      const values = credentialInput(type, form);
      try {
        return secretPage(reply, session, 'Your new credential', await engine.createCredential(session, values));
      } catch (error) {
        if (!(error instanceof PortalError)) throw error;
        return newCredentialPage(reply, session, types, { type, values, error });
      }
    }),
  );

  const secretPage = (reply: FastifyReply, session: Session, title: string, result: CredentialWithSecrets) =>
    page(reply, session, {
      title,
      current: '/dashboard',
      status: title === 'Your new credential' ? 201 : 200,
      body: html`${notice('warn', html`<strong>Copy the secret now: it is shown only this once.</strong>`, 'It is not stored where anyone can read it back; if you lose it, rotate the credential to get a new one.')}
${Object.entries(result.secrets).map(
  ([field, value]) =>
    html`<h2>${field}</h2><div class="secret"><code id="secret-${field}">${value}</code><button type="button" class="secondary" data-copy="secret-${field}" hidden>Copy ${field}</button></div>`,
)}
<h2>Credential</h2>${credentialProperties(result.credential)}
<p><a class="button" href="/dashboard">Done: back to your credentials</a></p>`,
    });

  const editPage = (
    reply: FastifyReply,
    session: Session,
    credential: PublicCredential,
    values: Record<string, unknown>,
    error?: PortalError,
  ) =>
    page(reply, session, {
      title: `Edit ${credentialName(credential)}`,
      current: '/dashboard',
      status: error?.status,
      body: credential.managed
        ? html`${notice('info', 'The portal’s manifests manage this credential: ask an administrator to change it.')}${credentialProperties(credential)}<p><a href="/dashboard">Back to your credentials</a></p>`
        : html`${error ? errorNotice(error) : ''}<form class="stack" method="post" action="/credentials/${credential.id}" novalidate>${csrfField(reply.generateCsrf())}
${CREDENTIAL_FIELDS[credential.type].map((field) => credentialControl(field, values[field.name], error?.errors, 'edit'))}
<div class="actions"><button type="submit">Save changes</button><a href="/dashboard">Cancel</a></div></form>`,
    });

  fastify.get(
    '/credentials/:id/edit',
    authenticated(async (request, reply, session) => {
      const credential = await engine.getCredential(session, idOf(request));
      return editPage(reply, session, credential, credential);
    }),
  );

  fastify.post(
    '/credentials/:id',
    csrf,
    authenticated(async (request, reply, session) => {
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

  const confirmPage = (
    reply: FastifyReply,
    session: Session,
    credential: PublicCredential,
    action: 'rotate' | 'delete',
  ) =>
    page(reply, session, {
      title: action === 'delete' ? `Delete ${credentialName(credential)}?` : `Rotate ${credentialName(credential)}?`,
      current: '/dashboard',
      body: html`${notice('warn', action === 'delete' ? html`<strong>Deleting this credential cannot be undone.</strong> ${LOSE_ACCESS}` : html`<strong>Rotating replaces the secret.</strong> Applications and services using the current secret lose access until they use the new one.`)}
${credentialProperties(credential)}
<form method="post" action="/credentials/${credential.id}/${action}" class="actions">${csrfField(reply.generateCsrf())}<input type="hidden" name="confirm" value="yes">
<button type="submit" class="${action === 'delete' ? 'danger' : ''}">${action === 'delete' ? 'Delete credential' : 'Rotate secret'}</button><a href="/dashboard">Cancel</a></form>`,
    });

  for (const action of ['rotate', 'delete'] as const) {
    fastify.get(
      `/credentials/:id/${action}`,
      authenticated(async (request, reply, session) =>
        confirmPage(reply, session, await engine.getCredential(session, idOf(request)), action),
      ),
    );
  }

  fastify.post(
    '/credentials/:id/rotate',
    csrf,
    authenticated(async (request, reply, session) => {
      if (formOf(request).confirm !== 'yes')
        return confirmPage(reply, session, await engine.getCredential(session, idOf(request)), 'rotate');
      return secretPage(
        reply,
        session,
        'Your rotated credential',
        await engine.rotateCredential(session, idOf(request)),
      );
    }),
  );

  fastify.post(
    '/credentials/:id/delete',
    csrf,
    authenticated(async (request, reply, session) => {
      if (formOf(request).confirm !== 'yes')
        return confirmPage(reply, session, await engine.getCredential(session, idOf(request)), 'delete');
      await engine.deleteCredential(session, idOf(request));
      return redirect(reply, '/dashboard?done=deleted');
    }),
  );

  // ---- account settings -------------------------------------------------------------------

  const accountPage = async (
    reply: FastifyReply,
    session: Session,
    message?: SafeHtml,
    failure?: { form: string; error: PortalError },
  ) => {
    const account = await engine.me(session);
    const errors = (form: string) => (failure?.form === form ? failure.error : undefined);
    const section = (form: string) => (errors(form) ? errorNotice(errors(form)!) : '');
    const token = reply.generateCsrf();
    return page(reply, session, {
      title: 'Account settings',
      current: '/account',
      status: failure?.error.status,
      body: html`${message ?? ''}<dl class="props"><dt>Status</dt><dd>${account.status}</dd><dt>Member since</dt><dd>${account.createdAt}</dd></dl>
<h2 id="name">Name</h2>${section('name')}
${
  account.managed.fullName
    ? html`${input({ name: 'fullName', label: 'Full name', value: account.fullName, readonly: true, hint: 'Managed by the portal’s manifests: ask an administrator to change it.', idPrefix: 'name' })}`
    : html`<form class="stack" method="post" action="/account/name" novalidate>${csrfField(token)}${input({ name: 'fullName', label: 'Full name', value: account.fullName, required: true, autocomplete: 'name', errors: errors('name')?.errors, idPrefix: 'name' })}<div><button type="submit">Save name</button></div></form>`
}
<h2 id="email">Email</h2>${section('email')}
${
  account.managed.email
    ? html`${input({ name: 'email', label: 'Email', type: 'email', value: account.email, readonly: true, hint: 'Managed by the portal’s manifests: ask an administrator to change it.', idPrefix: 'email' })}`
    : html`<form class="stack" method="post" action="/account/email" novalidate>${csrfField(token)}${input({ name: 'email', label: 'Email', type: 'email', value: account.email, required: true, autocomplete: 'email', errors: errors('email')?.errors, idPrefix: 'email' })}${input({ name: 'password', label: 'Your password, to confirm', type: 'password', required: true, autocomplete: 'current-password', idPrefix: 'email' })}<div><button type="submit">Change email</button></div></form>`
}
<h2 id="password">Password</h2>${section('password')}
<form class="stack" method="post" action="/account/password" novalidate>${csrfField(token)}
${input({ name: 'currentPassword', label: 'Current password', type: 'password', required: true, autocomplete: 'current-password', errors: errors('password')?.errors, idPrefix: 'pw' })}
${input({ name: 'newPassword', label: 'New password', type: 'password', required: true, autocomplete: 'new-password', hint: 'At least 12 characters. Your other sessions end.', errors: errors('password')?.errors, idPrefix: 'pw' })}
<div><button type="submit">Change password</button></div></form>
<h2 id="delete">Delete account</h2>${section('delete')}
${notice('warn', html`<strong>Deleting your account immediately revokes your access and deletes every credential you hold.</strong> Applications and services using them lose access at once. This cannot be undone.`)}
<form class="stack" method="post" action="/account/delete" data-confirm="Delete your account? Your access is revoked immediately and every credential is deleted." novalidate>${csrfField(token)}
${input({ name: 'password', label: 'Your password, to confirm', type: 'password', required: true, autocomplete: 'current-password', idPrefix: 'delete' })}
<div><button type="submit" class="danger">Delete my account</button></div></form>`,
    });
  };

  fastify.get(
    '/account',
    authenticated(async (_request, reply, session) => accountPage(reply, session)),
  );

  const accountChange = (
    form: string,
    change: (session: Session, body: Record<string, string>) => Promise<unknown>,
    done: string,
  ) =>
    authenticated(async (request, reply, session) => {
      try {
        await change(session, formOf(request));
        return accountPage(reply, session, notice('ok', done));
      } catch (error) {
        if (!(error instanceof PortalError) || sessionEnded(error)) throw error;
        return accountPage(reply, session, undefined, { form, error });
      }
    });

  fastify.post(
    '/account/name',
    csrf,
    accountChange('name', (s, b) => engine.updateMe(s, { fullName: b.fullName ?? '' }), 'Your name is saved.'),
  );
  fastify.post(
    '/account/email',
    csrf,
    accountChange(
      'email',
      (s, b) => engine.changeEmail(s, { email: b.email ?? '', password: b.password ?? '' }),
      'Your email is changed.',
    ),
  );
  fastify.post(
    '/account/password',
    csrf,
    accountChange(
      'password',
      (s, b) =>
        engine.changePassword(s, { currentPassword: b.currentPassword ?? '', newPassword: b.newPassword ?? '' }),
      'Your password is changed; your other sessions have ended.',
    ),
  );

  fastify.post(
    '/account/delete',
    csrf,
    authenticated(async (request, reply, session) => {
      try {
        await engine.deleteAccount(session, { password: formOf(request).password ?? '' });
      } catch (error) {
        if (!(error instanceof PortalError) || sessionEnded(error)) throw error;
        return accountPage(reply, session, undefined, { form: 'delete', error });
      }
      clearSessionCookie(reply, cookies);
      return page(reply, null, {
        title: 'Your account is deleted',
        body: html`${notice('ok', 'Your account and every credential it held are gone; your access is revoked.')}<p><a href="/">Go to the portal's home page</a></p>`,
      });
    }),
  );
}

const DONE_MESSAGES: Record<string, string> = {
  deleted: 'The credential is deleted. Applications and services that used it no longer have access.',
  updated: 'The credential is saved.',
};

/** A 401 without field errors: the session ended (a wrong password names its field). */
function sessionEnded(error: unknown): boolean {
  return error instanceof PortalError && error.status === 401 && !error.errors?.length;
}

function idOf(request: FastifyRequest): string {
  return String((request.params as Record<string, unknown>).id ?? '');
}

function contextOf(request: FastifyRequest) {
  return { clientAddress: request.ip, requestId: String(request.id) };
}
