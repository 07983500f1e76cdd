// The console at `/console` (SPEC §9): read-only pages for administrators and auditors, signed
// in with a console token. Approvals are not a button here: they go through a reviewed pull
// request that adds the manifest entry each request shows.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { STATUSES, developerAddress, type Status } from '../model.js';
import type { Change } from '../plan/types.js';
import { chartPoints, statusChart } from '../console/chart.js';
import {
  changesOf,
  ORIGINS,
  TIMELINE_CHANGES,
  type ChainStatus,
  type ConsoleReadModel,
  type TimelineEntry,
} from '../console/read-model.js';
import {
  CONSOLE_COOKIE,
  CONSOLE_MAX_SECONDS,
  isConsoleToken,
  issueConsoleSession,
  refreshConsoleSession,
} from '../console/session.js';
import { renderChangesPre } from '../render/html.js';
import { input } from './forms.js';
import { html, type SafeHtml } from '../render/html-template.js';
import { formOf, redirect, sendPage, type PageContext } from './http.js';
import { csrfField, layout, notice, type NavLink } from './layout.js';

export interface ConsoleContext extends PageContext {
  tokens: readonly string[];
  readModel: ConsoleReadModel;
}

const NAV: NavLink[] = [
  { href: '/console/requests', label: 'Access requests' },
  { href: '/console/developers', label: 'Developers' },
  { href: '/console/history', label: 'History' },
  { href: '/console/chart', label: 'Chart' },
];

const BRAND: NavLink = { href: '/console', label: 'Portal console' };

const nowSeconds = () => Math.floor(Date.now() / 1000);

export async function consoleRoutes(fastify: FastifyInstance, context: ConsoleContext): Promise<void> {
  const { tokens, readModel } = context;
  const csrf = { preHandler: fastify.csrfProtection };
  const cookieOptions = () => ({
    httpOnly: true,
    sameSite: 'strict' as const,
    secure: context.secureCookies,
    path: '/console',
    maxAge: CONSOLE_MAX_SECONDS,
  });

  const page = (
    reply: FastifyReply,
    signedIn: boolean,
    title: string,
    body: SafeHtml,
    current?: string,
    status = 200,
  ) =>
    sendPage(
      reply,
      layout({
        title,
        body,
        brand: BRAND,
        nav: signedIn ? NAV : [],
        current,
        logout: signedIn
          ? { action: '/console/logout', csrfToken: reply.generateCsrf(), label: 'Sign out' }
          : undefined,
      }),
      status,
    );

  /** A console page: without a live console session, the sign-in page. */
  const signedIn =
    (handler: (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply>) =>
    async (request: FastifyRequest, reply: FastifyReply) => {
      const refreshed = refreshConsoleSession(tokens, request.cookies[CONSOLE_COOKIE], nowSeconds());
      if (!refreshed) return redirect(reply, '/console/login');
      reply.setCookie(CONSOLE_COOKIE, refreshed, cookieOptions());
      return handler(request, reply);
    };

  const loginPage = (reply: FastifyReply, error?: string, status = 200) =>
    page(
      reply,
      false,
      'Sign in to the console',
      html`${tokens.length === 0 ? notice('warn', 'The console is closed: no console token is configured (PORTALFORM_CONSOLE_TOKEN).') : ''}${error ? notice('error', error) : ''}
<p>The console shows the portal's developers, access requests and history, read only.</p>
<form class="stack" method="post" action="/console/login" novalidate>${csrfField(reply.generateCsrf())}
${input({ name: 'token', label: 'Console token', type: 'password', required: true, autocomplete: 'off', hint: 'One of the tokens in PORTALFORM_CONSOLE_TOKEN.' })}
<div><button type="submit">Sign in</button></div></form>`,
      undefined,
      status,
    );

  fastify.get('/console/login', async (_request, reply) => loginPage(reply));

  fastify.post('/console/login', csrf, async (request, reply) => {
    const token = formOf(request).token ?? '';
    if (tokens.length === 0 || !isConsoleToken(tokens, token))
      return loginPage(reply, 'That console token is not valid.', 401);
    request.log.info('console sign-in');
    const signer = tokens.find((t) => isConsoleToken([t], token))!;
    reply.setCookie(CONSOLE_COOKIE, issueConsoleSession(signer, nowSeconds(), nowSeconds()), cookieOptions());
    return redirect(reply, '/console/requests');
  });

  fastify.post('/console/logout', csrf, async (_request, reply) => {
    reply.clearCookie(CONSOLE_COOKIE, { ...cookieOptions(), maxAge: undefined });
    return redirect(reply, '/console/login');
  });

  fastify.get(
    '/console',
    signedIn(async (_request, reply) => redirect(reply, '/console/requests')),
  );

  fastify.get(
    '/console/requests',
    signedIn(async (_request, reply) => {
      const requests = await readModel.accessRequests();
      const all = requests.map((r) => r.manifest).join('\n');
      const body =
        requests.length === 0
          ? html`<p>No access request is waiting.</p>`
          : html`<p>${requests.length} pending sign-up${requests.length === 1 ? '' : 's'}, oldest first. To approve one, add its entry under <code>developers:</code> in the manifests and merge the reviewed pull request: the apply approves it. To refuse one, add it with <code>status: rejected</code>.</p>
${
  requests.length > 1
    ? html`<div class="actions"><button type="button" class="secondary" data-copy="all-entries" hidden>Copy all ${requests.length} entries</button></div>
<pre id="all-entries" hidden>${all}</pre>`
    : ''
}
${requests.map(
  (
    r,
    i,
  ) => html`<section class="card" aria-labelledby="request-${i}"><h3 id="request-${i}"><a href="/console/developers/${encodeURIComponent(r.email)}">${r.email}</a></h3>
<dl class="props"><dt>Name</dt><dd>${r.fullName}</dd><dt>Signed up</dt><dd>${r.createdAt}</dd></dl>
<p>The manifest entry that approves it:</p><pre id="entry-${i}">${r.manifest}</pre><button type="button" class="secondary" data-copy="entry-${i}" hidden>Copy entry for ${r.email}</button></section>`,
)}`;
      return page(reply, true, 'Access requests', body, '/console/requests');
    }),
  );

  fastify.get(
    '/console/developers',
    signedIn(async (request, reply) => {
      const query = request.query as Record<string, string | undefined>;
      const status = STATUSES.includes(query.status as Status) ? (query.status as Status) : undefined;
      const origin = (ORIGINS as readonly string[]).includes(query.origin ?? '') ? query.origin : undefined;
      const search = (query.q ?? '').slice(0, 200);
      const [result, counts] = await Promise.all([
        readModel.developers({ search, status, origin, after: query.after }),
        readModel.statusCounts(),
      ]);
      const nextQuery = result.next
        ? new URLSearchParams({
            ...(search ? { q: search } : {}),
            ...(status ? { status } : {}),
            ...(origin ? { origin } : {}),
            after: result.next,
          })
        : null;
      const select = (name: string, label: string, values: readonly string[], chosen: string | undefined) =>
        html`<div class="field"><label for="filter-${name}">${label}</label><select id="filter-${name}" name="${name}"><option value="">Any</option>${values.map((v) => html`<option${v === chosen ? html` selected` : ''}>${v}</option>`)}</select></div>`;
      const body = html`<p>${STATUSES.map((s) => html`<span class="badge ${s}">${s}: ${counts[s]}</span> `)}</p>
<form class="filters" method="get" action="/console/developers" role="search">
${input({ name: 'q', label: 'Search by email or name', type: 'search', value: search, hint: 'Matches the start of an email or of a name.', idPrefix: 'filter' })}
${select('status', 'Status', STATUSES, status)}${select('origin', 'Origin', ORIGINS, origin)}
<div><button type="submit">Search developers</button></div></form>
${
  result.developers.length === 0
    ? html`<p>No developer matches.</p>`
    : html`<div class="table-wrap"><table class="stack"><caption class="muted">Developers${query.after ? html`, after ${query.after}` : ''}</caption><thead><tr><th scope="col">Email</th><th scope="col">Name</th><th scope="col">Status</th><th scope="col">Origin</th><th scope="col">Credentials</th><th scope="col">Created</th></tr></thead><tbody>
${result.developers.map((d) => html`<tr><td data-label="Email"><a href="/console/developers/${encodeURIComponent(d.email)}">${d.email}</a></td><td data-label="Name">${d.fullName}</td><td data-label="Status"><span class="badge ${d.status}">${d.status}</span></td><td data-label="Origin">${d.origin}</td><td data-label="Credentials">${d.credentials}</td><td data-label="Created">${d.createdAt}</td></tr>`)}
</tbody></table></div>`
}
<nav class="pager" aria-label="Pages">${query.after ? html`<a href="/console/developers?${new URLSearchParams({ ...(search ? { q: search } : {}), ...(status ? { status } : {}), ...(origin ? { origin } : {}) }).toString()}">First page</a>` : ''}${nextQuery ? html`<a href="/console/developers?${nextQuery.toString()}">Next page</a>` : ''}</nav>`;
      return page(reply, true, 'Developers', body, '/console/developers');
    }),
  );

  fastify.get(
    '/console/developers/:email',
    signedIn(async (request, reply) => {
      const email = String((request.params as Record<string, unknown>).email ?? '');
      const found = await readModel.developer(email);
      if (!found)
        return page(
          reply,
          true,
          'No such developer',
          html`<p>No developer has the email ${email}.</p><p><a href="/console/developers">Back to the developers</a></p>`,
          '/console/developers',
          404,
        );
      const { developer, credentials } = found;
      const meta = Object.entries(developer.meta);
      const body = html`<dl class="props"><dt>Address</dt><dd><code>${developerAddress(developer.email)}</code></dd><dt>Name</dt><dd>${developer.fullName}</dd>
<dt>Status</dt><dd><span class="badge ${developer.status}">${developer.status}</span></dd><dt>Origin</dt><dd>${developer.origin}</dd><dt>Custom ID</dt><dd>${developer.customId ?? '—'}</dd>
<dt>Created</dt><dd>${developer.createdAt}</dd>${meta.map(([k, v]) => html`<dt>meta.${k}</dt><dd>${v}</dd>`)}</dl>
<h2>Credentials (${credentials.length})</h2><p class="muted">Secrets are never shown.</p>
${
  credentials.length === 0
    ? html`<p>None.</p>`
    : html`<div class="table-wrap"><table class="stack"><thead><tr><th scope="col">Type</th><th scope="col">Identity</th><th scope="col">Fields</th><th scope="col">Active</th><th scope="col">Origin</th><th scope="col">Created</th></tr></thead><tbody>
${credentials.map((c) => html`<tr><td data-label="Type">${c.type}</td><td data-label="Identity">${c.identity}</td><td data-label="Fields">${fieldList(c.fields)}</td><td data-label="Active">${c.active ? 'yes' : 'no'}</td><td data-label="Origin">${c.origin}</td><td data-label="Created">${c.createdAt}</td></tr>`)}
</tbody></table></div>`
}
<p><a href="/console/developers">Back to the developers</a></p>`;
      return page(reply, true, developer.email, body, '/console/developers');
    }),
  );

  fastify.get(
    '/console/history',
    signedIn(async (request, reply) => {
      const before = (request.query as Record<string, string | undefined>).before;
      const [chains, timeline] = await Promise.all([readModel.verification(), readModel.timeline({ before })]);
      const body = html`<section aria-labelledby="heads-title"><h2 id="heads-title">Verification</h2><p>Compare these heads with the ones recorded elsewhere (for example in CI logs of <code>portalform history verify</code>).</p>
<div class="heads">${chains.map(chainCard)}</div></section>
<h2>Timeline, newest first</h2>
${timeline.entries.length === 0 ? html`<p>Nothing recorded yet.</p>` : html`<ol class="timeline">${timeline.entries.map(timelineItem)}</ol>`}
<nav class="pager" aria-label="Pages">${before ? html`<a href="/console/history">Newest</a>` : ''}${timeline.next ? html`<a href="/console/history?${new URLSearchParams({ before: timeline.next }).toString()}">Older entries</a>` : ''}</nav>`;
      return page(reply, true, 'History', body, '/console/history');
    }),
  );

  fastify.get(
    '/console/history/:chain/:seq',
    signedIn(async (request, reply) => {
      const params = request.params as Record<string, string>;
      const chain = params.chain === 'apply' || params.chain === 'events' ? params.chain : null;
      const from = Number((request.query as Record<string, string | undefined>).from ?? '');
      const found =
        chain && /^\d+$/.test(params.seq ?? '')
          ? await readModel.entryPage(chain, Number(params.seq), from || undefined)
          : null;
      if (!found)
        return page(
          reply,
          true,
          'No such entry',
          html`<p>The history has no such entry.</p><p><a href="/console/history">Back to the history</a></p>`,
          '/console/history',
          404,
        );
      const { fields, changes } = found;
      const summary = fields.summary as Record<string, number> | undefined;
      const shown = changes.filter(isChange);
      const body = html`<p>${String(fields.kind ?? '')} · serial ${String(fields.serial ?? '')} · ${String(fields.at ?? '')} · by <strong>${String(fields.actor ?? '')}</strong> · ${found.chain === 'apply' ? 'applies' : 'events'} chain entry ${found.seq}, hash <code>${found.hash.slice(0, 16)}…</code> · ${megabytes(found.bytes)}</p>
${
  summary
    ? html`<p>${Object.entries(summary)
        .map(([k, v]) => `${v} ${k}`)
        .join(', ')}</p>`
    : ''
}
<h2>Changes${from ? ' (continued)' : ''}</h2>${shown.length > 0 ? renderChangesPre(shown) : html`<p>No more changes.</p>`}
<nav class="pager" aria-label="Pages">${from ? html`<a href="/console/history/${found.chain}/${found.seq}">First changes</a>` : ''}${found.next ? html`<a href="/console/history/${found.chain}/${found.seq}?${new URLSearchParams({ from: String(found.next) }).toString()}">Next ${TIMELINE_CHANGES} changes</a>` : ''}<a href="/console/history">Back to the history</a></nav>`;
      return page(reply, true, `History entry ${found.seq}`, body, '/console/history');
    }),
  );

  fastify.get(
    '/console/chart',
    signedIn(async (_request, reply) => {
      const days = chartPoints(await readModel.statusSeries());
      const recent = days.slice(-31).reverse();
      const body = html`<p>Developers per status at the end of each day (each minute, while the history spans one day) that changed one, replayed from the history.</p>
<ul class="legend">${STATUSES.map((s) => html`<li><span class="swatch ${s}" aria-hidden="true"></span>${s}</li>`)}</ul>
<figure>${statusChart(days)}</figure>
<h2>The last ${recent.length} point${recent.length === 1 ? '' : 's'} as a table</h2>
<div class="table-wrap"><table><thead><tr><th scope="col">When</th>${STATUSES.map((s) => html`<th scope="col">${s}</th>`)}</tr></thead><tbody>
${recent.map((d) => html`<tr><td>${d.at}</td>${STATUSES.map((s) => html`<td>${d.counts[s]}</td>`)}</tr>`)}</tbody></table></div>`;
      return page(reply, true, 'Developers over time', body, '/console/chart');
    }),
  );
}

const CHAIN_NAMES = { apply: 'Applies', events: 'Other events (self-service, invites, reveals, exports)' } as const;

function chainCard(status: ChainStatus): SafeHtml {
  if ('pending' in status) {
    const { entries, head } = status.pending;
    return html`<div class="head"><h3>${CHAIN_NAMES[status.chain]}: being verified</h3><p>${entries} entr${entries === 1 ? 'y' : 'ies'}; large enough that its verification runs in the background: reload this page in a few seconds for the result. Head hash:</p><p><code>${head}</code></p></div>`;
  }
  const { result } = status;
  return result.ok
    ? html`<div class="head ok"><h3>${CHAIN_NAMES[status.chain]}: verified</h3><p>${result.entries} entr${result.entries === 1 ? 'y' : 'ies'}, unaltered. Head hash:</p><p><code>${result.head}</code></p></div>`
    : html`<div class="head bad" role="alert"><h3>${CHAIN_NAMES[status.chain]}: ALTERED</h3><p>Entry ${result.seq}: ${result.reason}.</p></div>`;
}

function timelineItem(item: TimelineEntry): SafeHtml {
  if (item.changeCount === null) {
    return html`<li><h3>${item.kind} · serial ${item.serial} · ${item.at}</h3>
<p>By <strong>${item.actor}</strong> · ${item.chain === 'apply' ? 'applies' : 'events'} chain entry ${item.seq}, hash <code>${item.hash.slice(0, 16)}…</code></p>
<p>A large entry (${megabytes(item.bytes)}): <a href="/console/history/${item.chain}/${item.seq}">its summary and changes, page by page</a>.</p></li>`;
  }
  const changeCount = item.changeCount;
  const changes = changesOf(item.entry);
  const renderable = changes.filter(isChange);
  const summary = item.entry.summary as Record<string, number> | undefined;
  const rest = Object.fromEntries(
    Object.entries(item.entry).filter(
      ([key]) =>
        ![
          'kind',
          'serial',
          'at',
          'actor',
          'changes',
          'summary',
          'action',
          'address',
          'before',
          'after',
          'rotated',
        ].includes(key),
    ),
  );
  return html`<li><h3>${item.kind}${typeof item.entry.action === 'string' ? html`: ${item.entry.action}` : ''} · serial ${item.serial} · ${item.at}</h3>
<p>By <strong>${item.actor}</strong>${
    summary
      ? html` · ${Object.entries(summary)
          .map(([k, v]) => `${v} ${k}`)
          .join(', ')}`
      : ''
  } · ${item.chain === 'apply' ? 'applies' : 'events'} chain entry ${item.seq}, hash <code>${item.hash.slice(0, 16)}…</code></p>
${
  renderable.length > 0
    ? html`<details><summary>${changeCount} change${changeCount === 1 ? '' : 's'}</summary>${renderChangesPre(renderable)}${changeCount > TIMELINE_CHANGES ? html`<p>… and ${changeCount - TIMELINE_CHANGES} more: <a href="/console/history/${item.chain}/${item.seq}">all of them, page by page</a>.</p>` : ''}</details>`
    : ''
}
${Object.keys(rest).length > 0 ? html`<details><summary>Recorded details</summary><pre>${JSON.stringify(rest, null, 2)}</pre></details>` : ''}</li>`;
}

function megabytes(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MB`;
}

function isChange(value: unknown): value is Change {
  return (
    !!value &&
    typeof value === 'object' &&
    typeof (value as Change).address === 'string' &&
    typeof (value as Change).op === 'string'
  );
}

function fieldList(fields: Record<string, unknown>): SafeHtml {
  const entries = Object.entries(fields);
  return entries.length === 0
    ? html`—`
    : html`${entries.map(([k, v], i) => html`${i > 0 ? html`<br>` : ''}${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)}`;
}
