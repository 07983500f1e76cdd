// The library API: `import { plan, apply } from 'portalform'`.
//
// Errors are reported one way: every function throws a PortalformError (LockHeldError and
// StalePlanError are kinds of it) whose `message` is one readable sentence and whose
// `diagnostics` list each located problem — manifest errors, illegal transitions, unknown
// addresses alike. A Plan that `plan()` returns has no errors, and is sealed: `apply({ plan })`
// applies exactly it (or a saved plan file, `apply({ plan: 'portal.plan' })`), never a new plan.
export { apply, forceUnlock, load, makePlan, plan, planWithState } from './engine.js';
export type { ApplyResult } from './engine.js';
export type { PlanOptions, StateOptions } from './options.js';
export type { ApplyOptions } from './apply/options.js';
export { exportState } from './export/index.js';
export type { ExportFormat } from './export/index.js';
export { renderPlanMarkdown } from './render/markdown.js';
export type { MarkdownOptions } from './render/markdown.js';
export { renderPlanDiff } from './render/diff.js';
export { history, listState, readState, verifyHistory } from './inspect.js';
export type { HistoryListing, StateListing } from './inspect.js';
export type { HistoryEntry, VerifyResult } from './history.js';
export { loadManifests, formatDiagnostic } from './manifest/index.js';
export type { LoadOptions, LoadResult } from './manifest/index.js';
export { PortalformError, LockHeldError, StalePlanError } from './errors.js';
export { planJson } from './plan/json.js';
export type { PublicChange } from './plan/json.js';
export { readPlanFile, writePlanFile } from './plan/planfile.js';
export { renderPlanText } from './render/text.js';
export { transitionPath, EDGES } from './lifecycle.js';
export type { Edge, PathResult, TransitionOp } from './lifecycle.js';
export type { Plan, Change, Summary, PlanSeal } from './plan/types.js';
export type {
  LockHolder,
  LockInfo,
  StateSnapshot,
  StoredCredential,
  StoredDeveloper,
  StoredSecret,
} from './store/types.js';
export type { Vault } from './secrets/vault.js';
export type * from './model.js';
export { revealSecret, verifyCredential } from './secrets/access.js';
export type { RevealOptions, VerifyCredentialOptions } from './secrets/access.js';
export { openPortal, invite, PortalError } from './portal/index.js';
export type {
  PortalEngine,
  PortalEngineOptions,
  PortalSettings,
  Account,
  Session,
  SessionGrant,
  PublicCredential,
  CredentialWithSecrets,
  Invite,
  InviteOptions,
} from './portal/index.js';
