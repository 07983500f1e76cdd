// The developer's credentials (docs/portal-service.md). Every answer goes through `credentialView`, which keeps
// only the type's identity and non-secret fields: a secret never leaves except in `secrets`, once.
import type { FastifyInstance } from 'fastify';
import AjvModule from 'ajv';
import { CREDENTIAL_TYPES, type CredentialType } from '../../model.js';
import { PortalError, type CredentialWithSecrets, type PublicCredential } from '../../portal/contract.js';
import { sessionOf } from '../../http/request-session.js';
import { fieldErrors } from '../error-handler.js';
import {
  createCredentialBody,
  credentialParams,
  publicFieldsOf,
  responses,
  updateCredentialBody,
  updateCredentialBodyOf,
} from '../schemas.js';
import { AJV_SERVICE_OPTIONS } from '../validation.js';
import { AUTHENTICATED, problems, type RouteContext } from './context.js';

export function credentialView(credential: PublicCredential): PublicCredential {
  const allowed = publicFieldsOf(credential.type);
  const view: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(credential))
    if (field === 'type' || allowed.has(field)) view[field] = value;
  return view as PublicCredential;
}

export function withSecrets(result: CredentialWithSecrets) {
  return { credential: credentialView(result.credential), secrets: result.secrets };
}

const patchAjv = new AjvModule.default(AJV_SERVICE_OPTIONS);
const patchValidators = Object.fromEntries(
  CREDENTIAL_TYPES.map((type) => [type, patchAjv.compile(updateCredentialBodyOf(type))]),
);

/** A PATCH body holds fields of some type; these must be the credential's own type's. */
export function checkPatchFor(type: CredentialType, body: unknown): void {
  const validate = patchValidators[type]!;
  if (validate(body)) return;
  const errors = fieldErrors(validate.errors ?? []).map((e) =>
    e.message === 'is not a known field' ? { ...e, message: `is not a field of a ${type} credential` } : e,
  );
  throw new PortalError(
    400,
    'Invalid request',
    `The body has invalid fields: ${errors.map((e) => `${e.field} ${e.message}`).join('; ')}.`,
    errors,
  );
}

type ById = { Params: { id: string } };

const tags = ['credentials'];

export function credentialRoutes(app: FastifyInstance, context: RouteContext): void {
  credentialReadRoutes(app, context);
  credentialWriteRoutes(app, context);
}

function credentialReadRoutes(app: FastifyInstance, { engine, requireSession }: RouteContext): void {
  const authenticated = { preHandler: requireSession };

  app.get(
    '/api/v1/credential-types',
    {
      ...authenticated,
      schema: {
        tags,
        summary: 'The credential types this developer may create now',
        security: AUTHENTICATED,
        response: { 200: responses.credentialTypes, ...problems(401) },
      },
    },
    async (request) => ({ types: await engine.credentialTypes(sessionOf(request)) }),
  );

  app.get(
    '/api/v1/credentials',
    {
      ...authenticated,
      schema: {
        tags,
        summary: "The developer's credentials, never a secret",
        security: AUTHENTICATED,
        response: { 200: responses.credentials, ...problems(401) },
      },
    },
    async (request) => ({ credentials: (await engine.listCredentials(sessionOf(request))).map(credentialView) }),
  );

  app.get<ById>(
    '/api/v1/credentials/:id',
    {
      ...authenticated,
      schema: {
        tags,
        summary: 'One credential',
        security: AUTHENTICATED,
        params: credentialParams,
        response: { 200: { type: 'object', properties: { credential: responses.credential } }, ...problems(401, 404) },
      },
    },
    async (request) => ({
      credential: credentialView(await engine.getCredential(sessionOf(request), request.params.id)),
    }),
  );
}

function credentialWriteRoutes(app: FastifyInstance, { engine, requireSession }: RouteContext): void {
  const authenticated = { preHandler: requireSession };
  app.post<{ Body: Record<string, unknown> }>(
    '/api/v1/credentials',
    {
      ...authenticated,
      schema: {
        tags,
        summary: 'Create a credential; its generated secrets are in the answer, this once',
        security: AUTHENTICATED,
        body: createCredentialBody,
        response: { 201: responses.credentialWithSecrets, ...problems(400, 401, 403, 409) },
      },
    },
    async (request, reply) =>
      reply.code(201).send(withSecrets(await engine.createCredential(sessionOf(request), request.body))),
  );

  app.patch<ById & { Body: Record<string, unknown> }>(
    '/api/v1/credentials/:id',
    {
      ...authenticated,
      schema: {
        tags,
        summary: "Change a credential's non-secret fields (403 when the manifests manage it)",
        security: AUTHENTICATED,
        params: credentialParams,
        body: updateCredentialBody,
        response: {
          200: { type: 'object', properties: { credential: responses.credential } },
          ...problems(400, 401, 403, 404, 409),
        },
      },
    },
    async (request) => {
      const session = sessionOf(request);
      const current = await engine.getCredential(session, request.params.id);
      checkPatchFor(current.type, request.body);
      return { credential: credentialView(await engine.updateCredential(session, request.params.id, request.body)) };
    },
  );

  app.post<ById>(
    '/api/v1/credentials/:id/rotate',
    {
      ...authenticated,
      schema: {
        tags,
        summary: 'New generated secret values, shown this once (403 when the manifests manage it)',
        security: AUTHENTICATED,
        params: credentialParams,
        response: { 200: responses.credentialWithSecrets, ...problems(401, 403, 404) },
      },
    },
    async (request) => withSecrets(await engine.rotateCredential(sessionOf(request), request.params.id)),
  );

  app.delete<ById>(
    '/api/v1/credentials/:id',
    {
      ...authenticated,
      schema: {
        tags,
        summary: 'Delete a credential (403 when the manifests manage it)',
        security: AUTHENTICATED,
        params: credentialParams,
        response: { 204: responses.empty, ...problems(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await engine.deleteCredential(sessionOf(request), request.params.id);
      return reply.code(204).send();
    },
  );
}
