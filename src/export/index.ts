import { stateKeyOf, type StateOptions } from '../options.js';
import { readState } from '../inspect.js';
import { Vault } from '../secrets/vault.js';
import type { StateSnapshot } from '../store/types.js';
import { deckYaml, exportDeck } from './deck.js';
import { exportManifest, exportManifestFiles } from './manifest.js';

export type ExportFormat = 'manifest' | 'deck';

/**
 * The stored state as text: one document for stdout, or a set of files (relative path → content)
 * for --out. Manifests hold the managed objects only, so a plan on them shows no changes, unless
 * `includeUnmanaged` (a plan then adopts the others).
 */
export async function exportState(
  format: ExportFormat,
  layout: 'stdout' | 'files',
  options: StateOptions & { includeUnmanaged?: boolean } = {},
): Promise<Map<string, string>> {
  const read = await readState(options);
  const state = format === 'manifest' && !options.includeUnmanaged ? managedOnly(read) : read;
  if (format === 'manifest') {
    return layout === 'files' ? exportManifestFiles(state) : new Map([['portal.yaml', exportManifest(state)]]);
  }
  const vault = state.lineage === null ? Vault.ephemeral() : Vault.open(state.lineage, state.meta, stateKeyOf(options));
  return new Map([['kong.yaml', deckYaml(exportDeck(state, vault))]]);
}

/** The developers and credentials the manifests manage (origin `manifest`). */
export function managedOnly(state: StateSnapshot): StateSnapshot {
  const developers = state.developers
    .filter((d) => d.origin === 'manifest')
    .map((d) => ({ ...d, credentials: d.credentials.filter((c) => c.origin === 'manifest') }));
  return { ...state, developers };
}
