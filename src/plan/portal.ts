// The plan step of the portal's settings (docs/portal-service.md#settings): one `update` of address `portal` when the
// manifests' settings differ from the stored ones, showing only the fields that change.
import type { PortalSettings } from '../model.js';
import { completePortalSettings } from '../portal-settings.js';
import type { Change } from './types.js';

export const PORTAL_ADDRESS = 'portal';

export function portalChange(desired: PortalSettings, stored: PortalSettings): Change | undefined {
  const after = flatten(completePortalSettings(desired));
  const before = flatten(completePortalSettings(stored));
  const changed = Object.keys(after).filter((field) => JSON.stringify(after[field]) !== JSON.stringify(before[field]));
  if (changed.length === 0) return undefined;
  return {
    address: PORTAL_ADDRESS,
    kind: 'portal',
    op: 'update',
    before: nested(Object.fromEntries(changed.map((field) => [field, before[field]]))),
    after: nested(Object.fromEntries(changed.map((field) => [field, after[field]]))),
    action: { do: 'portal.update', settings: completePortalSettings(desired) },
  };
}

/** `{ selfService: { enabled } }` → `{ 'selfService.enabled' }`, so that a change names the nested field, not the whole block. */
function flatten(settings: PortalSettings): Record<string, unknown> {
  const { selfService, ...top } = settings;
  return {
    ...top,
    ...Object.fromEntries(Object.entries(selfService).map(([field, value]) => [`selfService.${field}`, value])),
  };
}

function nested(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(fields)) {
    const [head, tail] = field.split('.') as [string, string | undefined];
    if (tail === undefined) out[head] = value;
    else ((out[head] ??= {}) as Record<string, unknown>)[tail] = value;
  }
  return out;
}
