import { readState } from '../inspect.js';
import { exportDeckRecorded, type DeckExportOptions } from './deck-record.js';
import { exportManifest, exportManifestFiles } from './manifest.js';

export type ExportFormat = 'manifest' | 'deck';

/** The stored state as text: one document for stdout, or a set of files (relative path → content) for --out. */
export async function exportState(format: ExportFormat, layout: 'stdout' | 'files', options: DeckExportOptions = {}): Promise<Map<string, string>> {
  if (format === 'deck') return new Map([['kong.yaml', await exportDeckRecorded(options)]]); // recorded in the history
  const state = await readState(options);
  return layout === 'files' ? exportManifestFiles(state) : new Map([['portal.yaml', exportManifest(state)]]);
}
