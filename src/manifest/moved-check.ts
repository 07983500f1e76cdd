// The `moved` blocks of a manifest set: each renames one declared developer, application or API,
// once, straight to its final name; an application within its developer.
import type { Diagnostic, Location } from '../model.js';
import type { DeclaredApi } from './applications.js';
import { badEmail, isValidEmail } from './email.js';
import { formatLocation, shown } from './files.js';
import { describeMovedEnd, parseMovedEnd, type MovedEnd } from './moved.js';
import { NAME_PATTERN } from './schema.js';
import { at, error, type DeclaredDeveloper, type SourcedDocument, type ValidationContext } from './sourced-document.js';

type NamedEnd = Exclude<MovedEnd, { kind: 'malformed' }>;

const WHAT: Record<NamedEnd['kind'], { declared: string; under: string; final: string }> = {
  developer: { declared: 'a developer', under: 'developers', final: 'email' },
  application: { declared: 'an application', under: "its developer's applications", final: 'name' },
  api: { declared: 'an API', under: 'apis', final: 'name' },
};

export function checkMoved(
  docs: SourcedDocument[],
  developers: DeclaredDeveloper[],
  apis: ReadonlyMap<string, DeclaredApi>,
  ctx: ValidationContext,
): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const moves = docs.flatMap((doc) =>
    (doc.fields.moved ?? []).flatMap((move, i) => {
      const [fromAt, toAt] = [() => at(doc, `/moved/${i}/from`), () => at(doc, `/moved/${i}/to`)];
      const ends = movedEnds(parseMovedEnd(move.from), parseMovedEnd(move.to), fromAt, toAt, diagnostics);
      if (!ends) return [];
      const [from, to] = ends;
      return [
        {
          kind: from.kind,
          from: keyOf(from),
          to: keyOf(to),
          fromShown: shown(describeMovedEnd(from)),
          toShown: shown(describeMovedEnd(to)),
          fromAt,
          toAt,
        },
      ];
    }),
  );
  if (moves.length === 0) return diagnostics;
  const declared = new Set<string>([
    ...developers.map((d) => keyOf({ kind: 'developer', email: d.email })),
    ...developers.flatMap((d) =>
      d.entry.applications.map(([name]) => keyOf({ kind: 'application', email: d.email, name })),
    ),
    ...[...apis.keys()].map((name) => keyOf({ kind: 'api', name })),
  ]);
  const targets = new Set(moves.map((m) => m.to));
  const firstFrom = new Map<string, () => Location>();
  const firstTo = new Map<string, () => Location>();
  for (const move of moves) {
    const { kind, from, to, fromShown, toShown, fromAt, toAt } = move;
    const what = WHAT[kind];
    const problems: Array<[string | undefined, () => Location]> = [
      [from === to ? `moved block moves ${fromShown} to itself; remove it` : undefined, fromAt],
      [repeated(firstFrom, from, fromAt, ctx, `${fromShown} is moved twice`), fromAt],
      [repeated(firstTo, to, toAt, ctx, `two moved blocks move to ${toShown}`), toAt],
      [
        declared.has(from) && from !== to
          ? `${fromShown} is moved to ${toShown} but is still declared as ${what.declared}; remove one or the other`
          : undefined,
        fromAt,
      ],
      [
        declared.has(to)
          ? undefined
          : `moved block moves to ${toShown}, which is not declared as ${what.declared}; declare it under ${what.under}`,
        toAt,
      ],
      [
        targets.has(from) && from !== to
          ? `moved blocks chain through ${fromShown} (something moves to it, and it moves to ${toShown}); move straight to the final ${what.final} instead`
          : undefined,
        fromAt,
      ],
    ];
    for (const [message, location] of problems) if (message) diagnostics.push(error(message, location()));
  }
  return diagnostics;
}

/** Both ends, when each names something well formed and both name the same kind (an application's of one developer). */
function movedEnds(
  from: MovedEnd,
  to: MovedEnd,
  fromAt: () => Location,
  toAt: () => Location,
  diagnostics: Diagnostic[],
): [NamedEnd, NamedEnd] | undefined {
  const problems = [endProblem(from, fromAt), endProblem(to, toAt)].flat();
  diagnostics.push(...problems);
  if (problems.length > 0 || from.kind === 'malformed' || to.kind === 'malformed') return undefined;
  if (from.kind !== to.kind) {
    diagnostics.push(
      error(
        `moved block moves ${WHAT[from.kind].declared} to ${WHAT[to.kind].declared}; \`from\` and \`to\` must name the same kind`,
        toAt(),
      ),
    );
    return undefined;
  }
  if (from.kind === 'application' && to.kind === 'application' && from.email !== to.email) {
    diagnostics.push(
      error(
        `moved block moves an application of ${shown(from.email)} to ${shown(to.email)}; an application moves only within its developer`,
        toAt(),
      ),
    );
    return undefined;
  }
  return [from, to];
}

function endProblem(end: MovedEnd, location: () => Location): Diagnostic[] {
  if (end.kind === 'malformed')
    return [
      error(
        'a moved end is an email, developer["EMAIL"].application["NAME"] or api["NAME"], names in double quotes',
        location(),
      ),
    ];
  const problems: string[] = [];
  if (end.kind !== 'api' && !isValidEmail(end.email)) problems.push(badEmail(end.email));
  if (end.kind !== 'developer' && !new RegExp(NAME_PATTERN).test(end.name))
    problems.push(`name ${shown(end.name)} must be 1 to 63 characters of a-z, 0-9 and '-'`);
  return problems.map((message) => error(message, location()));
}

function keyOf(end: NamedEnd): string {
  if (end.kind === 'developer') return end.email;
  return end.kind === 'api' ? `api\0${end.name}` : `application\0${end.email}\0${end.name}`;
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
