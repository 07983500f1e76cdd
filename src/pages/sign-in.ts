// The developer pages before a login: the welcome page, signing up, logging in and out (setting a
// password with a link is in recovery.ts).
import type { FastifyInstance, FastifyReply } from 'fastify';
import { clearSessionCookie, setSessionCookie } from '../http/cookies.js';
import { contextOf } from '../http/request-context.js';
import { cookieSession } from '../http/request-session.js';
import { PortalError } from '../portal/contract.js';
import { notVerified } from '../portal/verification.js';
import { html } from '../render/html-template.js';
import { developerPage as page } from './developer-shell.js';
import { errorNotice, input } from './forms.js';
import { formOf, redirect, type PageContext } from './http.js';
import { csrfField, notice } from './layout.js';
import { resendForm } from './verify.js';

export function signInRoutes(fastify: FastifyInstance, context: PageContext): void {
  homeRoute(fastify, context);
  signupRoutes(fastify, context);
  loginRoutes(fastify, context);
}

function homeRoute(fastify: FastifyInstance, { engine }: PageContext): void {
  fastify.get('/', async (request, reply) => {
    if (await cookieSession(engine, request)) return redirect(reply, '/dashboard');
    return page(reply, null, {
      title: 'Welcome to the developer portal',
      body: html`<p class="lead">Get credentials to call our APIs: sign up, wait for your access to be approved,
then create and manage your API keys and other credentials here.</p>
<div class="actions"><a class="button" href="/signup">Sign up</a><a class="button secondary" href="/login">Log in</a></div>`,
    });
  });
}

function signupForm(reply: FastifyReply, values: Record<string, string> = {}, error?: PortalError) {
  const errors = error?.errors;
  const notice = error ? errorNotice(error, ['fullName', 'email', 'password']) : '';
  return html`${notice}<form class="stack" method="post" action="/signup" novalidate>
${csrfField(reply.generateCsrf())}
${input({ name: 'fullName', label: 'Full name', value: values.fullName, required: true, autocomplete: 'name', errors })}
${input({ name: 'email', label: 'Email', type: 'email', value: values.email, required: true, autocomplete: 'email', errors })}
${input({
  name: 'password',
  label: 'Password',
  type: 'password',
  required: true,
  autocomplete: 'new-password',
  hint: 'At least 12 characters.',
  errors,
})}
<div><button type="submit">Sign up</button></div></form>
<p>Already have an account? <a href="/login">Log in</a>.</p>`;
}

function signupRoutes(fastify: FastifyInstance, { engine }: PageContext): void {
  fastify.get('/signup', async (_request, reply) => {
    const settings = await engine.settings();
    const closed = settings.selfService.enabled ? '' : notice('warn', 'Sign-ups are closed at the moment.');
    return page(reply, null, { title: 'Sign up', current: '/signup', body: html`${closed}${signupForm(reply)}` });
  });

  fastify.post('/signup', { preHandler: fastify.csrfProtection }, async (request, reply) => {
    const form = formOf(request);
    try {
      const account = await engine.register(
        { email: form.email ?? '', fullName: form.fullName ?? '', password: form.password ?? '' },
        contextOf(request),
      );
      const thanks = html`Thank you, ${account.fullName}. We mailed a link to <strong>${account.email}</strong>.`;
      const then = (await engine.settings()).autoApprove
        ? 'Open it and confirm the address with your password; then you can log in.'
        : 'Open it and confirm the address with your password; then your request waits for approval by the portal administrators.';
      return page(reply, null, {
        title: 'Check your mail',
        status: 201,
        body: html`${notice('info', thanks, then)}
<p>No mail after a few minutes? Look in your spam folder, or mail the link again:</p>${resendForm(reply, account.email)}
<p><a href="/login">Go to the login page</a></p>`,
      });
    } catch (error) {
      if (!(error instanceof PortalError)) throw error;
      const body = signupForm(reply, { ...form, password: '' }, error);
      return page(reply, null, { title: 'Sign up', current: '/signup', status: error.status, body });
    }
  });
}

export function loginForm(reply: FastifyReply, values: Record<string, string> = {}, error?: PortalError) {
  return html`${error ? errorNotice(error) : ''}<form class="stack" method="post" action="/login" novalidate>
${csrfField(reply.generateCsrf())}
${input({ name: 'email', label: 'Email', type: 'email', value: values.email, required: true, autocomplete: 'username' })}
${input({ name: 'password', label: 'Password', type: 'password', required: true, autocomplete: 'current-password' })}
<div><button type="submit">Log in</button></div></form>
<p><a href="/password-reset">Forgot password?</a></p>
<p>No account yet? <a href="/signup">Sign up</a>. Signed up but no mail? <a href="/verify/resend">Resend the verification mail</a>.</p>`;
}

function loginRoutes(fastify: FastifyInstance, { engine, secureCookies }: PageContext): void {
  const cookies = { secure: secureCookies };
  fastify.get('/login', async (request, reply) => {
    const query = request.query as Record<string, string | undefined>;
    const message = query.expired
      ? notice('info', 'Please log in to continue.')
      : query.done === 'logout'
        ? notice('ok', 'You are logged out.')
        : '';
    return page(reply, null, { title: 'Log in', current: '/login', body: html`${message}${loginForm(reply)}` });
  });

  fastify.post('/login', { preHandler: fastify.csrfProtection }, async (request, reply) => {
    const form = formOf(request);
    try {
      const grant = await engine.login({ email: form.email ?? '', password: form.password ?? '' }, contextOf(request));
      setSessionCookie(reply, grant.token, grant.expiresAt, cookies);
      return redirect(reply, '/dashboard');
    } catch (error) {
      if (!(error instanceof PortalError)) throw error;
      const values = { email: form.email ?? '' };
      const unverified = error.title === notVerified().title;
      const next = unverified ? resendForm(reply, values.email) : loginForm(reply, values);
      const body =
        error.status === 403
          ? html`${notice('warn', html`<strong>${error.title}.</strong> ${error.detail}`)}${next}`
          : loginForm(reply, values, error);
      if (error.retryAfterSeconds) reply.header('retry-after', String(error.retryAfterSeconds));
      return page(reply, null, { title: 'Log in', current: '/login', status: error.status, body });
    }
  });

  // Logging out a session that already ended changes nothing, so it needs no CSRF token.
  fastify.post('/logout', async (request, reply) => {
    const session = await cookieSession(engine, request);
    if (session) {
      await fastify.csrfProtection(request, reply);
      await engine.logout(session);
    }
    clearSessionCookie(reply, cookies);
    return redirect(reply, '/login?done=logout');
  });
}
