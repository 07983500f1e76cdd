// The self-service engine, as a library (docs/portal-service.md): what `portalform serve` and the pages run on.
import { PortalformError } from '../errors.js';
import type { PortalEngine, PortalEngineOptions } from './contract.js';
import { SelfServiceEngine } from './self-service-engine.js';
import { openPortalState } from './state-access.js';

export * from './contract.js';
export { invite, type Invite, type InviteOptions } from './invite.js';
export { defaultPortalSettings, portalSettingsFromMeta } from '../portal-settings.js';

/**
 * Opens the engine on an existing state. A missing state, or one whose schema is older than the
 * portal needs, is refused with a PortalformError that says to run `apply`.
 */
export async function openPortal(options: PortalEngineOptions = {}): Promise<PortalEngine> {
  const state = await openPortalState(options, { watch: true });
  try {
    const engine = new SelfServiceEngine(state, options);
    await engine.configureBusyTimeout();
    return engine;
  } catch (error) {
    await state.changes?.close();
    await state.store.close();
    throw error instanceof PortalformError ? error : new PortalformError(String((error as Error)?.message ?? error));
  }
}
