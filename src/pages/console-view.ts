// What every console page's route shares: the page frame with the console's navigation, and the
// guard that sends a visitor without a live console session to the sign-in page.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ConsoleReadModel } from '../console/read-model.js';
import type { SafeHtml } from '../render/html-template.js';

export type ConsoleHandler = (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply>;

export interface ConsoleView {
  readModel: ConsoleReadModel;
  /** A signed-in page: `current` marks its link in the navigation. */
  page(reply: FastifyReply, title: string, body: SafeHtml, current: string, status?: number): FastifyReply;
  /** The handler, behind a live console session; without one, a redirect to the sign-in page. */
  signedIn(handler: ConsoleHandler): ConsoleHandler;
}
