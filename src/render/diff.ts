// `plan --format diff`: a unified diff, per changed developer, of its canonical YAML document
// before and after the plan (and first, when they change, of the portal's settings). The documents come from redacted views only (credentialView and the
// plan's Change.after), so no secret value or stored digest can reach the output.
import { formatPatch, OMIT_HEADERS, structuredPatch } from 'diff';
import { stringify } from 'yaml';
import { parseAddress } from '../address.js';
import { credentialsActive } from '../lifecycle.js';
import { developerAddress, type Status } from '../model.js';
import { credentialView, developerView, sortedObject } from '../plan/diff.js';
import { SENSITIVE_CHANGED, type Change, type Plan } from '../plan/types.js';
import { portalSettingsFromMeta } from '../portal-settings.js';
import type { StateSnapshot, StoredCredential, StoredDeveloper } from '../store/types.js';
import { paint } from './color.js';

/** The changes of one developer (its credentials' included), in execution order. */
export interface DeveloperChanges {
  email: string;
  changes: Change[];
}

/** Groups a plan's changes by developer, sorted by email so reviewers find a developer quickly. */
export function changesByDeveloper(changes: readonly Change[]): DeveloperChanges[] {
  const groups = new Map<string, Change[]>();
  for (const change of changes) {
    if (change.kind === 'portal') continue; // not a developer's: see portalDiff
    const { email } = parseAddress(change.address);
    const group = groups.get(email) ?? [];
    group.push(change);
    groups.set(email, group);
  }
  return [...groups.keys()].sort().map((email) => ({ email, changes: groups.get(email)! }));
}

type CredentialDocument = Record<string, unknown>;
type DeveloperDocument = Record<string, unknown> & { credentials: Record<string, CredentialDocument> };

/** Unified diff of every changed developer; empty when the plan changes nothing. */
export function renderPlanDiff(plan: Plan, state: StateSnapshot, color: boolean): string {
  const stored = new Map(state.developers.map((d) => [d.email, d]));
  const lines: string[] = portalDiff(plan.changes, state, color);
  for (const group of changesByDeveloper(plan.changes)) {
    const source = storedSource(group, stored);
    const before = source ? storedDocument(source) : null;
    const after = group.changes.reduce<DeveloperDocument | null>(applyChange, before && structuredClone(before));
    const beforeName = `${developerAddress(source?.email ?? group.email)} (before)`;
    const afterName = `${developerAddress(group.email)} (after)`;
    lines.push(...unifiedDiff(beforeName, afterName, yamlOf(before), yamlOf(after), color));
  }
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}

/** The portal's settings before and after, in full, when the plan changes them. */
function portalDiff(changes: readonly Change[], state: StateSnapshot, color: boolean): string[] {
  const change = changes.find((c) => c.action.do === 'portal.update');
  if (change?.action.do !== 'portal.update') return [];
  const before = yamlOf({ ...portalSettingsFromMeta(state.meta) });
  const after = yamlOf({ ...change.action.settings });
  return unifiedDiff(`${change.address} (before)`, `${change.address} (after)`, before, after, color);
}

/** The stored developer a group starts from: under its old email when the plan moves it. */
function storedSource(group: DeveloperChanges, stored: Map<string, StoredDeveloper>): StoredDeveloper | undefined {
  const move = group.changes.find((c) => c.action.do === 'developer.move')?.action;
  return stored.get(move?.do === 'developer.move' ? move.from : group.email);
}

function storedDocument(developer: StoredDeveloper): DeveloperDocument {
  const credentials = developer.credentials.map((c): [string, CredentialDocument] => [
    credentialKey(c.type, c.identity),
    storedCredentialDocument(c),
  ]);
  return {
    ...developerView(developer),
    ...originEntry(developer.origin),
    credentials: Object.fromEntries(credentials),
  };
}

function storedCredentialDocument(credential: StoredCredential): CredentialDocument {
  // Only the names of the stored secrets are read, never their digests or ciphertexts.
  return {
    ...credentialView(credential.type, credential.fields, Object.keys(credential.secrets), credential.active),
    ...originEntry(credential.origin),
  };
}

/** Objects portalform manages show no origin; others show theirs, so adopting them shows as a change. */
function originEntry(origin: unknown): Record<string, unknown> {
  return origin === 'manifest' || origin === undefined ? {} : { origin };
}

function credentialKey(type: string, identity: string): string {
  return `${type}:${identity}`;
}

/** The developer document after one change; null once deleted. */
function applyChange(document: DeveloperDocument | null, change: Change): DeveloperDocument | null {
  const action = change.action;
  switch (action.do) {
    case 'portal.update':
      return document; // never grouped with a developer's changes
    case 'developer.create':
      return { ...developerView(action.developer), credentials: {} };
    case 'developer.delete':
      return null;
    case 'developer.move':
      return document && { ...document, email: action.to };
    case 'developer.transition':
      return document && transitioned(document, action.to);
    case 'developer.update':
      return document && updated(document, action.set);
    case 'credential.create':
    case 'credential.update':
      return document && withCredential(document, credentialKey(action.type, action.identity), change.after ?? {});
    case 'credential.activation':
      return document; // the transition already flipped it
    case 'tombstone.clear':
      return document; // the developer is already gone; only the record of it goes
    case 'credential.delete':
      return document && withoutCredential(document, credentialKey(action.type, action.identity));
    default:
      return document; // APIs, applications and registrations: the diff format shows them apart
  }
}

/** Credentials are active only while their developer is approved, so a transition flips them all. */
function transitioned(document: DeveloperDocument, status: Status): DeveloperDocument {
  const active = credentialsActive(status);
  const credentials = Object.entries(document.credentials).map(([key, credential]) => [key, { ...credential, active }]);
  return { ...document, status, credentials: Object.fromEntries(credentials) };
}

function updated(
  document: DeveloperDocument,
  set: Extract<Change['action'], { do: 'developer.update' }>['set'],
): DeveloperDocument {
  const { adopt, release, ...attributes } = set;
  const next: DeveloperDocument = { ...document, ...attributes };
  if (attributes.meta) next.meta = sortedObject(attributes.meta);
  if (adopt) delete next.origin;
  if (release) next.origin = 'released';
  return next;
}

function withCredential(document: DeveloperDocument, key: string, view: Record<string, unknown>): DeveloperDocument {
  const previous = document.credentials[key] ?? {};
  const { origin, ...attributes } = view;
  const next: CredentialDocument = { ...attributes, ...originEntry(origin) };
  // A secret changed by an earlier step (a swap's first update) stays marked as changed.
  for (const [field, value] of Object.entries(previous))
    if (value === SENSITIVE_CHANGED && field in next) next[field] = SENSITIVE_CHANGED;
  return { ...document, credentials: { ...document.credentials, [key]: next } };
}

function withoutCredential(document: DeveloperDocument, key: string): DeveloperDocument {
  const { [key]: _removed, ...credentials } = document.credentials;
  return { ...document, credentials };
}

function yamlOf(document: Record<string, unknown> | null): string {
  return document ? stringify(document, { sortMapEntries: true, lineWidth: 0 }) : '';
}

function unifiedDiff(beforeName: string, afterName: string, before: string, after: string, color: boolean): string[] {
  const patch = structuredPatch(beforeName, afterName, before, after, undefined, undefined, { context: 3 });
  if (patch.hunks.length === 0) return [];
  const body = formatPatch(patch, OMIT_HEADERS).replace(/\n$/, '').split('\n');
  return [
    paint(`--- ${beforeName}`, 'bold', color),
    paint(`+++ ${afterName}`, 'bold', color),
    ...body.map((line) => colorLine(line, color)),
  ];
}

function colorLine(line: string, color: boolean): string {
  if (line.startsWith('@@')) return paint(line, 'cyan', color);
  if (line.startsWith('+')) return paint(line, 'green', color);
  if (line.startsWith('-')) return paint(line, 'red', color);
  return line;
}
