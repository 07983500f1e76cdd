// `moved` entries of developers and applications (docs/manifests.md, docs/applications.md): each
// renames a stored object, keeping everything it holds (credentials, secrets, registrations). The
// stored map is left as the rest of the diff should see it, each object under its new name.
import { applicationAddress, developerAddress, type Diagnostic, type MovedBlock } from '../model.js';
import type { StoredDeveloper } from '../store/types.js';
import type { Change } from './types.js';

function bothExist(from: string, to: string, move: MovedBlock): Diagnostic {
  return {
    severity: 'error',
    location: move.location,
    message: `cannot move ${from} to ${to}: both exist in the state; remove the moved entry or delete one of them`,
  };
}

export function moveDevelopers(
  moved: readonly MovedBlock[],
  stored: Map<string, StoredDeveloper>,
  errors: Diagnostic[],
): Change[] {
  const changes: Change[] = [];
  for (const move of moved) {
    if (move.kind !== undefined && move.kind !== 'developer') continue;
    const source = stored.get(move.from);
    if (!source) continue; // already moved, or never existed: nothing to do
    if (stored.has(move.to)) {
      errors.push(bothExist(developerAddress(move.from), developerAddress(move.to), move));
      continue;
    }
    changes.push({
      address: developerAddress(move.to),
      kind: 'developer',
      op: 'move',
      before: { email: move.from },
      after: { email: move.to },
      action: { do: 'developer.move', from: move.from, to: move.to },
    });
    stored.delete(move.from);
    stored.set(move.to, { ...source, email: move.to });
  }
  return changes;
}

/** After the developers' moves: an application's entry names its developer by the developer's new email. */
export function moveApplications(
  moved: readonly MovedBlock[],
  stored: Map<string, StoredDeveloper>,
  errors: Diagnostic[],
): Change[] {
  const changes: Change[] = [];
  for (const move of moved) {
    if (move.kind !== 'application' || move.email === undefined) continue;
    const developer = stored.get(move.email);
    const applications = developer?.applications ?? [];
    const source = applications.find((a) => a.name === move.from);
    if (!developer || !source) continue; // already moved, or never existed: nothing to do
    const from = applicationAddress(move.email, move.from);
    const to = applicationAddress(move.email, move.to);
    if (applications.some((a) => a.name === move.to)) {
      errors.push(bothExist(from, to, move));
      continue;
    }
    changes.push({
      address: to,
      kind: 'application',
      op: 'move',
      before: { name: move.from },
      after: { name: move.to },
      action: { do: 'application.move', email: move.email, from: move.from, to: move.to },
    });
    const renamed = applications.map((a) => (a === source ? { ...a, name: move.to } : a));
    stored.set(move.email, { ...developer, applications: renamed });
  }
  return changes;
}
