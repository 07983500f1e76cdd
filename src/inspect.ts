import { storeOf, type StateOptions } from './options.js';
import {
  verifyChain,
  verifyEventChain,
  type HistoryChain as ChainName,
  type HistoryEntry,
  type VerifyResult,
} from './history.js';
import { parseGivenAddress } from './address.js';
import { PortalformError } from './errors.js';
import { CREDENTIAL_SPECS, credentialAddress, developerAddress, type CredentialType } from './model.js';
import { credentialView, sortedObject } from './plan/diff.js';
import type { Store } from './store/index.js';
import type { HistoryRow, Origin, StateSnapshot } from './store/types.js';

export interface StateListing {
  lineage: string | null;
  serial: number;
  developers: {
    email: string;
    fullName: string;
    status: string;
    customId: string | null;
    meta: Record<string, string>;
    origin: Origin;
    /** False for a sign-up that has not proven its address yet. */
    emailVerified: boolean;
    credentials: Record<string, unknown>[];
  }[];
}

/** The stored developers and credentials, secrets redacted, in manifest field names. */
export async function listState(options: StateOptions & Existing = {}): Promise<StateListing> {
  return listing(await (options.mustExist ? readExistingState(options) : readState(options)));
}

export async function readState(options: StateOptions = {}): Promise<StateSnapshot> {
  const store = storeOf(options);
  try {
    return await store.read();
  } finally {
    await store.close();
  }
}

/**
 * The commands that read a state refuse a missing one, naming where they looked (a typo in
 * --state must not read as an empty portal); only plan takes it as empty (docs/state.md).
 */
export interface Existing {
  mustExist?: boolean;
}

export function noStateError(where: string): PortalformError {
  return new PortalformError(`no state at ${where}; run \`portalform apply\` first to create it`);
}

/** Like readState, refusing a missing state. */
export async function readExistingState(options: StateOptions = {}): Promise<StateSnapshot> {
  const store = storeOf(options);
  try {
    const state = await store.read();
    if (state.lineage === null) throw noStateError(store.display);
    return state;
  } finally {
    await store.close();
  }
}

async function refuseMissing(store: Store, { mustExist = false }: Existing): Promise<void> {
  if (mustExist && !(await store.openExisting())) throw noStateError(store.display);
}

export function listing(state: StateSnapshot): StateListing {
  return {
    lineage: state.lineage,
    serial: state.serial,
    developers: state.developers.map((d) => ({
      email: d.email,
      fullName: d.fullName,
      status: d.status,
      customId: d.customId,
      meta: sortedObject(d.meta),
      origin: d.origin,
      emailVerified: d.emailVerified !== false,
      credentials: d.credentials.map((c) => ({
        ...credentialView(c.type, c.fields, CREDENTIAL_SPECS[c.type].secretFields, c.active),
        origin: c.origin,
      })),
    })),
  };
}

export type DeveloperListing = StateListing['developers'][number];

/** A listed credential's address: its type and the value of the type's identity field. */
export function listedCredentialAddress(email: string, credential: Record<string, unknown>): string {
  const type = credential.type as CredentialType;
  return credentialAddress(email, type, String(credential[CREDENTIAL_SPECS[type].identityField]));
}

/**
 * `state list [PREFIX] [--status S]`: the developers of that status whose address, or one of whose
 * credentials' addresses, starts with the prefix; a developer matched only through credentials
 * keeps only those.
 */
export function filterListing(all: StateListing, filter: { prefix?: string; status?: string }): StateListing {
  const prefix = filter.prefix ?? '';
  const developers = all.developers.flatMap((d) => {
    if (filter.status !== undefined && d.status !== filter.status) return [];
    if (developerAddress(d.email).startsWith(prefix)) return [d];
    const credentials = d.credentials.filter((c) => listedCredentialAddress(d.email, c).startsWith(prefix));
    return credentials.length > 0 ? [{ ...d, credentials }] : [];
  });
  return { ...all, developers };
}

export type StateObject =
  | ({ address: string; kind: 'developer' } & DeveloperListing)
  | ({ address: string; kind: 'credential'; developer: string } & Record<string, unknown>);

/** `state show ADDR`: one stored developer (with its credentials) or credential, secrets redacted. */
export function findStateObject(all: StateListing, addressText: string): StateObject {
  const address = parseGivenAddress(addressText);
  const developer = all.developers.find((d) => d.email === address.email);
  const wanted =
    address.kind === 'developer'
      ? developerAddress(address.email)
      : credentialAddress(address.email, address.type, address.identity);
  if (!developer) throw new PortalformError(`${wanted} is not in the state; run portalform state list to see what is`);
  if (address.kind === 'developer') return { address: wanted, kind: 'developer', ...developer };
  const credential = developer.credentials.find((c) => listedCredentialAddress(developer.email, c) === wanted);
  if (!credential)
    throw new PortalformError(
      `${wanted} is not in the state; run portalform state list ${JSON.stringify(developerAddress(developer.email))} to see the developer's credentials`,
    );
  return { address: wanted, kind: 'credential', developer: developer.email, ...credential };
}

export interface HistoryListing {
  entries: (HistoryEntry & { chain: ChainName; seq: number; hash: string; prevHash: string })[];
}

/**
 * The record of applies and, beside them, the other recorded events (the second chain), oldest
 * first; each entry names its chain, its place in it and the serial of the state at that moment.
 */
export async function history(options: StateOptions & Existing = {}): Promise<HistoryListing> {
  const store = storeOf(options);
  try {
    await refuseMissing(store, options);
    const rows = await store.readHistory();
    const events = (await store.readEvents()).rows;
    const listed = (chain: ChainName) => (row: HistoryRow) => ({
      ...JSON.parse(row.entry),
      chain,
      seq: row.seq,
      hash: row.hash,
      prevHash: row.prevHash,
    });
    const entries = [...rows.map(listed('apply')), ...events.map(listed('events'))];
    // Stable: within one chain the order stays the chain's own.
    return { entries: entries.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0)) };
  } finally {
    await store.close();
  }
}

export type HistoryVerification = VerifyResult & {
  /** Each chain on its own (docs/cli.md): the applies, and every other kind. */
  chains: Record<ChainName, VerifyResult>;
};

/**
 * Recomputes both hash chains; `ok: false` names the chain and the first entry that does not fit.
 * `entries` and `head` are the applies' chain's, as before there were two.
 */
export async function verifyHistory(options: StateOptions & Existing = {}): Promise<HistoryVerification> {
  const store = storeOf(options);
  try {
    await refuseMissing(store, options);
    const apply = verifyChain(await store.readHistory());
    const { rows, head } = await store.readEvents();
    const events = verifyEventChain(rows, head);
    const chains = { apply, events };
    if (!apply.ok) return { ...apply, chains };
    if (!events.ok) return { ...events, chains };
    return { ...apply, chains };
  } finally {
    await store.close();
  }
}
