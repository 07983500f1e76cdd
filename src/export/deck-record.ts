// A decK export hands out secret values, so, like `secret reveal`, it leaves a trace: an entry of
// kind `export` in the history (docs/cli.md) saying who exported what (counts and format, never a
// value). The entry is written, in the state's lock, before the file is returned to be written.
import { hostname } from 'node:os';
import { actorOf, stateKeyOf, storeOf, userName, type StateOptions } from '../options.js';
import { appendEntry } from '../history.js';
import { noStateError } from '../inspect.js';
import { Vault } from '../secrets/vault.js';
import type { StateSnapshot } from '../store/types.js';
import { deckContents, deckYaml, exportDeck } from './deck.js';

export interface DeckExportOptions extends StateOptions {
  actor?: string;
  lockTimeoutMs?: number;
  /** Hears which credentials were left out of the file, and why. */
  warn?: (message: string) => void;
}

/** The decK file of the stored state; recorded in the history when it holds any secret value. */
export async function exportDeckRecorded(options: DeckExportOptions = {}): Promise<string> {
  const store = storeOf(options);
  try {
    const unlocked = await store.read();
    if (unlocked.lineage === null) throw noStateError(store.display);
    if (deckContents(unlocked).secrets === 0) return deckOf(unlocked, options);
    const holder = { user: userName(), host: hostname(), pid: process.pid, operation: 'export' };
    return await store.withWriteSession(
      holder,
      options.lockTimeoutMs ?? 0,
      () => undefined,
      async (session) => {
        const state = await session.read();
        const text = deckOf(state, options); // refuses, recording nothing, when a secret cannot be read
        const contents = deckContents(state);
        if (contents.secrets > 0) {
          await session.transaction(async (writer) => {
            const entry = {
              kind: 'export',
              serial: state.serial,
              at: new Date().toISOString(),
              actor: actorOf(options),
              format: 'deck',
              ...contents,
            };
            await appendEntry(writer, 'events', entry);
          });
        }
        return text;
      },
    );
  } finally {
    await store.close();
  }
}

function deckOf(state: StateSnapshot, options: DeckExportOptions): string {
  const vault = state.lineage === null ? Vault.ephemeral() : Vault.open(state.lineage, state.meta, stateKeyOf(options));
  return deckYaml(exportDeck(state, vault, options.warn));
}
