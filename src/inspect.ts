import { storeOf, type StateOptions } from './options.js';
import {
  verifyChain,
  verifyEventChain,
  type HistoryChain as ChainName,
  type HistoryEntry,
  type VerifyResult,
} from './history.js';
import { addressText as spelled, parseGivenAnyAddress } from './address.js';
import { PortalformError } from './errors.js';
import {
  apiAddress,
  applicationAddress,
  CREDENTIAL_SPECS,
  credentialAddress,
  developerAddress,
  registrationAddress,
  type CredentialType,
} from './model.js';
import { credentialView, sortedObject } from './plan/diff.js';
import type { Store } from './store/index.js';
import type { HistoryRow, Origin, StateSnapshot, StoredApplication, StoredCredential } from './store/types.js';

/** An application as `state list --json` shows it (docs/applications.md). */
export interface ApplicationListing {
  name: string;
  description: string | null;
  origin: Origin;
  createdAt: string;
  credentials: Record<string, unknown>[];
  registrations: { api: string; status: string; origin: Origin; createdAt: string }[];
}

/** An API as `state list --json` shows it: no origin, only manifests declare APIs. */
export interface ApiListing {
  name: string;
  title: string | null;
  description: string | null;
  autoApproveRegistrations: boolean | null;
  aclGroups: string[];
}

export interface StateListing {
  lineage: string | null;
  serial: number;
  apis: ApiListing[];
  developers: {
    email: string;
    fullName: string;
    status: string;
    customId: string | null;
    meta: Record<string, string>;
    origin: Origin;
    /** False for a sign-up that has not proven its address yet. */
    emailVerified: boolean;
    /** Its own credentials; an application's are under the application. */
    credentials: Record<string, unknown>[];
    applications: ApplicationListing[];
  }[];
}

/** The stored APIs, developers, applications and credentials, secrets redacted, in manifest field names. */
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
    apis: (state.apis ?? []).map((api) => ({
      name: api.name,
      title: api.title,
      description: api.description,
      autoApproveRegistrations: api.autoApproveRegistrations,
      aclGroups: [...api.aclGroups],
    })),
    developers: state.developers.map((d) => ({
      email: d.email,
      fullName: d.fullName,
      status: d.status,
      customId: d.customId,
      meta: sortedObject(d.meta),
      origin: d.origin,
      emailVerified: d.emailVerified !== false,
      credentials: d.credentials.map(listedCredential),
      applications: (d.applications ?? []).map(listedApplication),
    })),
  };
}

function listedCredential(credential: StoredCredential): Record<string, unknown> {
  const { type, fields, active, origin } = credential;
  return { ...credentialView(type, fields, CREDENTIAL_SPECS[type].secretFields, active), origin };
}

function listedApplication(application: StoredApplication): ApplicationListing {
  return {
    name: application.name,
    description: application.description,
    origin: application.origin,
    createdAt: application.createdAt,
    credentials: application.credentials.map(listedCredential),
    registrations: application.registrations.map((r) => ({
      api: r.api,
      status: r.status,
      origin: r.origin,
      createdAt: r.createdAt,
    })),
  };
}

export type DeveloperListing = StateListing['developers'][number];

/** A listed credential's address: its type and the value of the type's identity field; `application` its owner when not the developer. */
export function listedCredentialAddress(
  email: string,
  credential: Record<string, unknown>,
  application?: string,
): string {
  const type = credential.type as CredentialType;
  return credentialAddress(email, type, String(credential[CREDENTIAL_SPECS[type].identityField]), application);
}

/**
 * `state list [PREFIX] [--status S]`: the APIs whose address starts with the prefix, and the
 * developers of that status whose address, or one of whose objects' addresses (credentials,
 * applications, their credentials and registrations), starts with it; a developer matched only
 * through some of its objects keeps only those.
 */
export function filterListing(all: StateListing, filter: { prefix?: string; status?: string }): StateListing {
  const prefix = filter.prefix ?? '';
  const apis = all.apis.filter((api) => apiAddress(api.name).startsWith(prefix));
  const developers = all.developers.flatMap((d) => {
    if (filter.status !== undefined && d.status !== filter.status) return [];
    if (developerAddress(d.email).startsWith(prefix)) return [d];
    const credentials = d.credentials.filter((c) => listedCredentialAddress(d.email, c).startsWith(prefix));
    const applications = d.applications.flatMap((a) => matchingApplication(d.email, a, prefix));
    return credentials.length > 0 || applications.length > 0 ? [{ ...d, credentials, applications }] : [];
  });
  return { ...all, apis, developers };
}

function matchingApplication(email: string, application: ApplicationListing, prefix: string): ApplicationListing[] {
  if (applicationAddress(email, application.name).startsWith(prefix)) return [application];
  const credentials = application.credentials.filter((c) =>
    listedCredentialAddress(email, c, application.name).startsWith(prefix),
  );
  const registrations = application.registrations.filter((r) =>
    registrationAddress(email, application.name, r.api).startsWith(prefix),
  );
  return credentials.length > 0 || registrations.length > 0 ? [{ ...application, credentials, registrations }] : [];
}

export type StateObject =
  | ({ address: string; kind: 'developer' } & DeveloperListing)
  | ({ address: string; kind: 'api' } & ApiListing)
  | ({ address: string; kind: 'application'; developer: string } & ApplicationListing)
  | ({ address: string; kind: 'credential'; developer: string; application?: string } & Record<string, unknown>)
  | ({ address: string; kind: 'registration'; developer: string; application: string } & Record<string, unknown>);

/**
 * `state show ADDR`: one stored API, developer (with its credentials and applications),
 * application (with its credentials and registrations), credential or registration, secrets redacted.
 */
export function findStateObject(all: StateListing, addressText: string): StateObject {
  const address = parseGivenAnyAddress(addressText);
  const wanted = spelled(address);
  if (address.kind === 'api') {
    const api = all.apis.find((a) => a.name === address.name);
    if (!api) throw notInState(wanted, 'portalform state list to see what is');
    return { address: wanted, kind: 'api', ...api };
  }
  const { email } = address;
  const developer = all.developers.find((d) => d.email === email);
  if (!developer) throw notInState(wanted, 'portalform state list to see what is');
  if (address.kind === 'developer') return { address: wanted, kind: 'developer', ...developer };
  if (address.kind === 'credential' && address.application === undefined) {
    const credential = developer.credentials.find((c) => listedCredentialAddress(email, c) === wanted);
    if (!credential)
      throw notInState(wanted, `${listHint(developerAddress(email))} to see the developer's credentials`);
    return { address: wanted, kind: 'credential', developer: email, ...credential };
  }
  const application = developer.applications.find((a) => a.name === address.application);
  if (!application)
    throw notInState(wanted, `${listHint(developerAddress(email))} to see the developer's applications`);
  const hint = listHint(applicationAddress(email, application.name));
  if (address.kind === 'application') return { address: wanted, kind: 'application', developer: email, ...application };
  if (address.kind === 'registration') {
    const registration = application.registrations.find((r) => r.api === address.api);
    if (!registration) throw notInState(wanted, `${hint} to see the application's registrations`);
    return { address: wanted, kind: 'registration', developer: email, application: application.name, ...registration };
  }
  const credential = application.credentials.find(
    (c) => listedCredentialAddress(email, c, application.name) === wanted,
  );
  if (!credential) throw notInState(wanted, `${hint} to see the application's credentials`);
  return { address: wanted, kind: 'credential', developer: email, application: application.name, ...credential };
}

function listHint(owner: string): string {
  return `portalform state list ${JSON.stringify(owner)}`;
}

function notInState(address: string, hint: string): PortalformError {
  return new PortalformError(`${address} is not in the state; run ${hint}`);
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
