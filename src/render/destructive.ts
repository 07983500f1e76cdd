// The loud part of a plan, the same in every format (text, Markdown, HTML): what it destroys or
// cuts off, counted and named — deletions, replacements and revocations.
import type { Change } from '../plan/types.js';
import { plural } from '../util/plural.js';

export interface DestructiveWarning {
  /** `this plan deletes 2 objects, revokes 1 developer (their credentials stop working)` */
  headline: string;
  /** Every object it names, deletions first, then replacements, then revocations. */
  named: { address: string; verb: string }[];
}

export function destructiveWarning(changes: readonly Change[]): DestructiveWarning | null {
  const deleted = changes.filter((c) => c.op === 'delete' && !c.replace);
  const replaced = changes.filter((c) => c.op === 'delete' && c.replace);
  const revoked = changes.filter((c) => c.op === 'revoke');
  const claims = [
    deleted.length > 0 ? `deletes ${plural(deleted.length, 'object')}` : '',
    replaced.length > 0 ? `replaces ${plural(replaced.length, 'object')} (deleted, then created anew)` : '',
    revoked.length > 0 ? `revokes ${plural(revoked.length, 'developer')} (their credentials stop working)` : '',
  ].filter(Boolean);
  if (claims.length === 0) return null;
  return {
    headline: `this plan ${claims.join(', ')}`,
    named: [...deleted, ...replaced, ...revoked].map((change) => ({ address: change.address, verb: verbOf(change) })),
  };
}

function verbOf(change: Change): string {
  if (change.op === 'revoke') return 'will be revoked (its credentials stop working)';
  return change.replace ? 'must be replaced (--replace): deleted, then created anew' : 'will be deleted';
}
