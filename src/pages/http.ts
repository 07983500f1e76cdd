// What every page route shares: sending a page, reading a form, redirecting after a POST.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { PortalEngine } from '../portal/contract.js';
import { html } from '../render/html-template.js';
import { layout } from './layout.js';

/** What a route of the pages needs: the engine, and whether cookies are Secure. */
export interface PageContext {
  engine: PortalEngine;
  secureCookies: boolean;
}

export function sendPage(reply: FastifyReply, page: string, status = 200): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').send(page);
}

export function errorPage(reply: FastifyReply, status: number, title: string, detail: string): FastifyReply {
  return sendPage(
    reply,
    layout({ title, body: html`<p>${detail}</p><p><a href="/">Go to the portal's home page</a></p>` }),
    status,
  );
}

/** The form body of a POST, always an object of strings. */
export function formOf(request: FastifyRequest): Record<string, string> {
  const body = request.body;
  if (body === null || typeof body !== 'object') return {};
  return Object.fromEntries(
    Object.entries(body as Record<string, unknown>).filter(([, v]) => typeof v === 'string'),
  ) as Record<string, string>;
}

export function redirect(reply: FastifyReply, location: string): FastifyReply {
  return reply.code(303).header('location', location).send();
}
