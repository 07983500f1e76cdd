// Sign-up, invites, and the developer's own account (SPEC §7).
import type { FastifyInstance } from 'fastify';
import type { Account } from '../../portal/contract.js';
import { clearSessionCookie } from '../../http/cookies.js';
import { contextOf } from '../../http/request-context.js';
import { sessionOf } from '../../http/session.js';
import {
  changeEmailBody,
  changePasswordBody,
  deleteMeBody,
  inviteBody,
  registerBody,
  responses,
  updateMeBody,
} from '../schemas.js';
import { AUTHENTICATED, problems, type RouteContext } from './context.js';

/** What `GET /api/v1/me` shows. */
export function accountView(account: Account) {
  const { email, fullName, status, origin, createdAt, emailVerified, pendingEmail, managed } = account;
  return { email, fullName, status, origin, createdAt, emailVerified, pendingEmail, managed };
}

export function accountRoutes(app: FastifyInstance, context: RouteContext): void {
  signUpRoutes(app, context);
  ownAccountRoutes(app, context);
}

/** Sign-up, and a password from an invite: no session yet. */
function signUpRoutes(app: FastifyInstance, { engine }: RouteContext): void {
  app.post<{ Body: { email: string; fullName: string; password: string } }>(
    '/api/v1/register',
    {
      schema: {
        tags: ['account'],
        summary: 'Sign up: a new developer, pending (or approved when the portal auto-approves)',
        body: registerBody,
        response: { 201: responses.account, ...problems(400, 403, 409, 429, 503) },
      },
    },
    async (request, reply) => {
      const account = await engine.register(request.body, contextOf(request));
      const { email, fullName, status } = account;
      return reply.code(201).send({ email, fullName, status });
    },
  );

  app.post<{ Body: { token: string; password: string } }>(
    '/api/v1/password',
    {
      schema: {
        tags: ['account'],
        summary: 'Set a password with the token of a `portalform invite` link',
        body: inviteBody,
        response: { 204: responses.empty, ...problems(400, 429, 503) },
      },
    },
    async (request, reply) => {
      await engine.setPasswordWithInvite(request.body, contextOf(request));
      return reply.code(204).send();
    },
  );
}

/** The logged-in developer's own account. */
function ownAccountRoutes(app: FastifyInstance, { engine, cookies, requireSession }: RouteContext): void {
  app.get(
    '/api/v1/me',
    {
      schema: {
        tags: ['account'],
        summary: "The developer's account",
        security: AUTHENTICATED,
        response: { 200: responses.account, ...problems(401) },
      },
      preHandler: requireSession,
    },
    async (request) => accountView(await engine.me(sessionOf(request))),
  );

  app.patch<{ Body: { fullName: string } }>(
    '/api/v1/me',
    {
      schema: {
        tags: ['account'],
        summary: 'Change the full name (403 when the manifests manage it)',
        security: AUTHENTICATED,
        body: updateMeBody,
        response: { 200: responses.account, ...problems(400, 401, 403) },
      },
      preHandler: requireSession,
    },
    async (request) => accountView(await engine.updateMe(sessionOf(request), request.body)),
  );

  app.put<{ Body: { email: string; password: string } }>(
    '/api/v1/me/email',
    {
      schema: {
        tags: ['account'],
        summary: 'Change the email (403 when the manifests manage the developer, 409 taken)',
        security: AUTHENTICATED,
        body: changeEmailBody,
        response: { 200: responses.account, ...problems(400, 401, 403, 409) },
      },
      preHandler: requireSession,
    },
    async (request) => accountView(await engine.changeEmail(sessionOf(request), request.body)),
  );

  app.put<{ Body: { currentPassword: string; newPassword: string } }>(
    '/api/v1/me/password',
    {
      schema: {
        tags: ['account'],
        summary: 'Change the password; every other session ends',
        security: AUTHENTICATED,
        body: changePasswordBody,
        response: { 204: responses.empty, ...problems(400, 401, 403) },
      },
      preHandler: requireSession,
    },
    async (request, reply) => {
      await engine.changePassword(sessionOf(request), request.body);
      return reply.code(204).send();
    },
  );

  app.delete<{ Body: { password: string } }>(
    '/api/v1/me',
    {
      schema: {
        tags: ['account'],
        summary: 'Delete the account, its credentials and sessions, at once',
        security: AUTHENTICATED,
        body: deleteMeBody,
        response: { 204: responses.empty, ...problems(400, 401, 403) },
      },
      preHandler: requireSession,
    },
    async (request, reply) => {
      await engine.deleteAccount(sessionOf(request), request.body);
      clearSessionCookie(reply, cookies);
      return reply.code(204).send();
    },
  );
}
