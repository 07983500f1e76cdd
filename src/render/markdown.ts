// `plan --format markdown`: a plan ready to post as a GitHub pull-request comment.
//
// Layout of one comment (a "part"):
//   **Plan: … .**                       summary line, outside any fold (+ " · Part i of n" when split)
//   > [!CAUTION] …                      deletions, replacements and revocations, counted and named
//   errors, then warnings               plan.errors / plan.warnings
//   <details><summary>…</summary>
//   ### `developer["…"]`                one heading and one ```diff block per developer,
//   ```diff … ```                       developers sorted by email, changes in execution order
//                                       (the portal settings first, under `portal`, when they change,
//                                       then each changed API under `api["…"]`)
//   </details>
//
// A comment longer than maxChars is split between developer groups; a group too long on its own
// is split between lines and continues under a "(continued)" heading. Every part carries its
// own title and closes its fences and <details>, so each renders alone.
import { destructiveWarning } from './destructive.js';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { formatDiagnostic } from '../manifest/index.js';
import { apiAddress, developerAddress, type Diagnostic } from '../model.js';
import type { Change, Plan } from '../plan/types.js';
import { changesByApi, changesByDeveloper, type ApiChanges, type DeveloperChanges } from './change-groups.js';
import { cascadeNotes } from './destructive.js';
import { renderChange, summaryLine } from './text.js';
import { plural } from '../util/plural.js';
import { makeDirectories } from '../util/directories.js';
import { PortalformError } from '../errors.js';
import { consolidateWarnings, moreLikeIt } from './warnings.js';
import { unmanagedMarkdownLines } from './unmanaged.js';

export const DEFAULT_MAX_CHARS = 65_000;
const LISTED_ADDRESSES = 20;

export interface MarkdownOptions {
  /** No part is longer than this (GitHub refuses comments over 65,536 characters). */
  maxChars?: number;
  /** Manifest paths in diagnostics are shown relative to it. Default: process.cwd(). */
  cwd?: string;
}

/** A piece of a comment that parts are packed from. */
type Chunk = { kind: 'notes'; lines: string[] } | { kind: 'diff'; heading: string; lines: string[] };

interface Numbering {
  index: number;
  total: number;
}

/** The plan as one or more comments, each at most `maxChars` long. */
export function renderPlanMarkdown(plan: Plan, options: MarkdownOptions = {}): string[] {
  const maxChars = options.maxChars ?? DEFAULT_MAX_CHARS;
  const groups = changesByDeveloper(plan.changes);
  const apis = changesByApi(plan.changes);
  const settings = plan.changes.filter((c) => c.kind === 'portal');
  const layout = layoutOf(plan, { developers: groups.length, apis: apis.length, settings: settings.length > 0 });
  const notes = cascadeNotes(plan.changes);
  const chunks = [
    ...noteChunks(plan, options.cwd ?? process.cwd()),
    ...settings.map((change) => portalChunk(change)),
    ...apis.map((group) => apiChunk(group, notes)),
    ...groups.map((group) => developerChunk(group, notes)),
  ];
  const whole = renderPart(layout, chunks, null);
  if (whole.length <= maxChars) return [whole];

  // No split yields more parts than lines and chunks, so numbering with that count bounds every title.
  const bound = chunks.reduce((n, c) => n + c.lines.length + 1, 0);
  const worst: Numbering = { index: bound, total: bound };
  const parts = packChunks(layout, fitChunks(layout, chunks, maxChars, worst), maxChars, worst);
  return parts.map((part, i) => renderPart(layout, part, { index: i + 1, total: parts.length }));
}

/** Writes parts as plan-1.md, plan-2.md, … (removing stale higher-numbered ones, which a CI job would post too); returns the paths. */
export function writeMarkdownParts(parts: string[], outDir: string): string[] {
  try {
    makeDirectories(outDir);
    for (const stale of readdirSync(outDir).filter((name) => isStalePart(name, parts.length)))
      rmSync(path.join(outDir, stale));
    return parts.map((part, i) => {
      const file = path.join(outDir, `plan-${i + 1}.md`);
      writeFileSync(file, part);
      return file;
    });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new PortalformError(
      `cannot write the plan to --out-dir ${outDir}: ${code === 'ENOENT' ? 'the directory cannot be created there' : (code ?? 'unknown error')}`,
    );
  }
}

function isStalePart(name: string, count: number): boolean {
  const match = /^plan-(\d+)\.md$/.exec(name);
  return match !== null && Number(match[1]) > count;
}

// ---- content ------------------------------------------------------------------------------

function titleLine(plan: Plan, numbering: Numbering | null): string {
  const summary =
    plan.changes.length === 0 ? '**No changes.** The state matches the manifests.' : `**${summaryLine(plan.summary)}**`;
  return numbering ? `${summary} · Part ${numbering.index} of ${numbering.total}` : summary;
}

function noteChunks(plan: Plan, cwd: string): Chunk[] {
  const notes = [
    cautionLines(plan.changes),
    diagnosticLines(plan.errors, 'error', cwd),
    diagnosticLines(plan.warnings, 'warning', cwd),
    unmanagedMarkdownLines(plan.unmanaged),
  ];
  return notes.filter((lines) => lines.length > 0).map((lines) => ({ kind: 'notes', lines }));
}

/** The loud part: what this plan destroys or cuts off, counted and named (render/destructive.ts). */
function cautionLines(changes: readonly Change[]): string[] {
  const warning = destructiveWarning(changes);
  if (!warning) return [];
  const { headline, named } = warning;
  const listed = named.slice(0, LISTED_ADDRESSES).map((n) => `> - ${inlineCode(n.address)} ${n.verb}`);
  const more = named.length > LISTED_ADDRESSES ? [`> - … and ${named.length - LISTED_ADDRESSES} more`] : [];
  return [
    '',
    '> [!CAUTION]',
    `> ⚠️ **${headline.charAt(0).toUpperCase()}${headline.slice(1)}.**`,
    '>',
    ...listed,
    ...more,
    ...warning.cascades
      .slice(0, LISTED_ADDRESSES)
      .map(({ address, takes }) => `> - deleting ${inlineCode(address)} also deletes ${escapeMarkdown(takes)}`),
  ];
}

function diagnosticLines(diagnostics: readonly Diagnostic[], severity: 'error' | 'warning', cwd: string): string[] {
  if (diagnostics.length === 0) return [];
  const heading =
    severity === 'error'
      ? `**❌ ${plural(diagnostics.length, 'error')}: this plan cannot be applied.**`
      : `**⚠️ ${plural(diagnostics.length, 'warning')}:**`;
  const items =
    severity === 'error' ? diagnostics.map((d) => ({ first: d, count: 1 })) : consolidateWarnings(diagnostics);
  return [
    '',
    heading,
    '',
    ...items.map(
      ({ first, count }) =>
        `- ${escapeMarkdown(formatDiagnostic(first, cwd).replace(/\s*\n\s*/g, ' '))}${moreLikeIt(count)}`,
    ),
  ];
}

function developerChunk(group: DeveloperChanges, notes: ReadonlyMap<string, string>): Chunk {
  return { kind: 'diff', heading: developerAddress(group.email), lines: diffLines(group.changes, notes) };
}

function apiChunk(group: ApiChanges, notes: ReadonlyMap<string, string>): Chunk {
  return { kind: 'diff', heading: apiAddress(group.name), lines: diffLines(group.changes, notes) };
}

function portalChunk(change: Change): Chunk {
  return { kind: 'diff', heading: change.address, lines: diffLines([change], new Map()) };
}

function diffLines(changes: readonly Change[], notes: ReadonlyMap<string, string>): string[] {
  const lines = changes.flatMap((change) =>
    [...renderChange(change, false, notes.get(change.address))].map(asDiffLine),
  );
  return lines.at(-1) === '' ? lines.slice(0, -1) : lines;
}

const MARKERS: Record<string, string> = { '+': '+', '-': '-', '~': '!', '-/+': '!', '→': '!' };

/**
 * Moves the text renderer's change symbol to column 0 as the marker GitHub colours (`!` for an
 * in-place change), keeping the alignment. Every line then starts with a marker, or with spaces
 * before `#` or `}`, so none can close the code fence.
 */
function asDiffLine(line: string): string {
  const match = /^(\s*)(-\/\+|[+\-~→])( .*)$/.exec(line);
  if (!match) return line;
  const [, indent, symbol, rest] = match;
  return `${MARKERS[symbol!]}${indent}${' '.repeat(symbol!.length - 1)}${rest}`;
}

// ---- layout -------------------------------------------------------------------------------

/** What every part of one plan shares. */
interface Layout {
  title(numbering: Numbering | null): string;
  detailsOpen: string[];
}

function layoutOf(plan: Plan, groups: { developers: number; apis: number; settings: boolean }): Layout {
  const { developers, apis, settings } = groups;
  const changed = [
    ...(settings ? ['the portal settings'] : []),
    ...(apis > 0 ? [plural(apis, 'API')] : []),
    ...(developers > 0 || (!settings && apis === 0) ? [plural(developers, 'developer')] : []),
  ];
  const summary = `Show the ${plural(plan.changes.length, 'change')} to ${changed.join(' and ')}`;
  return {
    title: (numbering) => titleLine(plan, numbering),
    detailsOpen: ['', `<details><summary>${summary}</summary>`],
  };
}

const DETAILS_CLOSE = ['', '</details>'];

function renderPart(layout: Layout, chunks: readonly Chunk[], numbering: Numbering | null): string {
  const diffs = chunks.filter((c) => c.kind === 'diff');
  const lines = [
    layout.title(numbering),
    ...chunks.filter((c) => c.kind === 'notes').flatMap(chunkLines),
    ...(diffs.length > 0 ? [...layout.detailsOpen, ...diffs.flatMap(chunkLines), ...DETAILS_CLOSE] : []),
  ];
  return lines.join('\n');
}

function chunkLines(chunk: Chunk): string[] {
  return chunk.kind === 'notes'
    ? chunk.lines
    : ['', `### ${inlineCode(chunk.heading)}`, '', '```diff', ...chunk.lines, '```'];
}

/**
 * What lines add to a part: each is joined to the one before by a newline. A part's length is
 * therefore its title's plus the added lengths of its chunks (and of the <details> wrapper).
 */
function addedLength(lines: readonly string[]): number {
  return lines.reduce((sum, line) => sum + line.length + 1, 0);
}

function wrapperLength(layout: Layout): number {
  return addedLength(layout.detailsOpen) + addedLength(DETAILS_CLOSE);
}

/** Splits every chunk too long for a part of its own into pieces that fit. */
function fitChunks(layout: Layout, chunks: readonly Chunk[], maxChars: number, worst: Numbering): Chunk[] {
  const title = layout.title(worst).length;
  return chunks.flatMap((chunk) => {
    const frame =
      chunk.kind === 'diff'
        ? addedLength(chunkLines({ ...chunk, heading: continued(chunk.heading), lines: [] })) + wrapperLength(layout)
        : 0;
    const budget = maxChars - title - frame;
    return addedLength(chunk.lines) <= budget ? [chunk] : splitChunk(chunk, budget);
  });
}

function splitChunk(chunk: Chunk, budget: number): Chunk[] {
  if (budget < 40) throw new RangeError(`maxChars leaves ${budget} characters for a part's content; raise it`);
  const pieces: string[][] = [[]];
  let used = 0;
  for (const line of chunk.lines.map((l) => truncate(l, budget - 1))) {
    if (used + line.length + 1 > budget) {
      pieces.push([]);
      used = 0;
    }
    pieces.at(-1)!.push(line);
    used += line.length + 1;
  }
  return pieces.map((lines, i) =>
    chunk.kind === 'diff' && i > 0 ? { ...chunk, heading: continued(chunk.heading), lines } : { ...chunk, lines },
  );
}

function continued(heading: string): string {
  return `${heading} (continued)`;
}

/** Greedy: each part takes chunks, in order, while it stays within maxChars. */
function packChunks(layout: Layout, chunks: readonly Chunk[], maxChars: number, worst: Numbering): Chunk[][] {
  const parts: Chunk[][] = [];
  let current: Chunk[] = [];
  let length = 0;
  for (const chunk of chunks) {
    if (current.length > 0 && length + growth(layout, current, chunk) > maxChars) {
      parts.push(current);
      current = [];
    }
    if (current.length === 0) length = layout.title(worst).length;
    length += growth(layout, current, chunk);
    current.push(chunk);
  }
  if (current.length > 0) parts.push(current);
  return parts;
}

/** How much longer `part` gets with `chunk`; the first diff also opens the <details> wrapper. */
function growth(layout: Layout, part: readonly Chunk[], chunk: Chunk): number {
  // Notes always precede diffs, so a part holds a diff exactly when its last chunk is one.
  const opensDetails = chunk.kind === 'diff' && part.at(-1)?.kind !== 'diff';
  return addedLength(chunkLines(chunk)) + (opensDetails ? wrapperLength(layout) : 0);
}

// ---- text helpers -------------------------------------------------------------------------

/** A code span that holds any text: its fence is longer than every backtick run inside. */
function inlineCode(text: string): string {
  const longestRun = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longestRun + 1);
  const padding = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${padding}${text}${padding}${fence}`;
}

/**
 * A diagnostic as literal text in a comment: every ASCII punctuation character that Markdown, or
 * GitHub (`@` mentions, `#` references, `$` math), could read as syntax within a line is
 * backslash-escaped, so a value quoted in the message cannot add emphasis, a code span, a link or
 * an image (no `[`, so no `](`), HTML, a table cell or a mention.
 */
function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]<>#!|~@&$]/g, '\\$&');
}

function truncate(line: string, max: number): string {
  return line.length <= max ? line : `${line.slice(0, max - 1)}…`;
}
