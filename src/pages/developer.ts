// The developer pages at `/` (docs/portal-service.md), in the manner of Kong's Dev Portal: sign up,
// log in, set a password from an invite, the credentials dashboard, the applications
// (docs/applications.md) and the account settings. Every call goes through the PortalEngine, with
// the session cookie the JSON API uses.
import type { FastifyInstance } from 'fastify';
import { accountRoutes } from './account.js';
import { applicationRoutes } from './applications.js';
import type { ShownSecret } from './credential-pages.js';
import { credentialRoutes } from './credentials.js';
import type { PageContext } from './http.js';
import { OneTimeStore } from './one-time.js';
import { recoveryRoutes } from './recovery.js';
import { signInRoutes } from './sign-in.js';

export async function developerRoutes(fastify: FastifyInstance, context: PageContext): Promise<void> {
  // One store of one-time forms and secrets: an application's new secret shows on the same page.
  const once = new OneTimeStore<ShownSecret>();
  signInRoutes(fastify, context);
  recoveryRoutes(fastify, context);
  credentialRoutes(fastify, context, once);
  applicationRoutes(fastify, context, once);
  accountRoutes(fastify, context);
}
