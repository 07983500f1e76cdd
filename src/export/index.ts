import { stateKeyOf, type StateOptions } from '../options.js';
import { readState } from '../inspect.js';
import { Vault } from '../secrets/vault.js';
import { deckYaml, exportDeck } from './deck.js';
import { exportManifest, exportManifestFiles } from './manifest.js';

export type ExportFormat = 'manifest' | 'deck';

/** The stored state as text: one document for stdout, or a set of files (relative path → content) for --out. */
export async function exportState(format: ExportFormat, layout: 'stdout' | 'files', options: StateOptions = {}): Promise<Map<string, string>> {
  const state = await readState(options);
  if (format === 'manifest') {
    return layout === 'files' ? exportManifestFiles(state) : new Map([['portal.yaml', exportManifest(state)]]);
  }
  const vault = state.lineage === null ? Vault.ephemeral() : Vault.open(state.lineage, state.meta, stateKeyOf(options));
  return new Map([['kong.yaml', deckYaml(exportDeck(state, vault))]]);
}
