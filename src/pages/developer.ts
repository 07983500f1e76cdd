// The developer pages at `/` (docs/portal-service.md), in the manner of Kong's Dev Portal: sign up,
// log in, set a password from an invite, the credentials dashboard and the account settings.
// Every call goes through the PortalEngine, with the session cookie the JSON API uses.
import type { FastifyInstance } from 'fastify';
import { accountRoutes } from './account.js';
import { credentialRoutes } from './credentials.js';
import type { PageContext } from './http.js';
import { recoveryRoutes } from './recovery.js';
import { signInRoutes } from './sign-in.js';

export async function developerRoutes(fastify: FastifyInstance, context: PageContext): Promise<void> {
  signInRoutes(fastify, context);
  recoveryRoutes(fastify, context);
  credentialRoutes(fastify, context);
  accountRoutes(fastify, context);
}
