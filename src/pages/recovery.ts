// The pages of a forgotten password and of a password set with a link (docs/portal-service.md,
// "Mail"): asking for a reset link, which always says the same whether or not an account exists,
// and the form a reset or invite link opens, shown only while its token can still be used.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { contextOf } from '../http/request-context.js';
import { PortalError } from '../portal/contract.js';
import { html } from '../render/html-template.js';
import { developerPage as page } from './developer-shell.js';
import { errorNotice, input } from './forms.js';
import { formOf, type PageContext } from './http.js';
import { csrfField, notice } from './layout.js';
import { loginForm } from './sign-in.js';

const PASSWORD_HINT = 'At least 12 characters, not easy to guess: a few unrelated words work well.';

function resetForm(reply: FastifyReply, email = '') {
  return html`<p>Enter the email of your developer portal account. We send a link to set a new password to it.</p>
<form class="stack" method="post" action="/password-reset" novalidate>
${csrfField(reply.generateCsrf())}
${input({ name: 'email', label: 'Email', type: 'email', value: email, required: true, autocomplete: 'email' })}
<div><button type="submit">Send me a link</button></div></form>
<p><a href="/login">Back to the login page</a></p>`;
}

function passwordForm(reply: FastifyReply, token: string, error?: PortalError) {
  const notice = error ? errorNotice(error, ['password']) : '';
  return html`${notice}<form class="stack" method="post" action="/password" novalidate>
${csrfField(reply.generateCsrf())}
<input type="hidden" name="token" value="${token}">
${input({
  name: 'password',
  label: 'New password',
  type: 'password',
  required: true,
  autocomplete: 'new-password',
  hint: PASSWORD_HINT,
  errors: error?.errors,
})}
<div><button type="submit">Set my password</button></div></form>`;
}

/** The page of a link that can no longer be used: say so, and offer a new one. */
function deadLink(reply: FastifyReply, status: number) {
  return page(reply, null, {
    title: 'This link can no longer be used',
    status,
    body: html`${notice(
      'warn',
      'This link is unknown, already used or expired.',
      'Links to set a password can be used once, within the time the message said.',
    )}
<p><a class="button" href="/password-reset">Get a new link</a></p>`,
  });
}

export function recoveryRoutes(fastify: FastifyInstance, { engine }: PageContext): void {
  fastify.get('/password-reset', async (_request, reply) =>
    page(reply, null, { title: 'Forgot your password?', current: '/login', body: resetForm(reply) }),
  );

  fastify.post('/password-reset', { preHandler: fastify.csrfProtection }, async (request, reply) => {
    const form = formOf(request);
    await engine.requestPasswordReset({ email: form.email ?? '' }, contextOf(request));
    const sent = 'If an account exists for that address, we sent a link to it to set a new password.';
    return page(reply, null, {
      title: 'Check your mail',
      body: html`${notice('info', sent, 'The link is valid for 1 hour. Nothing arrived? Check your spam folder, or ask again in a few minutes.')}
<p><a href="/login">Back to the login page</a></p>`,
    });
  });

  fastify.get('/password', async (request, reply) => {
    const token = String((request.query as Record<string, unknown>).token ?? '');
    if (!token)
      return page(reply, null, {
        title: 'Set your password',
        status: 400,
        body: notice('error', 'This link has no token. Use the whole link from your message.'),
      });
    if (!(await engine.passwordTokenLive(token))) return deadLink(reply, 410);
    return page(reply, null, {
      title: 'Set your password',
      body: html`<p>Choose the password for your developer portal account.</p>${passwordForm(reply, token)}`,
    });
  });

  fastify.post('/password', { preHandler: fastify.csrfProtection }, async (request, reply) => {
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
      if (error.errors?.some((e) => e.field === 'token')) return deadLink(reply, error.status);
      const body = passwordForm(reply, form.token ?? '', error);
      return page(reply, null, { title: 'Set your password', status: error.status, body });
    }
  });
}
