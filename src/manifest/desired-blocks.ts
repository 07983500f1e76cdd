// The parts of the desired state written beside the developers: the APIs (docs/applications.md),
// the `moved` entries and the `removed` entries (docs/unmanaged.md), each with where it is written.
import type { CredentialType, DesiredApi, MovedBlock, RemovedBlock } from '../model.js';
import { canonicalEmail } from '../util/canonical-email.js';
import { compareCodeUnits } from '../util/strings.js';
import { parseMovedEnd, type MovedEnd } from './moved.js';
import { locate } from './positions.js';
import type { SourcedDocument } from './sourced-document.js';

type Documents = ReadonlyArray<Pick<SourcedDocument, 'file' | 'fields' | 'positions'>>;

/** The declared APIs, by name. */
export function desiredApis(docs: Documents): DesiredApi[] {
  return docs
    .flatMap(({ file, fields, positions }) =>
      (fields.apis ?? []).map(
        (api, i): DesiredApi => ({
          name: api.name,
          title: api.title ?? null,
          description: api.description ?? null,
          autoApproveRegistrations: api.autoApproveRegistrations ?? null,
          aclGroups: [...(api.aclGroups ?? [])],
          get location() {
            return locate(file, positions.read(), `/apis/${i}`);
          },
        }),
      ),
    )
    .sort((a, b) => compareCodeUnits(a.name, b.name));
}

/** A developer's move keeps the form it always had (no `kind`); an application's names its developer in `email`. */
export function desiredMoves(docs: Documents): MovedBlock[] {
  return docs.flatMap(({ file, fields, positions }) =>
    (fields.moved ?? []).map(
      (move, i): MovedBlock => ({
        ...movedNames(move.from, move.to),
        get location() {
          return locate(file, positions.read(), `/moved/${i}`);
        },
      }),
    ),
  );
}

/** What a validated `moved` entry renames: both ends name the same kind (moved-check.ts). */
function movedNames(written: string, writtenTo: string): Omit<MovedBlock, 'location'> {
  const [from, to] = [parseMovedEnd(written), parseMovedEnd(writtenTo)];
  if (from.kind === 'application' && to.kind === 'application')
    return { kind: 'application', email: to.email, from: from.name, to: to.name };
  if (from.kind === 'api' && to.kind === 'api') return { kind: 'api', from: from.name, to: to.name };
  const email = (end: MovedEnd, text: string) => (end.kind === 'developer' ? end.email : canonicalEmail(text));
  return { from: email(from, written), to: email(to, writtenTo) };
}

export function desiredRemovals(docs: Documents): RemovedBlock[] {
  return docs.flatMap(({ file, fields, positions }) =>
    (fields.removed ?? []).map((entry, i): RemovedBlock => {
      const [type, ...identity] = entry.credential?.split(':') ?? [];
      return {
        developer: canonicalEmail(entry.developer),
        ...(entry.application !== undefined ? { application: entry.application } : {}),
        ...(entry.credential ? { credential: { type: type as CredentialType, identity: identity.join(':') } } : {}),
        ...(entry.registration !== undefined ? { registration: entry.registration } : {}),
        keep: entry.keep === true,
        get location() {
          return locate(file, positions.read(), `/removed/${i}`);
        },
      };
    }),
  );
}
