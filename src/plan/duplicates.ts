// Stored developers that share one canonical email (docs/state.md, "Canonical emails"): the
// migration to canonical emails cannot delete, so it gives the canonical spelling to the one to
// keep (the one the manifests manage, else the oldest) and leaves the extra spellings as they
// are; the plan deletes each, called out as a duplicate address. Only a group none of whose
// spellings is the canonical one has its kept developer moved there (deletes run before moves).
import { developerAddress, type Diagnostic } from '../model.js';
import type { StateSnapshot, StoredDeveloper } from '../store/types.js';
import { canonicalEmail } from '../util/canonical-email.js';
import { compareCodeUnits } from '../util/strings.js';
import { deleteDeveloper } from './changes.js';
import type { Change } from './types.js';

/** The stored emails not in canonical form, and the canonical form of each: what a plan must read. */
export function duplicateSpellings(emails: Iterable<string>): string[] {
  const found: string[] = [];
  for (const email of emails) {
    const canonical = canonicalEmail(email);
    if (canonical !== email) found.push(email, canonical);
  }
  return found;
}

/**
 * The deletes (and the move of the one kept) for every group of stored developers with one
 * canonical email; `stored` is left as the rest of the diff should see it, the group as one
 * developer at its canonical email.
 */
export function duplicateAddressChanges(
  stored: Map<string, StoredDeveloper>,
  state: StateSnapshot,
  warnings: Diagnostic[],
): Change[] {
  const groups = new Map<string, StoredDeveloper[]>();
  for (const [email, developer] of stored) {
    const canonical = canonicalEmail(email);
    if (canonical !== email) groups.set(canonical, [...(groups.get(canonical) ?? []), developer]);
  }
  const changes: Change[] = [];
  for (const [canonical, spellings] of groups) {
    const atCanonical = stored.get(canonical);
    // The migration's choice holds the canonical spelling; a move there would share its address with a delete.
    const [kept, ...extras] = atCanonical ? [atCanonical, ...spellings] : [...spellings].sort(keptFirst(state));
    for (const extra of extras) {
      changes.push(...deleteDeveloper(extra, false));
      stored.delete(extra.email);
      warnings.push({
        severity: 'warning',
        message:
          `${developerAddress(extra.email)} is a duplicate address of ${developerAddress(canonical)} (one canonical form); ` +
          `the plan deletes it and keeps ${developerAddress(kept!.email)}`,
      });
    }
    if (kept!.email !== canonical) {
      changes.push(moveTo(kept!, canonical));
      stored.delete(kept!.email);
      stored.set(canonical, { ...kept!, email: canonical });
    }
  }
  return changes;
}

/** The one the manifests manage first, then the oldest, then by spelling (as the migration chooses). */
function keptFirst(state: StateSnapshot): (a: StoredDeveloper, b: StoredDeveloper) => number {
  const createdAt = new Map(
    (state.unmanaged ?? []).filter((row) => !row.type).map((row) => [row.email, row.createdAt]),
  );
  const managed = (d: StoredDeveloper) => (d.origin === 'manifest' ? 0 : 1);
  return (a, b) =>
    managed(a) - managed(b) ||
    compareCodeUnits(createdAt.get(a.email) ?? '', createdAt.get(b.email) ?? '') ||
    compareCodeUnits(
      canonicalEmail(a.email) === a.email ? '' : a.email,
      canonicalEmail(b.email) === b.email ? '' : b.email,
    );
}

function moveTo(developer: StoredDeveloper, canonical: string): Change {
  return {
    address: developerAddress(canonical),
    kind: 'developer',
    op: 'move',
    before: { email: developer.email },
    after: { email: canonical },
    action: { do: 'developer.move', from: developer.email, to: canonical },
  };
}
