// The developer's applications (docs/applications.md): the list, creating one, its page (description,
// API registrations, credentials), registering it to one of the portal's APIs, withdrawing a
// registration and deleting the application. Every refusal of the engine is told on the page the
// form came from, at its field where it names one.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PortalError, type PublicApplication, type Session } from '../portal/contract.js';
import { html, type SafeHtml } from '../render/html-template.js';
import { blockingRegistrations, managedApplication } from './application-rules.js';
import {
  applicationNoun,
  applicationPath,
  applicationProperties,
  applicationSummary,
  applicationTitle,
  credentialsSection,
  deleteSection,
  descriptionSection,
  LOSE_ALL,
  nameField,
  refusalNotice,
  registerForm,
  registrationsTable,
  whatGoes,
} from './applications-view.js';
import { scopedCredentialRoutes, type CredentialScope, type OneTime } from './credential-pages.js';
import { developerPage as page, signedInRoutes } from './developer-shell.js';
import { errorNotice } from './forms.js';
import { formOf, redirect, type PageContext } from './http.js';
import { csrfField, notice } from './layout.js';

const CURRENT = '/applications';
const BACK_TO_LIST = html`<p><a href="/applications">Back to your applications</a></p>`;

const DONE_MESSAGES: Record<string, string> = {
  created: 'The application is created. Give it credentials and register it to the APIs it calls.',
  described: 'The description is saved.',
  requested: 'The registration is requested: an administrator approves it, and its status shows here.',
  approved: 'The registration is approved: the application’s credentials may call the API.',
  withdrawn: 'The registration is withdrawn: the application’s credentials can no longer call that API.',
  updated: 'The credential is saved.',
  deleted: 'The credential is deleted. Applications and services that used it no longer have access.',
};

const SELF_SERVICE_OFF =
  'Self-service is off: you cannot create or describe applications or request registrations at the moment. Withdrawing and deleting still work.';

const LIST_MESSAGES: Record<string, string> = {
  deleted: 'The application is deleted, with its credentials and registrations.',
};

function applicationId(request: FastifyRequest): string {
  return String((request.params as Record<string, unknown>).app ?? '');
}

function doneMessage(request: FastifyRequest, messages: Record<string, string>): SafeHtml | string {
  const done = String((request.query as Record<string, unknown>).done ?? '');
  return messages[done] ? notice('ok', messages[done]!) : '';
}

export function applicationRoutes(fastify: FastifyInstance, context: PageContext, once: OneTime): void {
  listRoutes(fastify, context);
  applicationPageRoutes(fastify, context, once);
  registrationRoutes(fastify, context, once);
  deleteRoutes(fastify, context);
  scopedCredentialRoutes(fastify, context, once, '/applications/:app/credentials', async (request, session) =>
    credentialScope(context, session, await context.engine.getApplication(session, applicationId(request))),
  );
}

/** An application's credentials, as the credential pages reach them; an application holds no acl group. */
function credentialScope(context: PageContext, session: Session, application: PublicApplication): CredentialScope {
  const { engine } = context;
  const app = application.id;
  return {
    base: `${applicationPath(application)}/credentials`,
    back: { href: applicationPath(application), label: `Back to ${applicationNoun(application)}` },
    current: CURRENT,
    owner: applicationNoun(application),
    types: async () => (await engine.credentialTypes(session)).filter((type) => type !== 'acl'),
    get: (id) => engine.getApplicationCredential(session, app, id),
    create: (input) => engine.createApplicationCredential(session, app, input),
    update: (id, input) => engine.updateApplicationCredential(session, app, id, input),
    rotate: (id) => engine.rotateApplicationCredential(session, app, id),
    delete: (id) => engine.deleteApplicationCredential(session, app, id),
  };
}

interface NewForm {
  name?: string;
  description?: string;
  error?: PortalError;
}

function newApplicationPage(reply: FastifyReply, session: Session, form: NewForm = {}) {
  const invalid = form.error?.errors?.find((e) => e.field === 'description');
  const aria = invalid ? html` aria-invalid="true" aria-describedby="new-description-error"` : '';
  return page(reply, session, {
    title: 'Create an application',
    current: CURRENT,
    status: form.error?.status,
    body: html`${form.error ? errorNotice(form.error, ['name', 'description']) : ''}
<p>An application holds its own credentials and registers to the portal's APIs; an approved registration lets its credentials call that API.</p>
<form class="stack" method="post" action="/applications" novalidate>${csrfField(reply.generateCsrf())}
${nameField(form.name, form.error)}
<div class="field"><label for="new-description">Description (optional)</label>
<textarea id="new-description" name="description"${aria}>${form.description ?? ''}</textarea>
${invalid ? html`<span class="error-text" id="new-description-error">${invalid.message}</span>` : ''}</div>
<div class="actions"><button type="submit">Create application</button><a href="/applications">Cancel</a></div></form>`,
  });
}

function listRoutes(fastify: FastifyInstance, context: PageContext): void {
  const { engine } = context;

  const signedIn = signedInRoutes(fastify, context);
  fastify.get(
    '/applications',
    signedIn.page,
    signedIn.handler(async (request, reply, session) => {
      const [applications, settings] = await Promise.all([engine.listApplications(session), engine.settings()]);
      const create = settings.selfService.enabled
        ? html`<p><a class="button" href="/applications/new">Create application</a></p>`
        : notice('info', SELF_SERVICE_OFF);
      const list =
        applications.length > 0 ? applications.map(applicationSummary) : html`<p>You have no applications yet.</p>`;
      return page(reply, session, {
        title: 'Your applications',
        current: CURRENT,
        body: html`${doneMessage(request, LIST_MESSAGES)}
<p>Each application holds its own credentials and registers to the portal's APIs. An approved registration lets the application's credentials call that API.</p>
${create}${list}`,
      });
    }),
  );
  fastify.get(
    '/applications/new',
    signedIn.page,
    signedIn.handler(async (_request, reply, session) => newApplicationPage(reply, session)),
  );
  fastify.post(
    '/applications',
    signedIn.form,
    signedIn.handler(async (request, reply, session) => {
      const form = formOf(request);
      const name = (form.name ?? '').trim();
      const description = (form.description ?? '').trim();
      try {
        const created = await engine.createApplication(session, description ? { name, description } : { name });
        return redirect(reply, `${applicationPath(created)}?done=created`);
      } catch (error) {
        if (!(error instanceof PortalError)) throw error;
        return newApplicationPage(reply, session, { name, description, error });
      }
    }),
  );
}

/** A refusal shown on the application's page, in the section whose form was sent. */
interface Refusal {
  section: 'description' | 'register';
  error: PortalError;
}

interface ShowOptions {
  message?: SafeHtml | string;
  refusal?: Refusal;
}

/** The application's page: everything about it, each part with its form. */
async function applicationPage(
  context: PageContext,
  once: OneTime,
  reply: FastifyReply,
  session: Session,
  application: PublicApplication,
  options: ShowOptions = {},
) {
  const { engine } = context;
  const [apis, types, settings] = await Promise.all([
    engine.listApis(),
    engine.credentialTypes(session),
    engine.settings(),
  ]);
  const csrf = reply.generateCsrf();
  const refused = (section: Refusal['section']) =>
    options.refusal?.section === section ? options.refusal.error : undefined;
  const register = settings.selfService.enabled
    ? registerForm(application, apis, csrf, refused('register'))
    : html`${refused('register') ? refusalNotice(refused('register')!) : ''}${notice('info', SELF_SERVICE_OFF)}`;
  return page(reply, session, {
    title: applicationTitle(application),
    current: CURRENT,
    status: options.refusal?.error.status,
    body: html`${options.message ?? ''}${applicationProperties(application)}
${descriptionSection(application, csrf, refused('description'))}
<h2 id="registrations">API registrations</h2>
${registrationsTable(application, apis, csrf)}
<h3>Register to an API</h3>
${register}
<h2 id="credentials">Credentials</h2>
${credentialsSection(
  application,
  types.some((type) => type !== 'acl'),
  csrf,
  once.formToken(session),
)}
${deleteSection(application, csrf)}
${BACK_TO_LIST}`,
  });
}

function applicationPageRoutes(fastify: FastifyInstance, context: PageContext, once: OneTime): void {
  const { engine } = context;
  const signedIn = signedInRoutes(fastify, context);
  fastify.get(
    '/applications/:app',
    signedIn.page,
    signedIn.handler(async (request, reply, session) => {
      const application = await engine.getApplication(session, applicationId(request));
      return applicationPage(context, once, reply, session, application, {
        message: doneMessage(request, DONE_MESSAGES),
      });
    }),
  );
  fastify.post(
    '/applications/:app/description',
    signedIn.form,
    signedIn.handler(async (request, reply, session) => {
      const application = await engine.getApplication(session, applicationId(request));
      const description = (formOf(request).description ?? '').trim();
      try {
        await engine.updateApplication(session, application.id, { description });
        return redirect(reply, `${applicationPath(application)}?done=described#description`);
      } catch (error) {
        if (!(error instanceof PortalError)) throw error;
        const shown = { ...application, description };
        return applicationPage(context, once, reply, session, shown, { refusal: { section: 'description', error } });
      }
    }),
  );
}

function registrationRoutes(fastify: FastifyInstance, context: PageContext, once: OneTime): void {
  const { engine } = context;
  const signedIn = signedInRoutes(fastify, context);
  fastify.post(
    '/applications/:app/registrations',
    signedIn.form,
    signedIn.handler(async (request, reply, session) => {
      const application = await engine.getApplication(session, applicationId(request));
      try {
        const registration = await engine.requestRegistration(session, application.id, formOf(request).api ?? '');
        const done = registration.status === 'approved' ? 'approved' : 'requested';
        return redirect(reply, `${applicationPath(application)}?done=${done}#registrations`);
      } catch (error) {
        if (!(error instanceof PortalError)) throw error;
        return applicationPage(context, once, reply, session, application, { refusal: { section: 'register', error } });
      }
    }),
  );
  fastify.post(
    '/applications/:app/registrations/:api/withdraw',
    signedIn.form,
    signedIn.handler(async (request, reply, session) => {
      const application = await engine.getApplication(session, applicationId(request));
      const api = String((request.params as Record<string, unknown>).api ?? '');
      const registration = application.registrations.find((r) => r.api === api);
      if (formOf(request).confirm !== 'yes' && registration) {
        const path = `${applicationPath(application)}/registrations/${encodeURIComponent(api)}/withdraw`;
        return page(reply, session, {
          title: `Withdraw the registration to ${api}?`,
          current: CURRENT,
          body: html`${notice('warn', `${application.name}’s credentials can no longer call ${api} once the registration is withdrawn.`)}
<form method="post" action="${path}" class="actions">${csrfField(reply.generateCsrf())}<input type="hidden" name="confirm" value="yes">
<button type="submit" class="danger">Withdraw the registration</button><a href="${applicationPath(application)}">Cancel</a></form>`,
        });
      }
      try {
        await engine.withdrawRegistration(session, application.id, api);
        return redirect(reply, `${applicationPath(application)}?done=withdrawn#registrations`);
      } catch (error) {
        if (!(error instanceof PortalError)) throw error;
        return applicationPage(context, once, reply, session, application, { refusal: { section: 'register', error } });
      }
    }),
  );
}

function deleteRoutes(fastify: FastifyInstance, context: PageContext): void {
  const { engine } = context;
  const signedIn = signedInRoutes(fastify, context);
  const confirmPage = (reply: FastifyReply, session: Session, application: PublicApplication, error?: PortalError) => {
    const back = html`<p><a href="${applicationPath(application)}">Back to ${applicationNoun(application)}</a></p>`;
    const blocked = blockingRegistrations(application).length > 0 || managedApplication(application);
    const form = html`<form method="post" action="${applicationPath(application)}/delete" class="actions">${csrfField(reply.generateCsrf())}
<input type="hidden" name="confirm" value="yes">
<button type="submit" class="danger">Delete ${application.name}</button><a href="${applicationPath(application)}">Cancel</a></form>`;
    const warning = notice('warn', html`<strong>Deleting the application cannot be undone.</strong> ${LOSE_ALL}`);
    const body = error
      ? html`${refusalNotice(error)}${back}`
      : blocked
        ? html`${deleteSection(application, reply.generateCsrf())}${back}`
        : html`${warning}${whatGoes(application)}${form}`;
    return page(reply, session, {
      title: `Delete ${applicationNoun(application)}?`,
      current: CURRENT,
      status: error?.status,
      body,
    });
  };
  fastify.get(
    '/applications/:app/delete',
    signedIn.page,
    signedIn.handler(async (request, reply, session) =>
      confirmPage(reply, session, await engine.getApplication(session, applicationId(request))),
    ),
  );
  fastify.post(
    '/applications/:app/delete',
    signedIn.form,
    signedIn.handler(async (request, reply, session) => {
      const application = await engine.getApplication(session, applicationId(request));
      if (formOf(request).confirm !== 'yes') return confirmPage(reply, session, application);
      try {
        await engine.deleteApplication(session, application.id);
        return redirect(reply, '/applications?done=deleted');
      } catch (error) {
        if (!(error instanceof PortalError)) throw error;
        return confirmPage(reply, session, application, error);
      }
    }),
  );
}
