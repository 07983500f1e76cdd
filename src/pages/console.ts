// The console at `/console` (docs/portal-service.md): read-only pages for administrators and
// auditors, signed in with a console token. Approvals are not a button here: they go through a
// reviewed pull request that adds the manifest entry each request shows.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ConsoleReadModel } from '../console/read-model.js';
import { CONSOLE_COOKIE, CONSOLE_MAX_SECONDS, type ConsoleSessions } from '../console/console-sessions.js';
import { STATUSES } from '../model.js';
import { html, type SafeHtml } from '../render/html-template.js';
import { chartLegend, chartPoints, statusChart } from './console-chart.js';
import { apiPages } from './console-applications.js';
import { developerPages } from './console-developers.js';
import { historyPages } from './console-history.js';
import type { ConsoleHandler, ConsoleView } from './console-view.js';
import { input } from './forms.js';
import { formOf, redirect, sendPage, type PageContext } from './http.js';
import { csrfField, layout, notice, type NavLink } from './layout.js';

export interface ConsoleContext extends PageContext {
  sessions: ConsoleSessions;
  /** Why the console is closed (no token, or a short one), or null when it is open. */
  closedReason: string | null;
  readModel: ConsoleReadModel;
}

const NAV: NavLink[] = [
  { href: '/console/requests', label: 'Access requests' },
  { href: '/console/developers', label: 'Developers' },
  { href: '/console/apis', label: 'APIs' },
  { href: '/console/history', label: 'History' },
  { href: '/console/chart', label: 'Chart' },
];

const BRAND: NavLink = { href: '/console', label: 'Portal console' };

export async function consoleRoutes(fastify: FastifyInstance, context: ConsoleContext): Promise<void> {
  const { sessions, closedReason, readModel } = context;
  const csrf = { preHandler: fastify.csrfProtection };
  const cookieOptions = () => ({
    httpOnly: true,
    sameSite: 'strict' as const,
    secure: context.secureCookies,
    path: '/console',
    maxAge: CONSOLE_MAX_SECONDS,
  });

  const frame = (
    reply: FastifyReply,
    signedIn: boolean,
    title: string,
    body: SafeHtml,
    current?: string,
    status = 200,
  ) => {
    const logout = signedIn
      ? { action: '/console/logout', csrfToken: reply.generateCsrf(), label: 'Sign out' }
      : undefined;
    return sendPage(reply, layout({ title, body, brand: BRAND, nav: signedIn ? NAV : [], current, logout }), status);
  };

  const view: ConsoleView = {
    readModel,
    page: (reply, title, body, current, status) => frame(reply, true, title, body, current, status),
    signedIn: (handler: ConsoleHandler) => async (request: FastifyRequest, reply: FastifyReply) => {
      if (closedReason) return closedPage(reply);
      if (!(await sessions.isLive(request.cookies[CONSOLE_COOKIE]))) return redirect(reply, '/console/login');
      return handler(request, reply);
    },
  };

  const closedPage = (reply: FastifyReply) =>
    frame(reply, false, 'The console is closed', closedBody(closedReason ?? ''), undefined, 503);
  const loginPage = (reply: FastifyReply, error?: string, status = 200) =>
    frame(reply, false, 'Sign in to the console', loginBody(reply.generateCsrf(), error), undefined, status);

  fastify.get('/console/login', async (_request, reply) => (closedReason ? closedPage(reply) : loginPage(reply)));

  fastify.post('/console/login', csrf, async (request, reply) => {
    if (closedReason) return closedPage(reply);
    const result = await sessions.signIn(formOf(request).token ?? '', request.ip);
    if ('retryAfterSeconds' in result) {
      reply.header('retry-after', String(result.retryAfterSeconds));
      const wait = `Too many failed sign-ins from this address; try again in ${result.retryAfterSeconds} seconds.`;
      return loginPage(reply, wait, 429);
    }
    if ('refused' in result) return loginPage(reply, 'That console token is not valid.', 401);
    request.log.info('console sign-in');
    reply.setCookie(CONSOLE_COOKIE, result.cookie, cookieOptions());
    return redirect(reply, '/console/requests');
  });

  fastify.post('/console/logout', csrf, async (request, reply) => {
    await sessions.signOut(request.cookies[CONSOLE_COOKIE]);
    reply.clearCookie(CONSOLE_COOKIE, { ...cookieOptions(), maxAge: undefined });
    return redirect(reply, '/console/login');
  });

  fastify.get(
    '/console',
    view.signedIn(async (_request, reply) => redirect(reply, '/console/requests')),
  );

  developerPages(fastify, view);
  apiPages(fastify, view);
  historyPages(fastify, view);
  fastify.get(
    '/console/chart',
    view.signedIn(async (_request, reply) =>
      view.page(reply, 'Developers over time', await chartBody(readModel), '/console/chart'),
    ),
  );
}

function closedBody(reason: string): SafeHtml {
  return html`${notice('warn', `The console is closed: ${reason}.`)}
<p>Set PORTALFORM_CONSOLE_TOKEN to one or more tokens of at least 32 characters, comma-separated, and restart the service.</p>`;
}

function loginBody(csrfToken: string, error: string | undefined): SafeHtml {
  const token = input({
    name: 'token',
    label: 'Console token',
    type: 'password',
    required: true,
    autocomplete: 'off',
    hint: 'One of the tokens in PORTALFORM_CONSOLE_TOKEN.',
  });
  return html`${error ? notice('error', error) : ''}
<p>The console shows the portal's developers, access requests, APIs and history, read only.</p>
<form class="stack" method="post" action="/console/login" novalidate>${csrfField(csrfToken)}
${token}
<div><button type="submit">Sign in</button></div></form>`;
}

async function chartBody(readModel: ConsoleReadModel): Promise<SafeHtml> {
  const points = chartPoints(await readModel.statusSeries());
  const recent = points.slice(-31).reverse();
  const rows = recent.map(
    (p) =>
      html`<tr><td data-label="When">${p.at}</td>${STATUSES.map((s) => html`<td data-label="${s}">${p.counts[s]}</td>`)}</tr>`,
  );
  return html`<p>Developers per status at the end of each day (each minute, while the history spans one day) that changed
one, replayed from the history, on a time axis. Lines that share a value are drawn side by side.</p>
${chartLegend(points)}
<div>${statusChart(points)}</div>
<h2>The last ${recent.length} point${recent.length === 1 ? '' : 's'} as a table</h2>
<div class="table-wrap"><table class="stack series"><thead><tr><th scope="col">When</th>${STATUSES.map((s) => html`<th scope="col">${s}</th>`)}</tr></thead>
<tbody>
${rows}</tbody></table></div>`;
}
