import type { CredentialType, Status } from '../model.js';

/** Who made an object: apply deletes only what the manifest manages. */
export type Origin = 'manifest' | 'self-service' | 'released';

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
  /** Set when the credential belongs to one of the developer's applications (pf_credentials.application_id). */
  applicationId?: string | null;
  type: CredentialType;
  identity: string;
  uniqueValue: string | null;
  fields: Record<string, unknown>;
  secrets: Record<string, StoredSecret>;
  active: boolean;
  origin: Origin;
  /** Bumped by every write of the row (docs/unmanaged.md); saved plans record it. */
  version?: number;
}

/** An application's registration to an API (pf_registrations). */
export interface StoredRegistration {
  id: string;
  applicationId: string;
  api: string;
  status: Status;
  origin: Origin;
  createdAt: string;
  /** Bumped by every write of the row; saved plans record it. */
  version?: number;
}

/** One of a developer's applications (pf_applications), with its credentials and registrations. */
export interface StoredApplication {
  id: string;
  developerId: string;
  name: string;
  description: string | null;
  /** False when the manifests leave the description to the developer (or do not manage the application). */
  descriptionManaged: boolean;
  origin: Origin;
  createdAt: string;
  credentials: StoredCredential[];
  registrations: StoredRegistration[];
  /** Bumped by every write of the row; saved plans record it. */
  version?: number;
}

/** An API the manifests declared (pf_apis); no origin: only manifests declare APIs. */
export interface StoredApi {
  name: string;
  title: string | null;
  description: string | null;
  autoApproveRegistrations: boolean | null;
  aclGroups: string[];
  createdAt: string;
}

export interface StoredDeveloper {
  id: string;
  email: string;
  fullName: string;
  status: Status;
  customId: string | null;
  meta: Record<string, string>;
  origin: Origin;
  /** Its own credentials (never an application's). */
  credentials: StoredCredential[];
  /** Its applications; absent before schema 0012 (none). */
  applications?: StoredApplication[];
  /** Bumped by every write of the row (docs/unmanaged.md); saved plans record it. */
  version?: number;
  /** False when an adopting entry left the name to the developer (absent before schema 0007: managed). */
  nameManaged?: boolean;
  /** Whether the address is proven (docs/unmanaged.md): false only for a sign-up that has not verified it yet. */
  emailVerified?: boolean;
}

export interface StateSnapshot {
  /** null when no state exists yet. */
  lineage: string | null;
  serial: number;
  developers: StoredDeveloper[];
  /** The stored APIs; absent before schema 0012 (none). */
  apis?: StoredApi[];
  meta: Record<string, string>;
  /**
   * A plan's read (Store.read with a scope) holds only the developers the plan needs: these are the
   * emails of stored developers left out because they match the manifests. Absent: all were read.
   */
  inSync?: ReadonlySet<string>;
  /**
   * The developers and credentials the manifests do not manage, from their cheap columns only
   * (never their content), oldest first; absent when no state exists.
   */
  unmanaged?: UnmanagedRow[];
  /** Managed developers who deleted their own account (docs/unmanaged.md): email → when. */
  tombstones?: ReadonlyMap<string, string>;
}

/**
 * An unmanaged developer (no `type`, no `application`), credential (`type`), application
 * (`application`) or registration (`application` and `api`), as the plan lists it; an application's
 * credential has both `application` and `type`.
 */
export interface UnmanagedRow {
  email: string;
  application?: string;
  api?: string;
  type?: CredentialType;
  identity?: string;
  origin: Origin;
  /** Developers and registrations. */
  status?: Status;
  /** Developers only. */
  emailVerified?: boolean;
  createdAt: string;
}

/** Every stored developer's sync digest and origin, by email: what a plan reads before choosing what to read in full. */
export type StoredIndex = Map<string, { digest: string | null; origin: Origin }>;

/** Which stored developers a plan reads in full (see plan/scope.ts). */
export interface ScopeSelection {
  /** Emails of the stored developers to read in full. */
  read: Set<string>;
  /** Emails of stored developers known to match the manifests: not read, not diffed. */
  inSync: Set<string>;
  /** Unique values claimed by developers that are not in sync: their stored holders are read too. */
  claims: { customIds: string[]; unique: Array<{ type: string; value: string }> };
}

/** Chooses, inside the read's snapshot, which developers to read in full. */
export type ReadScope = (index: StoredIndex, meta: Record<string, string>) => ScopeSelection;

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
