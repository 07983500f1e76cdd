// `plan --format html`: one self-contained HTML report of a plan, readable offline as a CI
// artifact. Inline CSS and one tiny inline script (the filter box), both allowed by their hashes in
// a Content-Security-Policy that permits no request at all. The report is yielded piece by piece,
// one developer at a time, so a plan of any size streams without building the document in memory.
import { destructiveWarning } from './destructive.js';
import { createHash } from 'node:crypto';
import { formatDiagnostic } from '../manifest/index.js';
import type { Diagnostic } from '../model.js';
import { escapeHtml, html, raw, type SafeHtml } from './html-template.js';
import type { Change, Plan } from '../plan/types.js';
import { changesByApi, changesByDeveloper, type ApiChanges, type DeveloperChanges } from './change-groups.js';
import { cascadeNotes } from './destructive.js';
import { apiAddress } from '../model.js';
import { renderChange, summaryLine } from './text.js';
import { unmanagedHtml } from './unmanaged.js';

export type { UnmanagedObject } from '../plan/types.js';

export interface HtmlOptions {
  /** Manifest paths in diagnostics are shown relative to it. Default: process.cwd(). */
  cwd?: string;
  /** The report's generation time, shown in the header. Default: now. */
  generatedAt?: Date;
}

const STYLE = `
:root{color-scheme:light dark;--fg:#1b1f24;--bg:#fff;--muted:#57606a;--line:#d0d7de;--add:#116329;
--del:#a40e26;--chg:#7d4e00;--warn-bg:#fff1f0;--warn-line:#d1242f}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--bg:#0d1117;--muted:#9da7b3;--line:#30363d;
--add:#56d364;--del:#ff7b72;--chg:#e3b341;--warn-bg:#2d1215;--warn-line:#f85149}}
*{box-sizing:border-box}
body{font:16px/1.5 system-ui,sans-serif;color:var(--fg);background:var(--bg);margin:0 auto;padding:1rem;max-width:72rem}
h1{font-size:1.5rem;margin:.5rem 0}h2{font-size:1.2rem;margin:1.5rem 0 .5rem}
.meta{color:var(--muted);margin:0}
.summary{display:flex;flex-wrap:wrap;gap:.5rem;padding:0;list-style:none}
.summary li{border:1px solid var(--line);border-radius:6px;padding:.25rem .75rem}
.summary strong{font-size:1.2rem}
.warning{border:2px solid var(--warn-line);background:var(--warn-bg);border-radius:6px;padding:.5rem 1rem;margin:1rem 0}
.warning h2{margin:.25rem 0}
details.developer{border:1px solid var(--line);border-radius:6px;margin:.5rem 0}
details.developer>summary{cursor:pointer;padding:.5rem .75rem;overflow-wrap:anywhere}
details.developer[open]>summary{border-bottom:1px solid var(--line)}
pre{margin:0;padding:.5rem .75rem;overflow-x:auto;font:13px/1.45 ui-monospace,monospace}
.add{color:var(--add)}.del{color:var(--del)}.chg{color:var(--chg)}.note{color:var(--muted)}
label{display:block;font-weight:600}
input[type=search]{font:inherit;width:100%;max-width:30rem;padding:.4rem;border:1px solid var(--muted);border-radius:4px;background:var(--bg);color:var(--fg)}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.25rem .5rem;border-bottom:1px solid var(--line);overflow-wrap:anywhere}
code{font:13px ui-monospace,monospace;overflow-wrap:anywhere}
li{overflow-wrap:anywhere}
`;

// Shows the filter box (hidden without JavaScript) and hides the developers that do not match it.
const SCRIPT =
  `(()=>{const form=document.getElementById('filter-form');const box=document.getElementById('filter');const ` +
  `status=document.getElementById('filter-status');const ` +
  `groups=[...document.querySelectorAll('[data-filter]')];form.hidden=false;` +
  `form.addEventListener('submit',(e)=>e.preventDefault());` +
  `box.addEventListener('input',()=>{const q=box.value.trim().toLowerCase();let shown=0;` +
  `for(const g of groups){const hit=q===''||g.dataset.filter.includes(q);g.hidden=!hit;if(hit)shown++;` +
  `}status.textContent=q===''?'':shown+' of '+groups.length+' developers shown';});})();`;

const hashOf = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

/** Allows the inline style and script above by their hashes, and nothing else: no request can leave. */
export const REPORT_CSP = `default-src 'none'; style-src ${hashOf(STYLE)}; script-src ${hashOf(SCRIPT)}; img-src 'none'; base-uri 'none'; form-action 'none'`;

const LISTED_ADDRESSES = 50;

/** The report, in pieces: join them with newlines (the CLI's Output.lines does) to get the file. */
export function* renderPlanHtml(plan: Plan, options: HtmlOptions = {}): Generator<string> {
  const cwd = options.cwd ?? process.cwd();
  const groups = changesByDeveloper(plan.changes);
  const apis = changesByApi(plan.changes);
  const notes = cascadeNotes(plan.changes);
  yield* header(plan, options.generatedAt ?? new Date());
  yield* destructiveWarnings(plan.changes);
  yield* diagnostics(plan.errors, 'error', cwd);
  yield* diagnostics(plan.warnings, 'warning', cwd);
  if (apis.length > 0) {
    yield html`<h2 id="api-changes">Changes to ${count(apis.length, 'API')}</h2>`.text;
    for (const group of apis) yield apiSection(group, notes).text;
  }
  if (groups.length > 0) {
    yield html`<h2 id="changes">Changes to ${count(groups.length, 'developer')}</h2>
<form id="filter-form" role="search" hidden><label for="filter">Filter developers by email or name</label>
<input id="filter" type="search" autocomplete="off" spellcheck="false"><p id="filter-status" class="meta" role="status" aria-live="polite"></p></form>`
      .text;
    for (const group of groups) yield developerSection(group, notes).text;
  }
  const unmanaged = unmanagedHtml(plan.unmanaged);
  if (unmanaged) yield unmanaged.text;
  yield html`</main><script>${raw(SCRIPT)}</script></body></html>`.text;
}

function* header(plan: Plan, generatedAt: Date): Generator<string> {
  const title = plan.changes.length === 0 ? 'No changes. The state matches the manifests.' : summaryLine(plan.summary);
  const state =
    plan.state.lineage === null
      ? 'no state yet (this plan creates it)'
      : `lineage ${plan.state.lineage}, serial ${plan.state.serial}`;
  const { summary } = plan;
  yield html`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>portalform plan: ${title}</title>
<style>${raw(STYLE)}</style></head>
<body><main>
<h1>portalform plan</h1>
<p class="meta">Against ${state} · generated ${generatedAt.toISOString()}</p>
<h2>Summary</h2>
<p><strong>${title}</strong></p>
<ul class="summary" aria-label="Changes by kind">
<li><strong>${summary.create}</strong> to create</li><li><strong>${summary.update}</strong> to update</li>
<li><strong>${summary.delete}</strong> to delete</li>
<li><strong>${summary.transition}</strong> status ${summary.transition === 1 ? 'transition' : 'transitions'}</li>
<li><strong>${summary.move}</strong> to move</li></ul>`.text;
}

/** The loud part: what this plan destroys or cuts off, counted and named (render/destructive.ts). */
function* destructiveWarnings(changes: readonly Change[]): Generator<string> {
  const warning = destructiveWarning(changes);
  if (!warning) return;
  const { headline, named } = warning;
  yield html`<section class="warning" aria-labelledby="destructive"><h2 id="destructive">Warning: ${headline}</h2>
<details${named.length <= LISTED_ADDRESSES ? raw(' open') : ''}><summary>${count(named.length, 'object')} deleted or revoked</summary><ul>`
    .text;
  for (const { address, verb } of named) yield html`<li><code>${address}</code> ${verb}</li>`.text;
  yield '</ul></details>';
  if (warning.cascades.length > 0)
    yield html`<ul aria-label="What the deletions take with them">${warning.cascades.map(
      ({ address, takes }) => html`<li>deleting <code>${address}</code> also deletes ${takes}</li>`,
    )}</ul>`.text;
  yield '</section>';
}

function* diagnostics(list: readonly Diagnostic[], severity: 'error' | 'warning', cwd: string): Generator<string> {
  if (list.length === 0) return;
  const heading =
    severity === 'error'
      ? `${count(list.length, 'error')}: this plan cannot be applied`
      : count(list.length, 'warning');
  yield html`<section${severity === 'error' ? raw(' class="warning"') : ''}><h2>${heading}</h2><ul>`.text;
  for (const d of list) yield html`<li>${formatDiagnostic(d, cwd)}</li>`.text;
  yield '</ul></section>';
}

function apiSection(group: ApiChanges, notes: ReadonlyMap<string, string>): SafeHtml {
  const ops = [...new Set(group.changes.map((c) => (c.replace ? 'replace' : c.op)))].join(', ');
  return html`<details class="developer" open>
<summary><code>${apiAddress(group.name)}</code> · ${count(group.changes.length, 'change')}: ${ops}</summary>
${renderChangesPre(group.changes, notes)}</details>`;
}

function developerSection(group: DeveloperChanges, notes: ReadonlyMap<string, string>): SafeHtml {
  const names = new Set<string>([group.email]);
  for (const change of group.changes) {
    for (const side of [change.before, change.after])
      if (typeof side?.fullName === 'string') names.add(side.fullName.toLowerCase());
  }
  const ops = [...new Set(group.changes.map((c) => (c.replace ? 'replace' : c.op)))].join(', ');
  return html`<details class="developer" data-filter="${[...names].join(' ')}">
<summary><code>developer[${JSON.stringify(group.email)}]</code> · ${count(group.changes.length, 'change')}: ${ops}</summary>
${renderChangesPre(group.changes, notes)}</details>`;
}

/** Changes as the text plan shows them, each line coloured by what it does; `notes` the cascades' comments. */
export function renderChangesPre(changes: readonly Change[], notes: ReadonlyMap<string, string> = new Map()): SafeHtml {
  const lines: string[] = [];
  for (const change of changes)
    for (const line of renderChange(change, false, notes.get(change.address))) lines.push(lineHtml(line));
  while (lines.at(-1) === '') lines.pop();
  return raw(`<pre>${lines.join('\n')}</pre>`);
}

function lineHtml(line: string): string {
  const match = /^\s*(-\/\+|[+\-~→#])/.exec(line);
  const kind = match ? LINE_CLASSES[match[1]!] : undefined;
  return kind ? `<span class="${kind}">${escapeHtml(line)}</span>` : escapeHtml(line);
}

const LINE_CLASSES: Record<string, string> = {
  '+': 'add',
  '-': 'del',
  '~': 'chg',
  '-/+': 'chg',
  '→': 'chg',
  '#': 'note',
};

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
