// The loud part of a plan, the same in every format (text, Markdown, HTML): what it destroys or
// cuts off, counted and named — deletions, replacements and revocations — and what each deletion
// takes with it (docs/applications.md: a developer's applications, an application's credentials and
// registrations, an API's registrations), each of which is a step of its own.
import type { Change } from '../plan/types.js';
import { plural } from '../util/plural.js';
import { addressParts } from './address-parts.js';

export interface DestructiveWarning {
  /** `this plan deletes 2 objects, revokes 1 developer (their credentials stop working)` */
  headline: string;
  /** Every object it names, deletions first, then replacements, then revocations. */
  named: { address: string; verb: string }[];
  /**
   * One per deletion that takes others with it: `deleting <address> also deletes <takes>`, e.g.
   * `its application "y", 2 credentials and 1 registration`.
   */
  cascades: { address: string; takes: string }[];
}

export function destructiveWarning(changes: readonly Change[]): DestructiveWarning | null {
  const deleted = changes.filter((c) => c.op === 'delete' && !c.replace);
  const replaced = changes.filter((c) => c.op === 'delete' && c.replace);
  const revoked = changes.filter((c) => c.op === 'revoke');
  const revokedDevelopers = revoked.filter((c) => c.kind !== 'registration').length;
  const revokedRegistrations = revoked.length - revokedDevelopers;
  const claims = [
    deleted.length > 0 ? `deletes ${plural(deleted.length, 'object')}` : '',
    replaced.length > 0 ? `replaces ${plural(replaced.length, 'object')} (deleted, then created anew)` : '',
    revokedDevelopers > 0 ? `revokes ${plural(revokedDevelopers, 'developer')} (their credentials stop working)` : '',
    revokedRegistrations > 0
      ? `revokes ${plural(revokedRegistrations, 'registration')} (their applications can no longer call the API)`
      : '',
  ].filter(Boolean);
  if (claims.length === 0) return null;
  const cascade = cascadesOf(changes);
  return {
    headline: `this plan ${claims.join(', ')}`,
    named: [...deleted, ...replaced, ...revoked].map((change) => ({ address: change.address, verb: verbOf(change) })),
    cascades: [...cascade].map(([address, takes]) => ({ address, takes })),
  };
}

function verbOf(change: Change): string {
  if (change.op === 'revoke')
    return change.kind === 'registration'
      ? 'will be revoked (its application can no longer call the API)'
      : 'will be revoked (its credentials stop working)';
  return change.replace ? 'must be replaced (--replace): deleted, then created anew' : 'will be deleted';
}

/**
 * For each deleted developer, application or API that takes other deleted objects with it, what it
 * takes, in words: `its application "billing", 2 credentials and 1 registration`.
 */
export function cascadesOf(changes: readonly Change[]): Map<string, string> {
  const deletions = changes.filter((c) => c.op === 'delete');
  const result = new Map<string, string>();
  for (const parent of deletions) {
    const taken = deletions.filter((child) => child !== parent && ownedBy(child.address, parent.address));
    if (taken.length === 0) continue;
    const applications = taken.filter((c) => c.kind === 'application').map((c) => addressParts(c.address).application!);
    const credentials = taken.filter((c) => c.kind === 'credential').length;
    const registrations = taken.filter((c) => c.kind === 'registration').length;
    const parts = [
      applications.length === 0
        ? ''
        : applications.length <= NAMED_APPLICATIONS
          ? `${applications.length === 1 ? 'application' : 'applications'} ${applications.map((a) => JSON.stringify(a)).join(', ')}`
          : plural(applications.length, 'application'),
      credentials > 0 ? plural(credentials, 'credential') : '',
      registrations > 0 ? plural(registrations, 'registration') : '',
    ].filter(Boolean);
    const owner = parent.kind === 'api' ? '' : 'its ';
    const suffix = parent.kind === 'api' ? ' to it' : '';
    result.set(parent.address, `${owner}${joinWords(parts)}${suffix}`);
  }
  return result;
}

const NAMED_APPLICATIONS = 3;

/** Whether the object at `child` goes when the one at `parent` is deleted. */
export function ownedBy(child: string, parent: string): boolean {
  const owner = addressParts(parent);
  if (owner.kind === 'api') {
    const parts = addressParts(child);
    return parts.kind === 'registration' && parts.registration === owner.api;
  }
  return (owner.kind === 'developer' || owner.kind === 'application') && child.startsWith(`${parent}.`);
}

function joinWords(parts: string[]): string {
  return parts.length <= 1 ? (parts[0] ?? '') : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;
}

/**
 * A comment for each deletion step of a cascade, by address: the owner's step says what it takes
 * (each a step of its own, before it: the plan deletes what is owned first), each owned object's
 * step names the deletion it goes with (the nearest owner's).
 */
export function cascadeNotes(changes: readonly Change[]): Map<string, string> {
  const cascade = cascadesOf(changes);
  const owners = [...cascade.keys()];
  const notes = new Map<string, string>();
  for (const change of changes) {
    if (change.op !== 'delete') continue;
    const taken = cascade.get(change.address);
    const owner = owners.find((parent) => ownedBy(change.address, parent));
    const parts = [
      taken ? `deleting it also deletes ${taken}, each a step of its own` : '',
      owner ? `goes with ${owner}, deleted below` : '',
    ].filter(Boolean);
    if (parts.length > 0) notes.set(change.address, parts.join('; it '));
  }
  return notes;
}
