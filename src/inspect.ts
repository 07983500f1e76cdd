import { storeOf, type StateOptions } from './options.js';
import { verifyChain, type HistoryEntry, type VerifyResult } from './history.js';
import { CREDENTIAL_SPECS } from './model.js';
import { credentialView, sortedObject } from './plan/diff.js';
import type { StateSnapshot } from './store/types.js';

export interface StateListing {
  lineage: string | null;
  serial: number;
  developers: {
    email: string;
    fullName: string;
    status: string;
    customId: string | null;
    meta: Record<string, string>;
    credentials: Record<string, unknown>[];
  }[];
}

/** The stored developers and credentials, secrets redacted, in manifest field names. */
export async function listState(options: StateOptions = {}): Promise<StateListing> {
  return listing(await readState(options));
}

export async function readState(options: StateOptions = {}): Promise<StateSnapshot> {
  const store = storeOf(options);
  try {
    return await store.read();
  } finally {
    await store.close();
  }
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
      credentials: d.credentials.map((c) => credentialView(c.type, c.fields, CREDENTIAL_SPECS[c.type].secretFields, c.active)),
    })),
  };
}

export interface HistoryListing {
  entries: (HistoryEntry & { seq: number; hash: string; prevHash: string })[];
}

/** The record of applies (and other recorded events), oldest first. */
export async function history(options: StateOptions = {}): Promise<HistoryListing> {
  const store = storeOf(options);
  try {
    const rows = await store.readHistory();
    return { entries: rows.map((row) => ({ ...JSON.parse(row.entry), seq: row.seq, hash: row.hash, prevHash: row.prevHash })) };
  } finally {
    await store.close();
  }
}

/** Recomputes the hash chain; `ok: false` names the first entry that does not fit. */
export async function verifyHistory(options: StateOptions = {}): Promise<VerifyResult> {
  const store = storeOf(options);
  try {
    return verifyChain(await store.readHistory());
  } finally {
    await store.close();
  }
}
