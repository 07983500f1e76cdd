// How every per-object rendering (markdown, diff, html) groups a plan's changes: the portal's
// settings, then each API, then each developer with its credentials, applications and their
// credentials and registrations (docs/applications.md), APIs by name, developers by email.
import type { Change } from '../plan/types.js';
import { compareCodeUnits } from '../util/strings.js';
import { addressParts } from './address-parts.js';

/** The changes of one developer (its credentials' and applications' included), in execution order. */
export interface DeveloperChanges {
  email: string;
  changes: Change[];
}

/** The changes of one API (its own: registrations to it are their applications'), in execution order. */
export interface ApiChanges {
  name: string;
  changes: Change[];
}

/** Groups a plan's developer changes by developer, sorted by email so reviewers find a developer quickly. */
export function changesByDeveloper(changes: readonly Change[]): DeveloperChanges[] {
  return grouped(changes, (change) => (change.kind === 'portal' ? undefined : addressParts(change.address).email)).map(
    ([email, list]) => ({ email, changes: list }),
  );
}

/** Groups a plan's API changes by API, sorted by name; a move is the new name's. */
export function changesByApi(changes: readonly Change[]): ApiChanges[] {
  return grouped(changes, (change) => (change.kind === 'api' ? addressParts(change.address).api : undefined)).map(
    ([name, list]) => ({ name, changes: list }),
  );
}

function grouped(changes: readonly Change[], keyOf: (change: Change) => string | undefined): [string, Change[]][] {
  const groups = new Map<string, Change[]>();
  for (const change of changes) {
    const key = keyOf(change);
    if (key === undefined) continue;
    const group = groups.get(key) ?? [];
    group.push(change);
    groups.set(key, group);
  }
  return [...groups].sort(([a], [b]) => compareCodeUnits(a, b));
}
