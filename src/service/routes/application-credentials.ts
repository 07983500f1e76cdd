// An application's credentials (docs/applications.md): the same bodies, answers and rules as the
// developer's own (credentials.ts), under `/api/v1/applications/{id}`. Another developer's
// application is a 404, as another's credential is.
import type { FastifyInstance } from 'fastify';
import { sessionOf } from '../../http/request-session.js';
import { applicationCredentialParams, applicationParams } from '../application-schemas.js';
import { createCredentialBody, responses, updateCredentialBody } from '../schemas.js';
import { AUTHENTICATED, problems, type RouteContext } from './context.js';
import { checkPatchFor, credentialView, withSecrets } from './credentials.js';

type OfApplication = { Params: { id: string } };
type ById = { Params: { id: string; credentialId: string } };

const tags = ['applications'];
const PATH = '/api/v1/applications/:id/credentials';
const oneCredential = { type: 'object', properties: { credential: responses.credential } };

export function applicationCredentialRoutes(app: FastifyInstance, context: RouteContext): void {
  readRoutes(app, context);
  writeRoutes(app, context);
}

function readRoutes(app: FastifyInstance, { engine, requireSession }: RouteContext): void {
  app.get<OfApplication>(
    PATH,
    {
      preHandler: requireSession,
      schema: {
        tags,
        summary: "An application's credentials, never a secret",
        security: AUTHENTICATED,
        params: applicationParams,
        response: { 200: responses.credentials, ...problems(401, 404) },
      },
    },
    async (request) => ({
      credentials: (await engine.listApplicationCredentials(sessionOf(request), request.params.id)).map(credentialView),
    }),
  );

  app.get<ById>(
    `${PATH}/:credentialId`,
    {
      preHandler: requireSession,
      schema: {
        tags,
        summary: "One of an application's credentials",
        security: AUTHENTICATED,
        params: applicationCredentialParams,
        response: { 200: oneCredential, ...problems(401, 404) },
      },
    },
    async (request) => {
      const { id, credentialId } = request.params;
      return {
        credential: credentialView(await engine.getApplicationCredential(sessionOf(request), id, credentialId)),
      };
    },
  );
}

function writeRoutes(app: FastifyInstance, { engine, requireSession }: RouteContext): void {
  app.post<OfApplication & { Body: Record<string, unknown> }>(
    PATH,
    {
      preHandler: requireSession,
      schema: {
        tags,
        summary: 'Create a credential of the application; its generated secrets are in the answer, this once',
        security: AUTHENTICATED,
        params: applicationParams,
        body: createCredentialBody,
        response: { 201: responses.credentialWithSecrets, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const created = await engine.createApplicationCredential(sessionOf(request), request.params.id, request.body);
      return reply.code(201).send(withSecrets(created));
    },
  );

  app.patch<ById & { Body: Record<string, unknown> }>(
    `${PATH}/:credentialId`,
    {
      preHandler: requireSession,
      schema: {
        tags,
        summary: "Change the non-secret fields of an application's credential (403 when the manifests manage it)",
        security: AUTHENTICATED,
        params: applicationCredentialParams,
        body: updateCredentialBody,
        response: { 200: oneCredential, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const session = sessionOf(request);
      const { id, credentialId } = request.params;
      const current = await engine.getApplicationCredential(session, id, credentialId);
      checkPatchFor(current.type, request.body);
      return {
        credential: credentialView(await engine.updateApplicationCredential(session, id, credentialId, request.body)),
      };
    },
  );

  app.post<ById>(
    `${PATH}/:credentialId/rotate`,
    {
      preHandler: requireSession,
      schema: {
        tags,
        summary: 'New generated secret values, shown this once (403 when the manifests manage it)',
        security: AUTHENTICATED,
        params: applicationCredentialParams,
        response: { 200: responses.credentialWithSecrets, ...problems(401, 403, 404) },
      },
    },
    async (request) =>
      withSecrets(
        await engine.rotateApplicationCredential(sessionOf(request), request.params.id, request.params.credentialId),
      ),
  );

  app.delete<ById>(
    `${PATH}/:credentialId`,
    {
      preHandler: requireSession,
      schema: {
        tags,
        summary: "Delete an application's credential (403 when the manifests manage it)",
        security: AUTHENTICATED,
        params: applicationCredentialParams,
        response: { 204: responses.empty, ...problems(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await engine.deleteApplicationCredential(sessionOf(request), request.params.id, request.params.credentialId);
      return reply.code(204).send();
    },
  );
}
