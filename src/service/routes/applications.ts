// The portal's APIs, the developer's applications and their registrations (docs/applications.md).
// An application's credentials are in application-credentials.ts.
import type { FastifyInstance } from 'fastify';
import type { PublicApplication } from '../../portal/contract.js';
import { sessionOf } from '../../http/request-session.js';
import {
  applicationParams,
  applicationResponses,
  createApplicationBody,
  registrationBody,
  registrationParams,
  updateApplicationBody,
} from '../application-schemas.js';
import { responses } from '../schemas.js';
import { AUTHENTICATED, problems, type RouteContext } from './context.js';
import { credentialView } from './credentials.js';

type ById = { Params: { id: string } };

/** An application as the API shows it: its credentials through `credentialView`, never a secret. */
export function applicationView(application: PublicApplication) {
  const { id, name, description, origin, createdAt, credentials, registrations, managed } = application;
  return {
    id,
    name,
    description,
    origin,
    createdAt,
    credentials: credentials.map(credentialView),
    registrations: registrations.map(({ api, status, origin, createdAt, managed }) => ({
      api,
      status,
      origin,
      createdAt,
      managed,
    })),
    managed,
  };
}

export function applicationRoutes(app: FastifyInstance, context: RouteContext): void {
  applicationReadRoutes(app, context);
  applicationWriteRoutes(app, context);
  registrationRoutes(app, context);
}

function applicationReadRoutes(app: FastifyInstance, { engine, requireSession }: RouteContext): void {
  app.get(
    '/api/v1/apis',
    {
      preHandler: requireSession,
      schema: {
        tags: ['applications'],
        summary: 'The APIs the portal publishes, with whether a registration to each is approved at once',
        security: AUTHENTICATED,
        response: { 200: applicationResponses.apis, ...problems(401) },
      },
    },
    async () => ({ apis: await engine.listApis() }),
  );

  app.get(
    '/api/v1/applications',
    {
      preHandler: requireSession,
      schema: {
        tags: ['applications'],
        summary: "The developer's applications, with their credentials (never a secret) and registrations",
        security: AUTHENTICATED,
        response: { 200: applicationResponses.applications, ...problems(401) },
      },
    },
    async (request) => ({
      applications: (await engine.listApplications(sessionOf(request))).map(applicationView),
    }),
  );

  app.get<ById>(
    '/api/v1/applications/:id',
    {
      preHandler: requireSession,
      schema: {
        tags: ['applications'],
        summary: 'One application',
        security: AUTHENTICATED,
        params: applicationParams,
        response: { 200: applicationResponses.application, ...problems(401, 404) },
      },
    },
    async (request) => ({
      application: applicationView(await engine.getApplication(sessionOf(request), request.params.id)),
    }),
  );
}

function applicationWriteRoutes(app: FastifyInstance, { engine, requireSession }: RouteContext): void {
  app.post<{ Body: Record<string, unknown> }>(
    '/api/v1/applications',
    {
      preHandler: requireSession,
      schema: {
        tags: ['applications'],
        summary: 'Create an application (403 when self-service is off or the limit is reached)',
        security: AUTHENTICATED,
        body: createApplicationBody,
        response: { 201: applicationResponses.application, ...problems(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const created = await engine.createApplication(sessionOf(request), request.body);
      return reply.code(201).send({ application: applicationView(created) });
    },
  );

  app.patch<ById & { Body: Record<string, unknown> }>(
    '/api/v1/applications/:id',
    {
      preHandler: requireSession,
      schema: {
        tags: ['applications'],
        summary: "Change an application's description (403 when the manifests manage it)",
        security: AUTHENTICATED,
        params: applicationParams,
        body: updateApplicationBody,
        response: { 200: applicationResponses.application, ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => ({
      application: applicationView(await engine.updateApplication(sessionOf(request), request.params.id, request.body)),
    }),
  );

  app.delete<ById>(
    '/api/v1/applications/:id',
    {
      preHandler: requireSession,
      schema: {
        tags: ['applications'],
        summary:
          'Delete an application with its credentials and registrations (403 when the manifests manage it, ' +
          'or it holds a rejected or revoked registration)',
        security: AUTHENTICATED,
        params: applicationParams,
        response: { 204: responses.empty, ...problems(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await engine.deleteApplication(sessionOf(request), request.params.id);
      return reply.code(204).send();
    },
  );
}

function registrationRoutes(app: FastifyInstance, { engine, requireSession }: RouteContext): void {
  app.post<ById & { Body: { api: string } }>(
    '/api/v1/applications/:id/registrations',
    {
      preHandler: requireSession,
      schema: {
        tags: ['applications'],
        summary: 'Request a registration to an API: pending, or approved where the API (else the portal) auto-approves',
        security: AUTHENTICATED,
        params: applicationParams,
        body: registrationBody,
        response: { 201: applicationResponses.registration, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const registration = await engine.requestRegistration(sessionOf(request), request.params.id, request.body.api);
      return reply.code(201).send({ registration });
    },
  );

  app.delete<{ Params: { id: string; api: string } }>(
    '/api/v1/applications/:id/registrations/:api',
    {
      preHandler: requireSession,
      schema: {
        tags: ['applications'],
        summary: 'Withdraw a registration (403 when rejected or revoked, or managed by the manifests)',
        security: AUTHENTICATED,
        params: registrationParams,
        response: { 204: responses.empty, ...problems(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await engine.withdrawRegistration(sessionOf(request), request.params.id, request.params.api);
      return reply.code(204).send();
    },
  );
}
