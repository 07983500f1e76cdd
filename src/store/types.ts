import type { CredentialType, Status } from '../model.js';

/** Who made an object: apply deletes only what the manifest manages. */
export type Origin = 'manifest' | 'self-service';

/** A secret as stored: never the plain value. */
export interface StoredSecret {
  /** Keyed digest (HMAC-SHA256) of the value, for change detection and uniqueness. */
  digest: string;
  /** True when portalform generated the value (omitted in the manifest). */
  generated: boolean;
  /** AES-256-GCM ciphertext, present only when the state has a key. */
  ciphertext?: string;
  /** Slow salted hash (basic-auth passwords), verifiable without any key. */
  hash?: string;
}

export interface StoredCredential {
  id: string;
  developerId: string;
  type: CredentialType;
  identity: string;
  uniqueValue: string | null;
  fields: Record<string, unknown>;
  secrets: Record<string, StoredSecret>;
  active: boolean;
  origin: Origin;
}

export interface StoredDeveloper {
  id: string;
  email: string;
  fullName: string;
  status: Status;
  customId: string | null;
  meta: Record<string, string>;
  origin: Origin;
  credentials: StoredCredential[];
}

export interface StateSnapshot {
  /** null when no state exists yet. */
  lineage: string | null;
  serial: number;
  developers: StoredDeveloper[];
  meta: Record<string, string>;
}

export interface LockHolder {
  user: string;
  host: string;
  pid: number;
  operation: string;
}

export interface LockInfo {
  id: string;
  holder: LockHolder;
  since: string;
}

export interface HistoryRow {
  seq: number;
  kind: string;
  serial: number;
  at: string;
  actor: string;
  entry: string;
  prevHash: string;
  hash: string;
}

export const EMPTY_STATE: StateSnapshot = { lineage: null, serial: 0, developers: [], meta: {} };
