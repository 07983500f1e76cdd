// The developer's own credentials: the dashboard, and the credential pages under `/credentials`.
import type { FastifyInstance } from 'fastify';
import type { Session } from '../portal/contract.js';
import { html } from '../render/html-template.js';
import { scopedCredentialRoutes, secretRoute, type CredentialScope, type OneTime } from './credential-pages.js';
import { credentialCard } from './credential-view.js';
import { developerPage as page, signedInRoutes } from './developer-shell.js';
import type { PageContext } from './http.js';
import { notice } from './layout.js';

const DONE_MESSAGES: Record<string, string> = {
  deleted: 'The credential is deleted. Applications and services that used it no longer have access.',
  updated: 'The credential is saved.',
};

/** The developer's own credentials, as the credential pages reach them. */
function ownScope(context: PageContext, session: Session): CredentialScope {
  const { engine } = context;
  return {
    base: '/credentials',
    back: { href: '/dashboard', label: 'Back to your credentials' },
    current: '/dashboard',
    types: () => engine.credentialTypes(session),
    get: (id) => engine.getCredential(session, id),
    create: (input) => engine.createCredential(session, input),
    update: (id, input) => engine.updateCredential(session, id, input),
    rotate: (id) => engine.rotateCredential(session, id),
    delete: (id) => engine.deleteCredential(session, id),
  };
}

export function credentialRoutes(fastify: FastifyInstance, context: PageContext, once: OneTime): void {
  dashboardRoute(fastify, context, once);
  secretRoute(fastify, context, once);
  scopedCredentialRoutes(fastify, context, once, '/credentials', async (_request, session) =>
    ownScope(context, session),
  );
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
      const applications = html`<p class="muted">Credentials of your own, beside those of your
<a href="/applications">applications</a>, which call the APIs they are registered to.</p>`;
      return page(reply, session, {
        title: 'Your API credentials',
        current: '/dashboard',
        body: html`${message}${applications}${create}${list}`,
      });
    }),
  );
}
