// A saved plan is stale when an object it touches changed since it was made, or a unique value or
// address it takes is now held (docs/unmanaged.md). Self-service changes do not move the serial, so the plan
// records the version of each row it touches (plan/saved.ts, touchesOf) and apply re-reads only
// those rows, inside its transaction: the check costs in proportion to the plan, not the state.
import { parseAddress } from '../address.js';
import { StalePlanError } from '../errors.js';
import { applicationAddress, CREDENTIAL_SPECS, developerAddress, registrationAddress } from '../model.js';
import { wantedUnique } from '../plan/order.js';
import type { Action, Plan } from '../plan/types.js';
import type { Conn } from '../store/backend.js';
import { latestEventAbout, readUniqueHolders, readVersions } from '../store/read.js';
import { readApplicationVersions } from '../store/application-rows.js';

interface Claims {
  emails: Set<string>;
  /** Addresses the plan creates (or moves to), by the step that does. */
  takes: Array<{ address: string; by: string }>;
  customIds: Array<{ value: string; by: string }>;
  unique: Array<{ type: string; value: string; by: string; secret: boolean }>;
}

/** The versions of the rows the plan touches, by kind and address. */
type Versions = Record<'developer' | 'credential' | 'application' | 'registration', Map<string, number>>;

export async function checkTouchedRows(plan: Plan, conn: Conn): Promise<void> {
  const claims = claimsOf(plan);
  const touched: Versions = {
    developer: new Map(Object.entries(plan.touches?.developers ?? {})),
    credential: new Map(Object.entries(plan.touches?.credentials ?? {})),
    application: new Map(Object.entries(plan.touches?.applications ?? {})),
    registration: new Map(Object.entries(plan.touches?.registrations ?? {})),
  };
  for (const versions of Object.values(touched))
    for (const address of versions.keys()) claims.emails.add(ownerEmail(address));
  const emails = [...claims.emails];
  const rows = await readVersions(conn, emails);
  const apps = await readApplicationVersions(conn, emails);
  const now: Versions = {
    developer: rows.developers,
    credential: rows.credentials,
    application: new Map(Object.entries(apps.applications)),
    registration: new Map(Object.entries(apps.registrations)),
  };
  await checkVersions(conn, touched, now);
  const known = (address: string) => Object.values(touched).some((versions) => versions.has(address));
  await checkHolders(conn, claims, known, new Set(Object.values(now).flatMap((versions) => [...versions.keys()])));
}

function claimsOf(plan: Plan): Claims {
  const claims: Claims = { emails: new Set(), takes: [], customIds: [], unique: [] };
  const { emails, takes, customIds } = claims;
  for (const { address, action } of plan.changes) {
    switch (action.do) {
      case 'portal.update':
        break;
      case 'developer.create':
        emails.add(action.developer.email);
        takes.push({ address, by: address });
        if (action.developer.customId !== null) customIds.push({ value: action.developer.customId, by: address });
        break;
      case 'developer.move':
        emails.add(action.from).add(action.to);
        takes.push({ address, by: address });
        break;
      case 'developer.update':
        emails.add(action.email);
        if (typeof action.set.customId === 'string') customIds.push({ value: action.set.customId, by: address });
        break;
      case 'credential.create':
      case 'credential.update':
        emails.add(action.email);
        if (action.do === 'credential.create') takes.push({ address, by: address });
        claimUnique(claims, action, address);
        break;
      case 'application.create':
        emails.add(action.email);
        takes.push({ address: applicationAddress(action.email, action.application.name), by: address });
        break;
      case 'application.move':
        emails.add(action.email);
        takes.push({ address: applicationAddress(action.email, action.to), by: address });
        break;
      case 'registration.create':
        emails.add(action.email);
        takes.push({ address: registrationAddress(action.email, action.application, action.api), by: address });
        break;
      default:
        if ('email' in action) emails.add(action.email); // an API is no developer's
    }
  }
  return claims;
}

function claimUnique(
  claims: Claims,
  action: Extract<Action, { do: 'credential.create' | 'credential.update' }>,
  by: string,
): void {
  for (const claim of wantedUnique(action)) {
    const type = claim.slice(0, claim.indexOf(':'));
    const field = CREDENTIAL_SPECS[action.type].uniqueField!;
    claims.unique.push({
      type,
      value: claim.slice(type.length + 1),
      by,
      secret: CREDENTIAL_SPECS[action.type].secretFields.includes(field),
    });
  }
}

/**
 * Each touched row must be as the plan saw it; an object made since under a developer or
 * application the plan touches (which a deletion or revocation would take along unseen) makes the
 * plan stale too.
 */
async function checkVersions(conn: Conn, touched: Versions, now: Versions): Promise<void> {
  for (const kind of ['developer', 'credential', 'application', 'registration'] as const) {
    for (const [address, version] of touched[kind]) {
      const found = now[kind].get(address);
      if (found === version) continue;
      throw await stale(
        conn,
        address,
        found === undefined ? `the ${kind} was deleted` : `version ${version} is now ${found}`,
      );
    }
  }
}

/** Addresses the plan takes must still be free, and unique values it takes not held by others. */
async function checkHolders(
  conn: Conn,
  { takes, customIds, unique }: Claims,
  known: (address: string) => boolean,
  stored: Set<string>,
): Promise<void> {
  for (const { address } of takes) {
    if (stored.has(address) && !known(address)) throw await stale(conn, address, 'it now exists');
  }
  const taken = new Set(takes.map((t) => t.address));
  for (const address of stored) {
    const owner = ownerOf(address);
    if (owner !== address && known(owner) && !known(address) && !taken.has(address))
      throw await stale(conn, owner, `it now has ${address}, which the plan does not show`);
  }
  const holders = await readUniqueHolders(
    conn,
    customIds.map((c) => c.value),
    unique,
  );
  for (const { value, by } of customIds) {
    const holder = holders.get(`customId:${value}`);
    if (holder !== undefined && holder !== by && !known(holder)) {
      throw await stale(conn, holder, `it now holds the customId ${JSON.stringify(value)} that ${by} takes`);
    }
  }
  for (const { type, value, by, secret } of unique) {
    const holder = holders.get(`${type}:${value}`);
    if (holder === undefined || holder === by || known(holder)) continue;
    const field = CREDENTIAL_SPECS[type as 'key-auth'].uniqueField;
    // A secret value's holder is not named: that would tell who holds a given key.
    if (secret)
      throw new StalePlanError(
        `Saved plan is stale: the ${type} ${field} that ${by} takes is now held by another credential; make a new plan`,
      );
    throw await stale(conn, holder, `it now holds the ${type} ${field} that ${by} takes`);
  }
}

/** The email of the developer an address names or belongs to. */
function ownerEmail(address: string): string {
  return parseAddress(address).email;
}

/** What an address belongs to: its application (a registration or an application's credential), else its developer. */
function ownerOf(address: string): string {
  const parsed = parseAddress(address);
  if (parsed.kind === 'registration' || (parsed.kind === 'credential' && parsed.application !== undefined))
    return applicationAddress(parsed.email, parsed.application!);
  return developerAddress(parsed.email);
}

async function stale(conn: Conn, address: string, what: string): Promise<StalePlanError> {
  const event = await latestEventAbout(conn, address);
  const by = event
    ? `self-service ${event.action} by ${event.actor} at ${event.at}`
    : 'a change outside portalform apply';
  return new StalePlanError(
    `Saved plan is stale: ${address} changed since the plan was made (${what}; ${by}); make a new plan`,
  );
}
