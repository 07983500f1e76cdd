import {
  CREDENTIAL_SPECS,
  credentialAddress,
  developerAddress,
  type CredentialType,
  type Diagnostic,
} from '../model.js';
import type { StateSnapshot, StoredCredential, StoredDeveloper } from '../store/types.js';
import { ownedBy } from './changes.js';
import type { Action, Change } from './types.js';
import { escapeForMessage, quoteForMessage } from '../util/strings.js';

/** docs/manifests.md#plan-order's execution order. */
const PHASES: Record<Action['do'], number> = {
  // Before everything: the settings are what the rest of the plan is checked against.
  'portal.update': -1,
  'credential.delete': 0,
  'registration.delete': 0,
  'application.delete': 1,
  'developer.delete': 2,
  // Before the developer is created anew (--replace).
  'tombstone.clear': 2,
  'api.delete': 3,
  'developer.move': 4,
  'application.move': 4,
  'api.move': 4,
  'api.create': 5,
  'api.update': 5,
  'developer.create': 6,
  'developer.transition': 7,
  'credential.activation': 7,
  'developer.update': 8,
  'application.create': 9,
  'application.update': 9,
  'credential.create': 10,
  'credential.update': 10,
  'registration.create': 11,
  'registration.update': 11,
  'registration.transition': 11,
};

interface Claims {
  takes: string[];
  frees: string[];
}

/**
 * Puts changes in execution order: by phase, and within that so that a unique value moving
 * between objects is freed before it is taken. A swap (a cycle) is broken by an extra update
 * that first clears one of the values.
 */
export function orderChanges(changes: Change[], state: StateSnapshot): Change[] {
  const sorted = changes
    .map((change, index) => ({ change, index }))
    .sort((a, b) => PHASES[a.change.action.do] - PHASES[b.change.action.do] || a.index - b.index)
    .map((entry) => entry.change);
  const storedUnique = storedUniqueValues(state, sorted);
  const claims = sorted.map((change) => claimsOf(change, storedUnique));

  const freedBy = new Map<string, number>();
  for (const [i, c] of claims.entries()) for (const value of c.frees) freedBy.set(value, i);
  const waitsFor = sorted.map(() => new Set<number>());
  const dependents = sorted.map(() => [] as number[]);
  claims.forEach((c, taker) => {
    for (const value of c.takes) {
      const freer = freedBy.get(value);
      if (freer !== undefined && freer !== taker) {
        waitsFor[taker]!.add(freer);
        dependents[freer]!.push(taker);
      }
    }
  });
  if (waitsFor.every((w) => w.size === 0)) return sorted;
  return scheduleWithDependencies(sorted, waitsFor, dependents, claims);
}

function scheduleWithDependencies(
  sorted: Change[],
  waitsFor: Set<number>[],
  dependents: number[][],
  claims: Claims[],
): Change[] {
  const out: Change[] = [];
  const ready = new MinHeap();
  const done = new Set<number>();
  for (let i = 0; i < sorted.length; i++) if (waitsFor[i]!.size === 0) ready.push(i);
  const release = (freer: number) => {
    for (const taker of dependents[freer]!) {
      waitsFor[taker]!.delete(freer);
      if (waitsFor[taker]!.size === 0 && !done.has(taker)) ready.push(taker);
    }
    dependents[freer] = [];
  };
  while (done.size < sorted.length) {
    const next = ready.pop();
    if (next === undefined) {
      // Only a cycle of updates can stall: clear one value to let the others through.
      const breaker = sorted.findIndex(
        (_, i) => !done.has(i) && dependents[i]!.length > 0 && claims[i]!.frees.length > 0,
      );
      if (breaker < 0) throw new Error('internal error: unbreakable ordering cycle');
      out.push(clearingUpdate(sorted[breaker]!));
      release(breaker);
      continue;
    }
    done.add(next);
    out.push(sorted[next]!);
    release(next);
  }
  return out;
}

function clearingUpdate(change: Change): Change {
  const action = change.action;
  if (action.do === 'developer.update') {
    return {
      address: change.address,
      kind: 'developer',
      op: 'update',
      before: { customId: change.before?.customId ?? null },
      after: { customId: null },
      action: { do: 'developer.update', email: action.email, set: { customId: null } },
    };
  }
  if (action.do === 'credential.update') {
    const field = CREDENTIAL_SPECS[action.type].uniqueField!;
    return {
      address: change.address,
      kind: 'credential',
      op: 'update',
      before: { [field]: change.before?.[field] },
      after: { [field]: '(cleared to free it for another credential)' },
      action: {
        do: 'credential.update',
        email: action.email,
        ...ownedBy(action.application),
        type: action.type,
        identity: action.identity,
        clearUnique: true,
      },
    };
  }
  throw new Error(`internal error: cannot break an ordering cycle at ${change.address}`);
}

/**
 * Unique values the plan takes that stay held by a stored object the plan does not free (one the
 * manifests do not manage, such as a self-service developer): apply could only fail on them.
 */
export function uniqueConflicts(changes: Change[], state: StateSnapshot): Diagnostic[] {
  const stored = storedUniqueValues(state, changes); // once: per change it would make the check quadratic
  const claims = changes.map((change) => claimsOf(change, stored));
  const taken = new Set(claims.flatMap((c) => c.takes));
  if (taken.size === 0) return [];
  const freed = new Set(claims.flatMap((c) => c.frees));
  // Addresses only of the holders of values some change takes: the state can be large.
  const holders = new Map<string, string>();
  for (const developer of state.developers) {
    if (developer.customId !== null && taken.has(`customId:${developer.customId}`))
      holders.set(`customId:${developer.customId}`, developerAddress(developer.email));
    for (const { credential: c, application } of everyCredential(developer)) {
      if (c.uniqueValue !== null && taken.has(`${c.type}:${c.uniqueValue}`))
        holders.set(`${c.type}:${c.uniqueValue}`, credentialAddress(developer.email, c.type, c.identity, application));
    }
  }
  const errors: Diagnostic[] = [];
  changes.forEach((change, i) => {
    for (const value of claims[i]!.takes) {
      const holder = holders.get(value);
      if (holder && holder !== change.address && !freed.has(value)) {
        const address = escapeForMessage(change.address);
        // A secret value's holder is never named: the error would tell a pull request whose secret it guessed.
        const message = isSecretClaim(value)
          ? `${address} takes a ${describeClaim(value)} that is already in use; it must be unique across the portal: ` +
            `give another value, or omit it to have one generated`
          : `${address} takes a unique ${describeClaim(value)} that ${escapeForMessage(holder)} holds, and the ` +
            `manifests do not manage ${escapeForMessage(holder)}: declare it in a manifest to adopt it, or choose ` +
            `another value`;
        errors.push({ severity: 'error', message });
      }
    }
  });
  return errors;
}

function isSecretClaim(value: string): boolean {
  const kind = value.slice(0, value.indexOf(':'));
  if (kind === 'customId') return false;
  const spec = CREDENTIAL_SPECS[kind as CredentialType];
  return spec.secretFields.includes(spec.uniqueField!);
}

function describeClaim(value: string): string {
  const [kind, ...rest] = value.split(':');
  if (kind === 'customId') return `customId ${quoteForMessage(rest.join(':'), 'double')}`;
  const field = CREDENTIAL_SPECS[kind as CredentialType].uniqueField!;
  return isSecretClaim(value) ? `${kind} ${field}` : `${kind} ${field} ${quoteForMessage(rest.join(':'), 'double')}`;
}

/** A developer's own credentials and its applications' (a unique value is unique across all owners). */
function* everyCredential(
  developer: StoredDeveloper,
): Generator<{ credential: StoredCredential; application?: string }> {
  for (const credential of developer.credentials) yield { credential };
  for (const application of developer.applications ?? [])
    for (const credential of application.credentials) yield { credential, application: application.name };
}

/**
 * Stored unique values by credential key, including the addresses developers and applications are
 * moved to (steps name them by their new names).
 */
function storedUniqueValues(state: StateSnapshot, changes: Change[]): Map<string, string> {
  const movedTo = new Map<string, string>();
  const applicationMovedTo = new Map<string, string>();
  for (const { action } of changes) {
    if (action.do === 'developer.move') movedTo.set(action.from, action.to);
    if (action.do === 'application.move') applicationMovedTo.set(`${action.email}\0${action.from}`, action.to);
  }
  // Only changes that delete or update a credential free its stored value: look up only their developers.
  const concerned = new Set<string>();
  for (const c of changes)
    if (c.action.do === 'credential.delete' || c.action.do === 'credential.update') concerned.add(c.action.email);
  const values = new Map<string, string>();
  if (concerned.size === 0) return values;
  for (const developer of state.developers) {
    const emails = [developer.email, movedTo.get(developer.email)].filter((e): e is string => e !== undefined);
    if (!emails.some((email) => concerned.has(email))) continue;
    for (const { credential, application } of everyCredential(developer)) {
      if (credential.uniqueValue === null) continue;
      for (const email of emails) {
        const renamed = application === undefined ? undefined : applicationMovedTo.get(`${email}\0${application}`);
        for (const name of renamed === undefined ? [application] : [application, renamed])
          values.set(credentialKey(email, credential.type, credential.identity, name), credential.uniqueValue);
      }
    }
  }
  return values;
}

function claimsOf(change: Change, storedUnique: Map<string, string>): Claims {
  const action = change.action;
  const customId = (value: unknown) => (typeof value === 'string' ? [`customId:${value}`] : []);
  switch (action.do) {
    case 'developer.create':
      return { takes: customId(action.developer.customId), frees: [] };
    case 'developer.delete':
      return { takes: [], frees: customId(change.before?.customId) };
    case 'developer.update':
      return 'customId' in action.set
        ? { takes: customId(action.set.customId), frees: customId(change.before?.customId) }
        : { takes: [], frees: [] };
    case 'credential.create':
      return { takes: wantedUnique(action), frees: [] };
    case 'credential.delete':
      return { takes: [], frees: storedClaim(action, storedUnique) };
    case 'credential.update': {
      const wanted = wantedUnique(action);
      return wanted.length > 0 ? { takes: wanted, frees: storedClaim(action, storedUnique) } : { takes: [], frees: [] };
    }
    default:
      return { takes: [], frees: [] };
  }
}

type CredentialAction = Extract<Action, { do: 'credential.create' | 'credential.update' | 'credential.delete' }>;

/** The unique value a create or update will hold, when it is known at plan time. */
export function wantedUnique(action: Extract<Action, { do: 'credential.create' | 'credential.update' }>): string[] {
  const field = CREDENTIAL_SPECS[action.type].uniqueField;
  if (!field) return [];
  const secret = action.secrets?.[field];
  if (secret) return secret.mode === 'given' ? [`${action.type}:${secret.digest}`] : [];
  const value = action.fields?.[field];
  return typeof value === 'string' ? [`${action.type}:${value}`] : [];
}

function storedClaim(action: CredentialAction, storedUnique: Map<string, string>): string[] {
  const value = storedUnique.get(credentialKey(action.email, action.type, action.identity, action.application));
  return value === undefined ? [] : [`${action.type}:${value}`];
}

function credentialKey(email: string, type: string, identity: string, application?: string): string {
  return `${email}\0${application ?? ''}\0${type}\0${identity}`;
}

class MinHeap {
  private items: number[] = [];

  push(value: number): void {
    const items = this.items;
    items.push(value);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (items[parent]! <= items[i]!) break;
      [items[parent], items[i]] = [items[i]!, items[parent]!];
      i = parent;
    }
  }

  pop(): number | undefined {
    const items = this.items;
    if (items.length === 0) return undefined;
    const top = items[0];
    const last = items.pop()!;
    if (items.length > 0) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < items.length && items[left]! < items[smallest]!) smallest = left;
        if (right < items.length && items[right]! < items[smallest]!) smallest = right;
        if (smallest === i) break;
        [items[smallest], items[i]] = [items[i]!, items[smallest]!];
        i = smallest;
      }
    }
    return top;
  }
}
