// The library API: `import { plan, apply } from 'portalform'`.
export { apply, forceUnlock, load, makePlan, plan, planWithState } from './engine.js';
export { exportState } from './export/index.js';
export { renderPlanMarkdown } from './render/markdown.js';
export { renderPlanDiff } from './render/diff.js';
export type { ApplyOptions, ApplyResult, PlanOptions, StateOptions } from './engine.js';
export { history, listState, readState, verifyHistory } from './inspect.js';
export { loadManifests, formatDiagnostic } from './manifest/index.js';
export { PortalformError, LockHeldError, StalePlanError } from './errors.js';
export { planJson } from './plan/json.js';
export { readPlanFile, writePlanFile } from './plan/planfile.js';
export { renderPlanText } from './render/text.js';
export { transitionPath, EDGES } from './lifecycle.js';
export type { Plan, Change, Summary } from './plan/types.js';
export type * from './model.js';
export { revealSecret, verifyCredential } from './secrets/access.js';
export { openPortal, invite, PortalError } from './portal/index.js';
export type { PortalEngine, PortalEngineOptions, PortalSettings, Account, Session, SessionGrant, PublicCredential, CredentialWithSecrets, Invite, InviteOptions } from './portal/index.js';
