// Export: the stored state written out — as manifests a plan on which shows no changes (manifest.ts;
// refused stored values left out with a note, refused-values.ts), into a directory that remembers
// what it wrote (write-dir.ts), or as a decK file for Kong Gateway (deck.ts), whose secret values
// make it a recorded event (deck-record.ts). Every export refuses a missing state.
import { readExistingState } from '../inspect.js';
import type { StateSnapshot } from '../store/types.js';
import { exportDeckRecorded, type DeckExportOptions } from './deck-record.js';
import { exportManifest, exportManifestFiles, withoutUnverified } from './manifest.js';

export type ExportFormat = 'manifest' | 'deck';

/**
 * The stored state as text: one document for stdout, or a set of files (relative path → content)
 * for --out. Manifests hold the managed objects only, so a plan on them shows no changes, unless
 * `includeUnmanaged` (a plan then adopts the others). A decK export is recorded in the history.
 * A missing state is refused: an empty export would read as an empty portal.
 */
export async function exportState(
  format: ExportFormat,
  layout: 'stdout' | 'files',
  options: DeckExportOptions & { includeUnmanaged?: boolean; note?: (message: string) => void } = {},
): Promise<Map<string, string>> {
  if (format === 'deck') return new Map([['kong.yaml', await exportDeckRecorded(options)]]);
  const read = await readExistingState(options);
  const state = options.includeUnmanaged ? verifiedOnly(read, options.note) : managedOnly(read);
  return layout === 'files'
    ? exportManifestFiles(state, options.warn)
    : new Map([['portal.yaml', exportManifest(state, options.warn)]]);
}

/** The developers, applications, credentials and registrations the manifests manage (origin `manifest`). */
export function managedOnly(state: StateSnapshot): StateSnapshot {
  const managed = <T extends { origin: string }>(objects: readonly T[]) =>
    objects.filter((o) => o.origin === 'manifest');
  const developers = state.developers
    .filter((d) => d.origin === 'manifest')
    .map((d) => ({
      ...d,
      credentials: managed(d.credentials),
      applications: managed(d.applications ?? []).map((a) => ({
        ...a,
        credentials: managed(a.credentials),
        registrations: managed(a.registrations),
      })),
    }));
  return { ...state, developers };
}

function verifiedOnly(state: StateSnapshot, note?: (message: string) => void): StateSnapshot {
  const result = withoutUnverified(state);
  if (result.note) note?.(result.note);
  return result.state;
}
