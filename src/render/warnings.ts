// Repeated warnings of one kind, consolidated: 4,500 literal secrets are one line, not 4,500, in
// the text and Markdown outputs (as Terraform's "(and N more similar warnings)"). JSON outputs
// keep every warning, which is how to see them all.
import type { Diagnostic } from '../model.js';

/** A kind of warning: its first occurrence, and how many there are in all. */
export interface WarningKind {
  first: Diagnostic;
  count: number;
}

/** Where every warning is listed, for the line that stands for many. */
export const ALL_WARNINGS_HINT = '`portalform validate --json` lists every one';

/**
 * Warnings grouped by kind, in the order each kind first occurs. Two warnings are of one kind when
 * their messages differ only in the values they quote (quoted in "…" or `…` by quoteForMessage).
 */
export function consolidateWarnings(warnings: readonly Diagnostic[]): WarningKind[] {
  const kinds = new Map<string, WarningKind>();
  for (const warning of warnings) {
    const key = kindOf(warning.message);
    const kind = kinds.get(key);
    if (kind) kind.count++;
    else kinds.set(key, { first: warning, count: 1 });
  }
  return [...kinds.values()];
}

/** What a line that stands for `count` warnings adds after the first one's message. */
export function moreLikeIt(count: number): string {
  return count > 1 ? ` (and ${count - 1} more like it, ${count} in all; ${ALL_WARNINGS_HINT})` : '';
}

function kindOf(message: string): string {
  return message.replace(/"(?:[^"\\]|\\.)*"/g, '"…"').replace(/`[^`]*`/g, '`…`');
}
