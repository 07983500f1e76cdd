// Output (src/render/): a plan as Terraform-like text (this module), Markdown, a unified diff or a
// self-contained HTML report, the state and the history as text. One destructive-change warning
// for every format (destructive.ts); stored text is escaped before it is printed (stored-text.ts).
import { cascadeNotes, destructiveWarning } from './destructive.js';
import { objectName } from './address-parts.js';
import { storedText } from './stored-text.js';
import { escapeJsonText } from '../util/strings.js';
import {
  SENSITIVE,
  SENSITIVE_CHANGED,
  KNOWN_AFTER_APPLY,
  type Change,
  type Plan,
  type Summary,
} from '../plan/types.js';
import { paint, type Style } from './color.js';
import { plural } from '../util/plural.js';
import { unmanagedTextLines } from './unmanaged.js';

const VERBS: Record<Change['op'], string> = {
  create: 'will be created',
  update: 'will be updated in-place',
  delete: 'will be deleted',
  move: 'has moved',
  approve: 'will be approved',
  reject: 'will be rejected',
  revoke: 'will be revoked',
};

const SYMBOLS: Record<Change['op'], { symbol: string; style: Style }> = {
  create: { symbol: '+', style: 'green' },
  update: { symbol: '~', style: 'yellow' },
  delete: { symbol: '-', style: 'red' },
  move: { symbol: '→', style: 'cyan' },
  approve: { symbol: '~', style: 'yellow' },
  reject: { symbol: '~', style: 'yellow' },
  revoke: { symbol: '~', style: 'red' },
};

const PLACEHOLDERS = new Set([SENSITIVE, SENSITIVE_CHANGED, KNOWN_AFTER_APPLY]);

/** Renders a plan the way Terraform does, one line at a time so huge plans stream. */
export function* renderPlanText(plan: Plan, color: boolean): Generator<string> {
  if (plan.changes.length === 0) {
    yield paint('No changes. The state matches the manifests.', 'bold', color);
    yield* unmanagedTextLines(plan.unmanaged);
    return;
  }
  yield 'portalform will perform the following actions, in this order:';
  yield '';
  const notes = cascadeNotes(plan.changes);
  for (const change of plan.changes) yield* renderChange(change, color, notes.get(change.address));
  yield paint(summaryLine(plan.summary), 'bold', color);
  const warning = destructiveWarning(plan.changes);
  if (warning) {
    yield '';
    yield paint(`Warning: ${warning.headline}:`, 'red', color);
    for (const { address, verb } of warning.named.slice(0, LISTED_ADDRESSES))
      yield paint(`  - ${address} ${verb}`, 'red', color);
    if (warning.named.length > LISTED_ADDRESSES)
      yield paint(`  … and ${warning.named.length - LISTED_ADDRESSES} more`, 'red', color);
    for (const { address, takes } of warning.cascades.slice(0, LISTED_ADDRESSES))
      yield paint(`  deleting ${address} also deletes ${takes}`, 'red', color);
  }
  yield* unmanagedTextLines(plan.unmanaged);
}

const LISTED_ADDRESSES = 20;

/** One step; `note` is a comment under its headline (a cascade's, render/destructive.ts). */
export function* renderChange(change: Change, color: boolean, note?: string): Generator<string> {
  const { symbol, style } = change.replace ? { symbol: '-/+', style: 'magenta' as Style } : SYMBOLS[change.op];
  const verb = change.replace
    ? change.op === 'delete'
      ? 'must be replaced (--replace): deleted, then created anew'
      : 'must be replaced (--replace): created anew'
    : VERBS[change.op];
  yield paint(`  # ${change.address} ${verb}`, 'bold', color);
  if (note) yield paint(`  # (${note})`, 'bold', color);
  const generated = change.replace ? generatedSecrets(change) : [];
  if (generated.length > 0)
    yield paint(`  # new values for ${generated.join(', ')} will be generated when apply runs`, 'bold', color);
  if (change.op === 'move') {
    const { from, to } = movedNames(change);
    yield paint(`  ${symbol} ${from} -> ${to}`, style, color);
    yield '';
    return;
  }
  // The settings are one object: nothing to name beside its kind.
  const name = change.kind === 'portal' ? '' : ` ${escapeJsonText(JSON.stringify(headline(change)))}`;
  yield paint(`  ${symbol} ${change.kind}${name} {`, style, color);
  yield* renderAttributes(change, color);
  yield '    }';
  yield '';
}

function* renderAttributes(change: Change, color: boolean): Generator<string> {
  const before = change.before ?? {};
  const after = change.after ?? {};
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  const width = Math.max(...keys.map((k) => k.length));
  let hidden = 0;
  for (const key of keys) {
    const name = key.padEnd(width);
    const inBefore = key in before;
    const inAfter = key in after;
    if (change.op === 'create' && isEmpty(after[key])) continue;
    if (change.op === 'create' || !inBefore) yield paint(`      + ${name} = ${show(after[key])}`, 'green', color);
    else if (change.op === 'delete' || !inAfter) yield paint(`      - ${name} = ${show(before[key])}`, 'red', color);
    else if (after[key] === SENSITIVE_CHANGED) yield paint(`      ~ ${name} = ${SENSITIVE_CHANGED}`, 'yellow', color);
    else if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) {
      yield paint(`      ~ ${name} = ${show(before[key])} -> ${show(after[key])}`, 'yellow', color);
    } else hidden++;
  }
  if (hidden > 0) yield paint(`        # (${plural(hidden, 'unchanged attribute')} hidden)`, 'dim', color);
}

function generatedSecrets(change: Change): string[] {
  const action = change.action;
  if (action.do !== 'credential.create') return [];
  return Object.entries(action.secrets)
    .filter(([, plan]) => plan.mode === 'generate')
    .map(([field]) => field);
}

function headline(change: Change): string {
  return objectName(change.address);
}

/** A move's old and new names: emails for a developer, names for an application or an API. */
function movedNames(change: Change): { from: string; to: string } {
  const action = change.action;
  if (action.do === 'developer.move' || action.do === 'application.move' || action.do === 'api.move')
    return { from: storedText(action.from), to: storedText(action.to) };
  // A recorded move (history show) has no action: its names are in before and after.
  const name = (side: Record<string, unknown> | null) => storedText(String(side?.email ?? side?.name));
  return { from: name(change.before), to: name(change.after) };
}

function isEmpty(value: unknown): boolean {
  return (
    value === null ||
    (typeof value === 'object' && value !== undefined && Object.keys(value).length === 0 && !Array.isArray(value))
  );
}

function show(value: unknown): string {
  if (typeof value === 'string' && PLACEHOLDERS.has(value)) return value;
  if (typeof value === 'string' && value.includes('\n')) {
    const lines = value.trimEnd().split('\n');
    return `${escapeJsonText(JSON.stringify(`${lines[0]}…`))} (${lines.length} lines)`;
  }
  if (value === undefined) return 'null';
  // A value from a manifest or the state: no bidirectional or invisible character reaches a terminal raw.
  return escapeJsonText(JSON.stringify(value));
}

export function summaryLine(summary: Summary): string {
  const parts = [
    `${summary.create} to create`,
    `${summary.update} to update`,
    `${summary.delete} to delete`,
    plural(summary.transition, 'status transition'),
    `${summary.move} to move`,
  ];
  return `Plan: ${parts.join(', ')}.`;
}
