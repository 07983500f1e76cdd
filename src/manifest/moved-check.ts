// The `moved` blocks of a manifest set: each renames one declared developer, once, straight to
// its final email.
import type { Diagnostic, Location } from '../model.js';
import { badEmail, canonicalEmail, isValidEmail } from './email.js';
import { formatLocation, shown } from './files.js';
import { at, error, type DeclaredDeveloper, type SourcedDocument, type ValidationContext } from './sourced-document.js';

export function checkMoved(
  docs: SourcedDocument[],
  developers: DeclaredDeveloper[],
  ctx: ValidationContext,
): Diagnostic[] {
  const moves = docs.flatMap((doc) =>
    (doc.fields.moved ?? []).map((move, i) => ({
      doc,
      pointer: `/moved/${i}`,
      from: canonicalEmail(move.from),
      to: canonicalEmail(move.to),
    })),
  );
  if (moves.length === 0) return [];
  const declared = new Set(developers.map((d) => d.email));
  const targets = new Set(moves.map((m) => m.to));
  const firstFrom = new Map<string, () => Location>();
  const firstTo = new Map<string, () => Location>();
  const diagnostics: Diagnostic[] = [];
  for (const { doc, pointer, from, to } of moves) {
    // Located only for a message: a valid block needs no positions.
    const fromAt = () => at(doc, `${pointer}/from`);
    const toAt = () => at(doc, `${pointer}/to`);
    for (const [email, location] of [
      [from, fromAt],
      [to, toAt],
    ] as const) {
      if (!isValidEmail(email)) diagnostics.push(error(badEmail(email), location()));
    }
    const [fromShown, toShown] = [shown(from), shown(to)];
    const problems: Array<[string | undefined, () => Location]> = [
      [from === to ? `moved block moves ${fromShown} to itself; remove it` : undefined, fromAt],
      [repeated(firstFrom, from, fromAt, ctx, `${fromShown} is moved twice`), fromAt],
      [repeated(firstTo, to, toAt, ctx, `two moved blocks move to ${toShown}`), toAt],
      [
        declared.has(from) && from !== to
          ? `${fromShown} is moved to ${toShown} but is still declared as a developer; remove one or the other`
          : undefined,
        fromAt,
      ],
      [
        declared.has(to)
          ? undefined
          : `moved block moves to ${toShown}, which is not declared as a developer; declare it under developers`,
        toAt,
      ],
      [
        targets.has(from) && from !== to
          ? `moved blocks chain through ${fromShown} (something moves to it, and it moves to ${toShown}); move straight to the final email instead`
          : undefined,
        fromAt,
      ],
    ];
    for (const [message, location] of problems) if (message) diagnostics.push(error(message, location()));
  }
  return diagnostics;
}

/** A message when `key` was seen before (naming where), else records it. */
function repeated(
  seen: Map<string, () => Location>,
  key: string,
  location: () => Location,
  ctx: ValidationContext,
  message: string,
): string | undefined {
  const first = seen.get(key);
  if (!first) {
    seen.set(key, location);
    return undefined;
  }
  return `${message} (first at ${formatLocation(first(), ctx.cwd)})`;
}
