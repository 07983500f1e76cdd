// The self-service engine, as a library (SPEC §7): what `portalform serve` and the pages run on.
import { PortalformError } from '../errors.js';
import type { PortalEngine, PortalEngineOptions } from './contract.js';
import { Engine } from './engine.js';
import { openPortalState } from './state.js';

export * from './contract.js';
export { invite, type Invite, type InviteOptions } from './invite.js';
export { defaultPortalSettings, portalSettingsFromMeta } from '../portal-settings.js';

/**
 * Opens the engine on an existing state. A missing state, or one whose schema is older than the
 * portal needs, is refused with a PortalformError that says to run `apply` (SPEC §4).
 */
export async function openPortal(options: PortalEngineOptions = {}): Promise<PortalEngine> {
  const state = await openPortalState(options, { watch: true });
  try {
    const engine = new Engine(state, options);
    if (state.dialect === 'sqlite') await engine.configureBusyTimeout();
    return engine;
  } catch (error) {
    await state.changes?.close();
    await state.store.close();
    throw error instanceof PortalformError ? error : new PortalformError(String((error as Error)?.message ?? error));
  }
}
