// The console's history pages: both chains' verification and heads, the timeline newest first, and
// a large entry's changes page by page.
import type { FastifyInstance } from 'fastify';
import {
  type ChainStatus,
  changesOf,
  type EntryPage,
  TIMELINE_CHANGES,
  type TimelineEntry,
} from '../console/read-model.js';
import type { Change } from '../plan/types.js';
import { renderChangesPre } from '../render/html.js';
import { html, type SafeHtml } from '../render/html-template.js';
import { time } from './console-tables.js';
import type { ConsoleView } from './console-view.js';

const CHAIN_NAMES = { apply: 'Applies', events: 'Other events (self-service, invites, reveals, exports)' } as const;

/** Fields of an entry shown elsewhere on its item, left out of its "Recorded details". */
const SHOWN_FIELDS = [
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
];

const backLink = html`<a href="/console/history">Back to the history</a>`;

export function historyPages(fastify: FastifyInstance, view: ConsoleView): void {
  const { readModel } = view;
  fastify.get(
    '/console/history',
    view.signedIn(async (request, reply) => {
      const before = (request.query as Record<string, string | undefined>).before;
      const [chains, timeline] = await Promise.all([readModel.verification(), readModel.timeline({ before })]);
      const older = timeline.next
        ? html`<a href="/console/history?${new URLSearchParams({ before: timeline.next }).toString()}">Older entries</a>`
        : '';
      const body = html`<section aria-labelledby="heads-title"><h2 id="heads-title">Verification</h2>
<p>Compare these heads with the ones recorded elsewhere (for example in CI logs of <code>portalform history verify</code>).</p>
<div class="heads">${chains.map(chainCard)}</div></section>
<h2>Timeline, newest first</h2>
${timeline.entries.length === 0 ? html`<p>Nothing recorded yet.</p>` : html`<ol class="timeline">${timeline.entries.map(timelineItem)}</ol>`}
<nav class="pager" aria-label="Pages">${before ? html`<a href="/console/history">Newest</a>` : ''}${older}</nav>`;
      return view.page(reply, 'History', body, '/console/history');
    }),
  );

  fastify.get(
    '/console/history/:chain/:seq',
    view.signedIn(async (request, reply) => {
      const params = request.params as Record<string, string>;
      const chain = params.chain === 'apply' || params.chain === 'events' ? params.chain : null;
      const from = Number((request.query as Record<string, string | undefined>).from ?? '');
      const found =
        chain && /^\d+$/.test(params.seq ?? '')
          ? await readModel.entryPage(chain, Number(params.seq), from || undefined)
          : null;
      if (!found) {
        const body = html`<p>The history has no such entry.</p><p>${backLink}</p>`;
        return view.page(reply, 'No such entry', body, '/console/history', 404);
      }
      return view.page(reply, `History entry ${found.seq}`, entryBody(found, from > 0), '/console/history');
    }),
  );
}

function entryBody(found: EntryPage, continued: boolean): SafeHtml {
  const { fields, changes } = found;
  const summary = fields.summary as Record<string, number> | undefined;
  const shown = changes.filter(isChange);
  const base = `/console/history/${found.chain}/${found.seq}`;
  const next = found.next
    ? html`<a href="${base}?${new URLSearchParams({ from: String(found.next) }).toString()}">Next ${TIMELINE_CHANGES} changes</a>`
    : '';
  return html`<p>${String(fields.kind ?? '')} · serial ${String(fields.serial ?? '')} · ${String(fields.at ?? '')}
· by <strong>${String(fields.actor ?? '')}</strong> · ${chainEntry(found)} · ${megabytes(found.bytes)}</p>
${summary ? html`<p>${summaryText(summary)}</p>` : ''}
<h2>Changes${continued ? ' (continued)' : ''}</h2>${shown.length > 0 ? renderChangesPre(shown) : html`<p>No more changes.</p>`}
<nav class="pager" aria-label="Pages">${continued ? html`<a href="${base}">First changes</a>` : ''}${next}${backLink}</nav>`;
}

function chainCard(status: ChainStatus): SafeHtml {
  const name = CHAIN_NAMES[status.chain];
  if ('pending' in status) {
    const { entries, head } = status.pending;
    return html`<div class="head"><h3>${name}: being verified</h3><p>${entries} entr${entries === 1 ? 'y' : 'ies'}; large enough that
its verification runs in the background: reload this page in a few seconds for the result. Head hash:</p><p><code>${head}</code></p></div>`;
  }
  const { result } = status;
  if (!result.ok)
    return html`<div class="head bad" role="alert"><h3>${name}: ALTERED</h3><p>Entry ${result.seq}: ${result.reason}.</p></div>`;
  const entries = `${result.entries} entr${result.entries === 1 ? 'y' : 'ies'}`;
  return html`<div class="head ok"><h3>${name}: verified</h3><p>${entries}, unaltered. Head hash:</p><p><code>${result.head}</code></p></div>`;
}

function chainEntry(item: { chain: 'apply' | 'events'; seq: number; hash: string }): SafeHtml {
  return html`${item.chain === 'apply' ? 'applies' : 'events'} chain entry ${item.seq}, hash <code>${item.hash.slice(0, 16)}…</code>`;
}

function summaryText(summary: Record<string, number>): string {
  return Object.entries(summary)
    .map(([k, v]) => `${v} ${k}`)
    .join(', ');
}

function timelineItem(item: TimelineEntry): SafeHtml {
  const heading = html`${item.kind}${typeof item.entry.action === 'string' ? html`: ${item.entry.action}` : ''} · serial ${item.serial} · ${time(item.at)}`;
  if (item.changeCount === null) {
    return html`<li><h3>${heading}</h3><p>By <strong>${item.actor}</strong> · ${chainEntry(item)}</p>
<p>A large entry (${megabytes(item.bytes)}): <a href="/console/history/${item.chain}/${item.seq}">its summary and changes, page by page</a>.</p></li>`;
  }
  const changeCount = item.changeCount;
  const renderable = changesOf(item.entry).filter(isChange);
  const summary = item.entry.summary as Record<string, number> | undefined;
  const rest = Object.fromEntries(Object.entries(item.entry).filter(([key]) => !SHOWN_FIELDS.includes(key)));
  const more =
    changeCount > TIMELINE_CHANGES
      ? html`<p>… and ${changeCount - TIMELINE_CHANGES} more: <a href="/console/history/${item.chain}/${item.seq}">all of them, page by page</a>.</p>`
      : '';
  const changes = html`<details><summary>${changeCount} change${changeCount === 1 ? '' : 's'}</summary>${renderChangesPre(renderable)}${more}</details>`;
  return html`<li><h3>${heading}</h3>
<p>By <strong>${item.actor}</strong>${summary ? html` · ${summaryText(summary)}` : ''} · ${chainEntry(item)}</p>
${renderable.length > 0 ? changes : ''}
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
