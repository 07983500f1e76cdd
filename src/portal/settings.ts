// The portal's settings (SPEC §6): their defaults, and how the state keeps them. apply writes
// them to the state's meta under PORTAL_SETTINGS_KEY as JSON; the service reads them from there.
import { CREDENTIAL_TYPES, type CredentialType } from '../model.js';
import type { PortalSettings } from './contract.js';

/** The meta key under which apply stores the settings. Absent: the defaults. */
export const PORTAL_SETTINGS_KEY = 'portal_settings';

export const DEFAULT_MAX_CREDENTIALS = 20;

/** The settings of a manifest set without a `portal:` block, or of a block that omits a field. */
export function defaultPortalSettings(credentialTypes: readonly CredentialType[] = CREDENTIAL_TYPES): PortalSettings {
  return {
    credentialTypes: [...credentialTypes],
    autoApprove: false,
    allowShortKeys: false,
    selfService: {
      enabled: true,
      // acl is group membership, an authorization decision made in manifests only.
      credentialTypes: credentialTypes.filter((type) => type !== 'acl'),
      maxCredentials: DEFAULT_MAX_CREDENTIALS,
    },
  };
}

/** The settings a state holds (its meta), the defaults when apply never stored any. */
export function portalSettingsFromMeta(meta: Record<string, string>): PortalSettings {
  const stored = meta[PORTAL_SETTINGS_KEY];
  if (stored === undefined) return defaultPortalSettings();
  const parsed = JSON.parse(stored) as Partial<PortalSettings>;
  const defaults = defaultPortalSettings(parsed.credentialTypes ?? CREDENTIAL_TYPES);
  return {
    ...defaults,
    ...parsed,
    selfService: { ...defaults.selfService, ...parsed.selfService },
  };
}

/** What apply writes: canonical (fixed key order), so an unchanged block compares equal. */
export function portalSettingsToMeta(settings: PortalSettings): Record<string, string> {
  const canonical: PortalSettings = {
    credentialTypes: CREDENTIAL_TYPES.filter((type) => settings.credentialTypes.includes(type)),
    autoApprove: settings.autoApprove,
    allowShortKeys: settings.allowShortKeys,
    selfService: {
      enabled: settings.selfService.enabled,
      credentialTypes: CREDENTIAL_TYPES.filter((type) => settings.selfService.credentialTypes.includes(type)),
      maxCredentials: settings.selfService.maxCredentials,
    },
  };
  return { [PORTAL_SETTINGS_KEY]: JSON.stringify(canonical) };
}
