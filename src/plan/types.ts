import type { CredentialType, Diagnostic, SecretSource, Status } from '../model.js';
import type { PortalSettings } from '../model.js';

export type Op = 'create' | 'update' | 'delete' | 'move' | 'approve' | 'reject' | 'revoke';
/** Open-ended: readers of `plan --json` ignore kinds they do not know. */
export type ChangeKind = 'developer' | 'credential' | 'portal' | 'api' | 'application' | 'registration';

export const SENSITIVE = '(sensitive)';
export const SENSITIVE_CHANGED = '(sensitive value changed)';
export const KNOWN_AFTER_APPLY = '(known after apply)';

/** How apply obtains a secret value. A plan holds sources and digests, never values. */
export type SecretPlan = { mode: 'given'; source: SecretSource; digest: string } | { mode: 'generate' };

export interface DeveloperAttributes {
  email: string;
  fullName: string;
  status: Status;
  customId: string | null;
  meta: Record<string, string>;
}

/** An API as the manifests declare it (docs/applications.md). */
export interface ApiAttributes {
  name: string;
  title: string | null;
  description: string | null;
  autoApproveRegistrations: boolean | null;
  aclGroups: string[];
}

/** An application as a plan creates it; `descriptionManaged` false when the entry leaves it to the developer. */
export interface ApplicationAttributes {
  name: string;
  description: string | null;
  descriptionManaged: boolean;
}

/**
 * What apply does for one change; plain JSON so a saved plan can carry it. A credential action
 * with `application` acts on one of that application's credentials, else on the developer's own.
 */
export type Action =
  /** The portal's settings (docs/portal-service.md#settings), complete: apply stores them as they are. */
  | { do: 'portal.update'; settings: PortalSettings }
  | { do: 'developer.create'; developer: DeveloperAttributes }
  /** `adopt`: the origin becomes manifest; `release`: it becomes released (a `removed … keep: true`). */
  | {
      do: 'developer.update';
      email: string;
      set: Partial<Omit<DeveloperAttributes, 'email' | 'status'>> & {
        adopt?: true;
        release?: true;
        nameManaged?: boolean;
      };
    }
  | { do: 'developer.delete'; email: string }
  | { do: 'developer.move'; from: string; to: string }
  | { do: 'developer.transition'; email: string; from: Status; to: Status }
  | {
      do: 'credential.create';
      email: string;
      application?: string;
      type: CredentialType;
      identity: string;
      fields: Record<string, unknown>;
      secrets: Record<string, SecretPlan>;
    }
  | {
      do: 'credential.update';
      email: string;
      application?: string;
      type: CredentialType;
      identity: string;
      /** The credential's complete new non-secret fields, when any changed. */
      fields?: Record<string, unknown>;
      /** Only the secret fields that change. */
      secrets?: Record<string, SecretPlan>;
      /**
       * Fields of `secrets` whose value stays, given by the manifest and matching the stored digest,
       * that only gain their encrypted copy: a state key was set after they were stored (docs/manifests.md#plan-order).
       */
      backfill?: string[];
      adopt?: true;
      /** Stops managing it (a `removed … keep: true`): the origin becomes released. */
      release?: true;
      /** Frees the credential's unique value to break a swap between two credentials. */
      clearUnique?: true;
    }
  | { do: 'credential.delete'; email: string; type: CredentialType; identity: string; application?: string }
  /** Forgets that a managed developer deleted their own account (docs/unmanaged.md). */
  | { do: 'tombstone.clear'; email: string }
  /**
   * A credential (de)activated by its developer's transition, shown right after it (docs/manifests.md#plan-order).
   * The transition itself flips every credential of the developer, so apply writes nothing here.
   */
  | {
      do: 'credential.activation';
      email: string;
      type: CredentialType;
      identity: string;
      active: boolean;
      application?: string;
    }
  | { do: 'api.create'; api: ApiAttributes }
  | { do: 'api.update'; name: string; set: Partial<Omit<ApiAttributes, 'name'>> }
  /** Deletes the API with every registration to it. */
  | { do: 'api.delete'; name: string }
  | { do: 'api.move'; from: string; to: string }
  | { do: 'application.create'; email: string; application: ApplicationAttributes }
  | {
      do: 'application.update';
      email: string;
      name: string;
      set: { description?: string | null; descriptionManaged?: boolean; adopt?: true; release?: true };
    }
  /** Deletes the application with its credentials and registrations. */
  | { do: 'application.delete'; email: string; name: string }
  | { do: 'application.move'; email: string; from: string; to: string }
  /** A registration declared new is created in its declared status. */
  | { do: 'registration.create'; email: string; application: string; api: string; status: Status }
  | { do: 'registration.transition'; email: string; application: string; api: string; from: Status; to: Status }
  | { do: 'registration.update'; email: string; application: string; api: string; adopt?: true; release?: true }
  | { do: 'registration.delete'; email: string; application: string; api: string };

export interface Change {
  address: string;
  kind: ChangeKind;
  op: Op;
  /** Redacted attributes before and after; null for a create's before and a delete's after. */
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  /** Set on the delete and create of a forced replacement. */
  replace?: true;
  action: Action;
}

export interface Summary {
  create: number;
  update: number;
  delete: number;
  transition: number;
  move: number;
}

export interface Plan {
  formatVersion: '1';
  state: { lineage: string | null; serial: number };
  changes: Change[];
  summary: Summary;
  /** Problems that make the plan unusable (illegal transitions, unknown addresses). */
  errors: Diagnostic[];
  warnings: Diagnostic[];
  manifestDigest: string;
  /** Where the manifests were; apply of a saved plan re-reads literal secrets from them. */
  paths: string[];
  secretsDirs: string[];
  /** Generated secrets apply will produce; without a state key they must go to --secrets-out. */
  generates: string[];
  /**
   * The version of each stored developer and credential the plan touches, by address (docs/unmanaged.md):
   * apply re-reads only these rows and refuses the plan if one changed since.
   */
  touches?: {
    developers: Record<string, number>;
    credentials: Record<string, number>;
    /** By application address. */
    applications?: Record<string, number>;
    /** By registration address. */
    registrations?: Record<string, number>;
  };
  /** The MAC that makes a saved plan authentic (docs/state.md); not part of the plan's digest. */
  seal?: PlanSeal;
  /** What the state holds that the manifests do not manage and this plan leaves as it is (docs/unmanaged.md). */
  unmanaged?: UnmanagedObject[];
}

/** One object the manifests do not manage (docs/unmanaged.md), as `plan --json` lists it. */
export interface UnmanagedObject {
  address: string;
  kind: 'developer' | 'credential' | 'application' | 'registration';
  origin: string;
  /** Developers and registrations only. */
  status?: string;
  /** Developers only: false for a sign-up that has not proven its address, which is no access request. */
  emailVerified?: boolean;
  createdAt: string;
}

/**
 * How a plan is authenticated: `state` under a key derived from the state's digest key,
 * `state-key` (a plan made on no state) under one derived from PORTALFORM_STATE_KEY, `none` (a plan
 * made on no state without a key) only checked for integrity.
 */
export interface PlanSeal {
  key: 'state' | 'state-key' | 'none';
  mac: string;
}

export function summarize(changes: Change[]): Summary {
  const summary: Summary = { create: 0, update: 0, delete: 0, transition: 0, move: 0 };
  for (const change of changes) {
    if (change.op === 'approve' || change.op === 'reject' || change.op === 'revoke') summary.transition++;
    else summary[change.op]++;
  }
  return summary;
}
