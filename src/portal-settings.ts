// The portal's settings (docs/portal-service.md#settings): their defaults, and how the state keeps them. apply writes
// them to the state's meta under PORTAL_SETTINGS_KEY as JSON; the service reads them from there.
import { PortalformError } from './errors.js';
import { ACCESS_CREDENTIAL_TYPES, ACCESS_DEFAULTS, CREDENTIAL_TYPES, type CredentialType } from './model.js';
import type { AccessCredentialType, AccessSettings, PortalSettings } from './model.js';

/** The meta key under which apply stores the settings. Absent: the defaults. */
export const PORTAL_SETTINGS_KEY = 'portal_settings';

export const DEFAULT_MAX_CREDENTIALS = 20;
export const DEFAULT_MAX_APPLICATIONS = 10;
/** The schema's bound on `selfService.maxCredentials`. */
export const MAX_MAX_CREDENTIALS = 1000;

/** Settings as a manifest's `portal:` block writes them: any field may be left out. */
export interface GivenPortalSettings {
  credentialTypes?: readonly CredentialType[];
  autoApprove?: boolean;
  allowShortKeys?: boolean;
  autoApproveRegistrations?: boolean;
  selfService?: {
    enabled?: boolean;
    credentialTypes?: readonly CredentialType[];
    maxCredentials?: number;
    maxApplications?: number;
  };
  access?: { keyNames?: readonly string[]; credentialTypes?: readonly AccessCredentialType[] };
}

/** The settings of a manifest set without a `portal:` block, or of a block that omits a field. */
export function defaultPortalSettings(credentialTypes: readonly CredentialType[] = CREDENTIAL_TYPES): PortalSettings {
  return completePortalSettings({ credentialTypes });
}

/**
 * The given settings with every omitted field at its default, in canonical form (types in the
 * order of CREDENTIAL_TYPES), so that equal settings compare and serialize equal.
 */
export function completePortalSettings(given: GivenPortalSettings = {}): PortalSettings {
  const credentialTypes = canonicalTypes(given.credentialTypes ?? CREDENTIAL_TYPES);
  return {
    credentialTypes,
    autoApprove: given.autoApprove ?? false,
    allowShortKeys: given.allowShortKeys ?? false,
    selfService: {
      enabled: given.selfService?.enabled ?? true,
      // acl is group membership, an authorization decision made in manifests only.
      credentialTypes: canonicalTypes(
        given.selfService?.credentialTypes ?? credentialTypes.filter((type) => type !== 'acl'),
      ),
      maxCredentials: given.selfService?.maxCredentials ?? DEFAULT_MAX_CREDENTIALS,
      maxApplications: given.selfService?.maxApplications ?? DEFAULT_MAX_APPLICATIONS,
    },
    autoApproveRegistrations: given.autoApproveRegistrations ?? false,
    // Written only when given, so a state whose settings predate access checks compares equal.
    ...(given.access ? { access: completeAccess(given.access) } : {}),
  };
}

function completeAccess(given: NonNullable<GivenPortalSettings['access']>): AccessSettings {
  return {
    keyNames: [...(given.keyNames ?? ACCESS_DEFAULTS.keyNames)],
    // The order is the precedence of a check: kept as given.
    credentialTypes: [...(given.credentialTypes ?? ACCESS_DEFAULTS.credentialTypes)],
  };
}

/** What access checks read (docs/access-checks.md): the settings' `access`, else the defaults. */
export function accessSettingsOf(settings: PortalSettings): AccessSettings {
  return settings.access ?? ACCESS_DEFAULTS;
}

function canonicalTypes(types: readonly CredentialType[]): CredentialType[] {
  return CREDENTIAL_TYPES.filter((type) => types.includes(type));
}

/** The settings a state holds (its meta), the defaults when apply never stored any. */
export function portalSettingsFromMeta(meta: Record<string, string>): PortalSettings {
  const stored = meta[PORTAL_SETTINGS_KEY];
  if (stored === undefined) return defaultPortalSettings();
  let parsed: unknown;
  try {
    parsed = JSON.parse(stored);
  } catch {
    parsed = undefined;
  }
  const problem = portalSettingsProblem(parsed);
  if (problem)
    throw new PortalformError(
      `the state's portal settings (meta ${PORTAL_SETTINGS_KEY}) are damaged: ${problem}; apply the manifests again to rewrite them`,
    );
  return completePortalSettings(parsed as GivenPortalSettings);
}

/** What apply writes: canonical (fixed key order), so an unchanged block compares equal. */
export function portalSettingsToMeta(settings: PortalSettings): Record<string, string> {
  return { [PORTAL_SETTINGS_KEY]: JSON.stringify(completePortalSettings(settings)) };
}

/**
 * Why a value is not settings the manifests could have declared (docs/portal-service.md#settings), or undefined when it
 * is: what apply re-checks in a saved plan and in what it reads back from the state.
 */
export function portalSettingsProblem(value: unknown): string | undefined {
  if (!isRecord(value)) return 'not a mapping';
  const { credentialTypes, autoApprove, allowShortKeys, selfService } = value;
  if (credentialTypes !== undefined && !isTypeList(credentialTypes))
    return 'credentialTypes is not a list of distinct credential types';
  if (autoApprove !== undefined && typeof autoApprove !== 'boolean') return 'autoApprove is not a boolean';
  if (allowShortKeys !== undefined && typeof allowShortKeys !== 'boolean') return 'allowShortKeys is not a boolean';
  const { autoApproveRegistrations } = value;
  if (autoApproveRegistrations !== undefined && typeof autoApproveRegistrations !== 'boolean')
    return 'autoApproveRegistrations is not a boolean';
  const accessProblem = accessSettingsProblem(value.access);
  if (accessProblem) return accessProblem;
  if (selfService === undefined) return undefined;
  if (!isRecord(selfService)) return 'selfService is not a mapping';
  if (selfService.enabled !== undefined && typeof selfService.enabled !== 'boolean')
    return 'selfService.enabled is not a boolean';
  const max = selfService.maxCredentials;
  if (max !== undefined && !(Number.isInteger(max) && (max as number) >= 0 && (max as number) <= MAX_MAX_CREDENTIALS)) {
    return `selfService.maxCredentials is not an integer from 0 to ${MAX_MAX_CREDENTIALS}`;
  }
  const maxApplications = selfService.maxApplications;
  if (
    maxApplications !== undefined &&
    !(
      Number.isInteger(maxApplications) &&
      (maxApplications as number) >= 0 &&
      (maxApplications as number) <= MAX_MAX_CREDENTIALS
    )
  ) {
    return `selfService.maxApplications is not an integer from 0 to ${MAX_MAX_CREDENTIALS}`;
  }
  const selfTypes = selfService.credentialTypes;
  if (selfTypes === undefined) return undefined;
  if (!isTypeList(selfTypes)) return 'selfService.credentialTypes is not a list of distinct credential types';
  if (selfTypes.includes('acl')) return 'selfService.credentialTypes holds acl, which is never self-service';
  const enabled = (credentialTypes as CredentialType[] | undefined) ?? CREDENTIAL_TYPES;
  const extra = selfTypes.find((type) => !enabled.includes(type));
  return extra ? `selfService.credentialTypes holds ${extra}, which credentialTypes does not enable` : undefined;
}

function accessSettingsProblem(access: unknown): string | undefined {
  if (access === undefined) return undefined;
  if (!isRecord(access)) return 'access is not a mapping';
  const { keyNames, credentialTypes } = access;
  const names = Array.isArray(keyNames) ? keyNames : [];
  if (
    keyNames !== undefined &&
    (names.length === 0 ||
      new Set(names).size !== names.length ||
      !names.every((name) => typeof name === 'string' && /^[A-Za-z0-9_.-]{1,64}$/.test(name)))
  )
    return 'access.keyNames is not a list of distinct header names';
  const types = Array.isArray(credentialTypes) ? credentialTypes : [];
  if (
    credentialTypes !== undefined &&
    (types.length === 0 ||
      new Set(types).size !== types.length ||
      !types.every((type) => (ACCESS_CREDENTIAL_TYPES as readonly unknown[]).includes(type)))
  )
    return 'access.credentialTypes is not a list of distinct key-auth, basic-auth, hmac-auth and jwt';
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isTypeList(value: unknown): value is CredentialType[] {
  return (
    Array.isArray(value) &&
    new Set(value).size === value.length &&
    value.every((type) => CREDENTIAL_TYPES.includes(type))
  );
}
