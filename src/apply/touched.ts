// A saved plan is stale when an object it touches changed since it was made, or a unique value or
// address it takes is now held (docs/unmanaged.md). Self-service changes do not move the serial, so the plan
// records the version of each row it touches (plan/saved.ts, touchesOf) and apply re-reads only
// those rows, inside its transaction: the check costs in proportion to the plan, not the state.
import { StalePlanError } from '../errors.js';
import { parseAddress } from '../address.js';
import { CREDENTIAL_SPECS, developerAddress } from '../model.js';
import { wantedUnique } from '../plan/order.js';
import type { Plan } from '../plan/types.js';
import type { Conn } from '../store/backend.js';
import { latestEventAbout, readUniqueHolders, readVersions } from '../store/read.js';

export async function checkTouchedRows(plan: Plan, conn: Conn): Promise<void> {
  const touches = plan.touches ?? { developers: {}, credentials: {} };
  const emails = new Set<string>();
  const takes: Array<{ address: string; by: string }> = [];
  const customIds: Array<{ value: string; by: string }> = [];
  const unique: Array<{ type: string; value: string; by: string; secret: boolean }> = [];
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
        for (const claim of wantedUnique(action)) {
          const type = claim.slice(0, claim.indexOf(':'));
          const field = CREDENTIAL_SPECS[action.type].uniqueField!;
          unique.push({
            type,
            value: claim.slice(type.length + 1),
            by: address,
            secret: CREDENTIAL_SPECS[action.type].secretFields.includes(field),
          });
        }
        break;
      default:
        if ('email' in action) emails.add(action.email); // an API is no developer's
    }
  }
  for (const address of [...Object.keys(touches.developers), ...Object.keys(touches.credentials)])
    emails.add(parseAddress(address).email);
  const now = await readVersions(conn, [...emails]);
  for (const [kind, recorded, current] of [
    ['developer', touches.developers, now.developers],
    ['credential', touches.credentials, now.credentials],
  ] as const) {
    for (const [address, version] of Object.entries(recorded)) {
      const found = current.get(address);
      if (found === version) continue;
      throw await stale(
        conn,
        address,
        found === undefined ? `the ${kind} was deleted` : `version ${version} is now ${found}`,
      );
    }
  }
  const known = (address: string) => address in touches.developers || address in touches.credentials;
  for (const { address } of takes) {
    if ((now.developers.has(address) || now.credentials.has(address)) && !known(address))
      throw await stale(conn, address, 'it now exists');
  }
  const taken = new Set(takes.map((t) => t.address));
  for (const address of now.credentials.keys()) {
    const owner = developerAddress(parseAddress(address).email);
    if (owner in touches.developers && !known(address) && !taken.has(address))
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
    // A secret value's holder is not named: that would tell who holds a given key.
    if (secret)
      throw new StalePlanError(
        `Saved plan is stale: the ${type} ${CREDENTIAL_SPECS[type as 'key-auth'].uniqueField} that ${by} takes is ` +
          `now held by another credential; make a new plan`,
      );
    throw await stale(
      conn,
      holder,
      `it now holds the ${type} ${CREDENTIAL_SPECS[type as 'key-auth'].uniqueField} that ${by} takes`,
    );
  }
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
