// `plan --format diff`: a unified diff, per changed developer, of its canonical YAML document (its
// applications included) before and after the plan (and first, when they change, of the portal's
// settings and of each changed API). The documents come from redacted views only (credentialView and the
// plan's Change.after), so no secret value or stored digest can reach the output.
import { formatPatch, OMIT_HEADERS, structuredPatch } from 'diff';
import { stringify } from 'yaml';
import { credentialsActive } from '../lifecycle.js';
import { apiAddress, developerAddress, type Status } from '../model.js';
import { changesByApi, changesByDeveloper, type DeveloperChanges } from './change-groups.js';
import {
  apiDocument,
  applyApiChange,
  applyApplicationChange,
  originEntry,
  storedApplicationDocument,
  type ApplicationDocument,
} from './diff-applications.js';
import { credentialView, developerView, sortedObject } from '../plan/diff.js';
import { SENSITIVE_CHANGED, type Change, type Plan } from '../plan/types.js';
import { portalSettingsFromMeta } from '../portal-settings.js';
import type { StateSnapshot, StoredCredential, StoredDeveloper } from '../store/types.js';
import { paint } from './color.js';

export { changesByDeveloper, type DeveloperChanges } from './change-groups.js';

type CredentialDocument = Record<string, unknown>;
type DeveloperDocument = Record<string, unknown> & {
  credentials: Record<string, CredentialDocument>;
  applications?: Record<string, ApplicationDocument>;
};

/** Unified diff of every changed developer; empty when the plan changes nothing. */
export function renderPlanDiff(plan: Plan, state: StateSnapshot, color: boolean): string {
  const stored = new Map(state.developers.map((d) => [d.email, d]));
  const lines: string[] = [...portalDiff(plan.changes, state, color), ...apiDiffs(plan.changes, state, color)];
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

/** Each changed API's document before and after. */
function apiDiffs(changes: readonly Change[], state: StateSnapshot, color: boolean): string[] {
  const stored = new Map((state.apis ?? []).map((api) => [api.name, api]));
  return changesByApi(changes).flatMap((group) => {
    const move = group.changes.find((c) => c.action.do === 'api.move')?.action;
    const source = stored.get(move?.do === 'api.move' ? move.from : group.name);
    const before = source ? apiDocument(source) : null;
    const after = group.changes.reduce<Record<string, unknown> | null>(
      applyApiChange,
      before && structuredClone(before),
    );
    const beforeName = `${apiAddress(source?.name ?? group.name)} (before)`;
    return unifiedDiff(beforeName, `${apiAddress(group.name)} (after)`, yamlOf(before), yamlOf(after), color);
  });
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
  const applications = (developer.applications ?? []).map((a): [string, ApplicationDocument] => [
    a.name,
    storedApplicationDocument(a),
  ]);
  return {
    ...developerView(developer),
    ...originEntry(developer.origin),
    credentials: Object.fromEntries(credentials),
    ...(applications.length > 0 ? { applications: Object.fromEntries(applications) } : {}),
  };
}

function storedCredentialDocument(credential: StoredCredential): CredentialDocument {
  // Only the names of the stored secrets are read, never their digests or ciphertexts.
  return {
    ...credentialView(credential.type, credential.fields, Object.keys(credential.secrets), credential.active),
    ...originEntry(credential.origin),
  };
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
      if (action.application !== undefined) return document && inApplication(document, action.application, change);
      return document && withCredential(document, credentialKey(action.type, action.identity), change.after ?? {});
    case 'credential.activation':
      return document; // the transition already flipped it
    case 'tombstone.clear':
      return document; // the developer is already gone; only the record of it goes
    case 'credential.delete':
      if (action.application !== undefined) return document && inApplication(document, action.application, change);
      return document && withoutCredential(document, credentialKey(action.type, action.identity));
    default:
      return document && withApplications(document, applyApplicationChange(document.applications ?? {}, change));
  }
}

/** A change of one of an application's credentials, made to that application's document. */
function inApplication(document: DeveloperDocument, name: string, change: Change): DeveloperDocument {
  const application = document.applications?.[name];
  const action = change.action;
  if (
    !application ||
    (action.do !== 'credential.delete' && action.do !== 'credential.create' && action.do !== 'credential.update')
  )
    return document;
  const key = credentialKey(action.type, action.identity);
  const owner = { credentials: application.credentials };
  const next =
    action.do === 'credential.delete' ? withoutCredential(owner, key) : withCredential(owner, key, change.after ?? {});
  return withApplications(document, {
    ...document.applications,
    [name]: { ...application, credentials: next.credentials },
  });
}

function withApplications(
  document: DeveloperDocument,
  applications: Record<string, ApplicationDocument>,
): DeveloperDocument {
  const { applications: _previous, ...rest } = document;
  return Object.keys(applications).length > 0 ? { ...rest, applications } : rest;
}

/** Credentials are active only while their developer is approved, so a transition flips them all. */
function transitioned(document: DeveloperDocument, status: Status): DeveloperDocument {
  const active = credentialsActive(status);
  const flip = (credentials: Record<string, CredentialDocument>) =>
    Object.fromEntries(Object.entries(credentials).map(([key, credential]) => [key, { ...credential, active }]));
  const applications = Object.entries(document.applications ?? {}).map(([name, application]) => [
    name,
    { ...application, credentials: flip(application.credentials) },
  ]);
  return withApplications(
    { ...document, status, credentials: flip(document.credentials) },
    Object.fromEntries(applications),
  );
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

function withCredential<T extends { credentials: Record<string, CredentialDocument> }>(
  document: T,
  key: string,
  view: Record<string, unknown>,
): T {
  const previous = document.credentials[key] ?? {};
  const { origin, ...attributes } = view;
  const next: CredentialDocument = { ...attributes, ...originEntry(origin) };
  // A secret changed by an earlier step (a swap's first update) stays marked as changed.
  for (const [field, value] of Object.entries(previous))
    if (value === SENSITIVE_CHANGED && field in next) next[field] = SENSITIVE_CHANGED;
  return { ...document, credentials: { ...document.credentials, [key]: next } };
}

function withoutCredential<T extends { credentials: Record<string, CredentialDocument> }>(document: T, key: string): T {
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
