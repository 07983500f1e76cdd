// Proving an address from the mailed link (docs/portal-service.md, "Mail"), and asking for the link
// again. Opening `/verify?token=…` only shows a form: a mail scanner that follows the link proves
// nothing; the developer's password, posted with the token, does.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { contextOf } from '../http/request-context.js';
import { PortalError } from '../portal/contract.js';
import { html, type SafeHtml } from '../render/html-template.js';
import { developerPage as page } from './developer-shell.js';
import { errorNotice, input } from './forms.js';
import { formOf, type PageContext } from './http.js';
import { csrfField, notice } from './layout.js';

function verifyForm(reply: FastifyReply, token: string, error?: PortalError): SafeHtml {
  const problem = error ? errorNotice(error, ['password']) : '';
  const passwordErrors = error?.errors?.filter((e) => e.field === 'password');
  return html`${problem}<form class="stack" method="post" action="/verify" novalidate>
${csrfField(reply.generateCsrf())}
<input type="hidden" name="token" value="${token}">
${input({
  name: 'password',
  label: 'Password',
  type: 'password',
  required: true,
  autocomplete: 'current-password',
  hint: 'The password of your developer portal account.',
  errors: passwordErrors,
})}
<div><button type="submit">Confirm my address</button></div></form>`;
}

/** The form that mails the verification link again; the sign-in pages show it too. */
export function resendForm(reply: FastifyReply, email = ''): SafeHtml {
  return html`<form class="stack" method="post" action="/verify/resend" novalidate>
${csrfField(reply.generateCsrf())}
${input({ name: 'email', label: 'Email', type: 'email', value: email, required: true, autocomplete: 'email', idPrefix: 'resend' })}
<div><button type="submit" class="secondary">Resend the verification mail</button></div></form>`;
}

export function verifyRoutes(fastify: FastifyInstance, { engine }: PageContext): void {
  fastify.get('/verify', async (request, reply) => {
    const token = String((request.query as Record<string, unknown>).token ?? '');
    if (!token)
      return page(reply, null, {
        title: 'Confirm your email address',
        status: 400,
        body: html`${notice('error', 'This link has no token. Use the whole link from the mail.')}${resendForm(reply)}`,
      });
    return page(reply, null, {
      title: 'Confirm your email address',
      body: html`<p>Enter your password to confirm that this address is yours.</p>${verifyForm(reply, token)}`,
    });
  });

  fastify.post('/verify', { preHandler: fastify.csrfProtection }, async (request, reply) => {
    const form = formOf(request);
    const token = form.token ?? '';
    try {
      await engine.verifyEmail({ token, password: form.password ?? '' }, contextOf(request));
      return page(reply, null, {
        title: 'Your address is confirmed',
        body: html`${notice('ok', 'Thank you: your email address is confirmed.')}
<div class="actions"><a class="button" href="/login">Log in</a></div>`,
      });
    } catch (error) {
      if (!(error instanceof PortalError)) throw error;
      if (error.retryAfterSeconds) reply.header('retry-after', String(error.retryAfterSeconds));
      const tokenRefused = error.errors?.some((e) => e.field === 'token');
      const body = tokenRefused
        ? html`${notice('error', html`<strong>${error.title}.</strong> ${error.detail}`)}${resendForm(reply)}`
        : verifyForm(reply, token, error);
      return page(reply, null, { title: 'Confirm your email address', status: error.status, body });
    }
  });

  fastify.get('/verify/resend', async (_request, reply) =>
    page(reply, null, {
      title: 'Resend the verification mail',
      body: html`<p>Enter the address you signed up with; we mail it a new link to confirm it.</p>${resendForm(reply)}`,
    }),
  );

  fastify.post('/verify/resend', { preHandler: fastify.csrfProtection }, async (request, reply) => {
    const email = formOf(request).email ?? '';
    await engine.resendVerification({ email }, contextOf(request));
    return page(reply, null, {
      title: 'Check your mail',
      status: 202,
      body: html`${notice(
        'info',
        html`If <strong>${email}</strong> signed up and is not confirmed yet, a new link is on its way. Check your mail.`,
        'Mail goes out at most once every 5 minutes to one address.',
      )}<p><a href="/login">Go to the login page</a></p>`,
    });
  });
}
