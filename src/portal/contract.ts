// The self-service engine's surface (docs/portal-service.md#settings, docs/portal-service.md): what the HTTP routes (src/service/) and the
// pages call. The routes only parse input and map results and PortalError to HTTP; every rule
// (life cycle, invariants, uniqueness, throttling, history) lives behind this interface.
import type { CredentialType, PortalSettings, Status } from '../model.js';
import type { Origin } from '../store/types.js';

/** The portal's settings (docs/portal-service.md#settings), kept in model.ts beside the desired state that carries them. */
export type { PortalSettings } from '../model.js';

/** A developer as `GET /api/v1/me` shows it, plus what the manifests manage (read-only to the developer). */
export interface Account {
  email: string;
  fullName: string;
  status: Status;
  origin: Origin;
  createdAt: string;
  /** Whether the address is proven (docs/portal-service.md, "Mail"). */
  emailVerified: boolean;
  /** The address a requested change waits to move to until its mailed link is used; null otherwise. */
  pendingEmail: string | null;
  /** True where a manifest manages the field: the developer may not change it (403). */
  managed: { fullName: boolean; email: boolean };
}

/** What a successful login hands out: the token is shown once and stored only as a SHA-256 digest. */
export interface SessionGrant {
  token: string;
  expiresAt: string;
  csrfToken: string;
}

/** A live session, as `authenticate` finds it. */
export interface Session {
  sessionId: string;
  developerId: string;
  email: string;
  csrfToken: string;
  expiresAt: string;
}

/** A credential as the service shows it: identity and non-secret fields by manifest name, never a secret. */
export interface PublicCredential {
  id: string;
  type: CredentialType;
  active: boolean;
  origin: Origin;
  createdAt: string;
  /** True when a manifest manages it: visible, but edits, rotations and deletions answer 403. */
  managed: boolean;
  [field: string]: unknown;
}

/** A created or rotated credential with its generated secret values by field name, shown this once. */
export interface CredentialWithSecrets {
  credential: PublicCredential;
  secrets: Record<string, string>;
}

/** An API the portal publishes, as `GET /api/v1/apis` shows it (docs/applications.md); never its acl groups. */
export interface PublicApi {
  name: string;
  title: string | null;
  description: string | null;
  /** The effective setting: the API's `autoApproveRegistrations`, else the portal's. */
  autoApprove: boolean;
}

/** An application's registration to an API; only an admin changes its status. */
export interface PublicRegistration {
  api: string;
  status: Status;
  origin: Origin;
  createdAt: string;
  /** True when a manifest manages it: withdrawing it answers 403. */
  managed: boolean;
}

/** One of the developer's applications with its credentials and registrations (docs/applications.md). */
export interface PublicApplication {
  id: string;
  name: string;
  description: string | null;
  origin: Origin;
  createdAt: string;
  credentials: PublicCredential[];
  registrations: PublicRegistration[];
  /** `application`: the manifests manage it (DELETE 403); `description`: they manage its description (PATCH 403). */
  managed: { application: boolean; description: boolean };
}

/** Who is calling, for logs, throttling and the history's actor. */
export interface RequestContext {
  /** The client address (after the proxy rules the service trusts). */
  clientAddress?: string;
  /** The request id, for log correlation. */
  requestId?: string;
}

export interface FieldError {
  /** The body field, by its manifest (camelCase) name, e.g. `email`, `redirectUris[0]`. */
  field: string;
  message: string;
}

/**
 * A refusal meant for the caller: the routes answer it as application/problem+json with this
 * status, title, detail and errors; 429 and 503 also send Retry-After.
 */
export class PortalError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 429 | 503,
    readonly title: string,
    readonly detail: string,
    readonly errors?: FieldError[],
    readonly retryAfterSeconds?: number,
  ) {
    super(detail);
    this.name = 'PortalError';
  }
}

export interface PortalEngineOptions {
  /** A file path or postgres:// URL; default $PORTALFORM_STATE or ./portalform.db. */
  state?: string;
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** Default $PORTALFORM_STATE_KEY. */
  stateKey?: string | null;
  /** Failed logins per account per 15 minutes (docs/portal-service.md, default 10), counted in the state. */
  loginAttempts?: number;
  /** A session ends after this long without a request (default 30 minutes). */
  sessionIdleSeconds?: number;
  /** A session ends this long after login, whatever happens (default 12 hours). */
  sessionMaxSeconds?: number;
  /** How long a request waits for a busy state before a 503 (default 5 s). */
  busyTimeoutMs?: number;
  /** PostgreSQL: connections the engine's pool opens at most (default 4, as the CLI's). */
  poolSize?: number;
  /** The engine's clock in milliseconds since the epoch (default Date.now): sessions, invites and throttles expire by it. */
  now?: () => number;
}

/**
 * One open state, shared by every request of a service instance. Every method that writes runs
 * one short transaction that locks and re-reads the developer's row first, keeps the invariants
 * apply keeps, and appends a `self-service` history entry where docs/portal-service.md says so. Methods throw
 * PortalError for anything the caller did wrong, and nothing else for expected outcomes.
 */
export interface PortalEngine {
  settings(): Promise<PortalSettings>;
  /** True when the state answers. */
  healthy(): Promise<boolean>;

  /** 201: starts `pending` (or `approved` with autoApprove), origin `self-service`. 400, 403, 409. */
  register(input: { email: string; fullName: string; password: string }, context?: RequestContext): Promise<Account>;
  /** 401 for a wrong email or password alike; 403 not approved (after a correct password); 429 throttled. */
  login(input: { email: string; password: string }, context?: RequestContext): Promise<SessionGrant>;
  /** The live session of a token, or null (the caller answers 401). Refreshes the idle lifetime. */
  authenticate(token: string): Promise<Session | null>;
  logout(session: Session): Promise<void>;
  /** Sets a password with an invite or reset token, proving the address; 400 for a token unknown, used or expired. */
  setPasswordWithInvite(input: { token: string; password: string }, context?: RequestContext): Promise<void>;
  /** Mails a reset link where an account has this address; answers the same whether or not one does. */
  requestPasswordReset(input: { email: string }, context?: RequestContext): Promise<void>;
  /** Whether an invite or reset token can still set a password. */
  passwordTokenLive(token: string): Promise<boolean>;

  /** Proves the address with a mailed link's token and the account's password; 400 naming `token` or `password`. */
  verifyEmail(input: { token: string; password: string }, context?: RequestContext): Promise<void>;
  /** Mails the verification link again to an unverified sign-up, within the address's limit; silent in every case. */
  resendVerification(input: { email: string }, context?: RequestContext): Promise<void>;
  /** Deletes the unverified sign-ups whose first verification mail is 7 days old (run by `serve`); returns how many. */
  expireSignUps(): Promise<number>;
  /** Writes a first verification message to each unverified sign-up that never had one; returns how many. */
  mailFirstLinks(): Promise<number>;

  me(session: Session): Promise<Account>;
  /** 403 when the manifests manage the name. */
  updateMe(session: Session, input: { fullName: string }): Promise<Account>;
  /** The new address waits for its mailed link; 403 when the manifests manage the developer; 409 taken; 400 wrong password. */
  changeEmail(session: Session, input: { email: string; password: string }): Promise<Account>;
  /** Ends every other session of the developer. */
  changePassword(session: Session, input: { currentPassword: string; newPassword: string }): Promise<void>;
  /** The account, its credentials and sessions are gone at once (a tombstone when a manifest manages it). */
  deleteAccount(session: Session, input: { password: string }): Promise<void>;

  /** The types this developer may create now. */
  credentialTypes(session: Session): Promise<CredentialType[]>;
  listCredentials(session: Session): Promise<PublicCredential[]>;
  /** 404 when it is not the developer's own. */
  getCredential(session: Session, id: string): Promise<PublicCredential>;
  /** `input` holds `type` and the type's identity and non-secret fields; a secret field is a 400. */
  createCredential(session: Session, input: Record<string, unknown>): Promise<CredentialWithSecrets>;
  /** Non-secret fields only; 403 when the manifests manage it. */
  updateCredential(session: Session, id: string, input: Record<string, unknown>): Promise<PublicCredential>;
  /** New generated secret values; 403 when the manifests manage it. */
  rotateCredential(session: Session, id: string): Promise<CredentialWithSecrets>;
  /** 403 when the manifests manage it. */
  deleteCredential(session: Session, id: string): Promise<void>;

  /** The APIs the portal publishes, by name. */
  listApis(): Promise<PublicApi[]>;
  listApplications(session: Session): Promise<PublicApplication[]>;
  /** 400 invalid; 403 self-service off or `maxApplications` reached; 409 name taken. */
  createApplication(session: Session, input: Record<string, unknown>): Promise<PublicApplication>;
  /** 404 when it is not the developer's own. */
  getApplication(session: Session, id: string): Promise<PublicApplication>;
  /** `{description}`; 403 when the manifests manage the description, or self-service is off. */
  updateApplication(session: Session, id: string, input: Record<string, unknown>): Promise<PublicApplication>;
  /** Its credentials and registrations go with it; 403 managed, or holding a rejected or revoked registration. */
  deleteApplication(session: Session, id: string): Promise<void>;

  /** An application's credentials, with the same rules as the developer's own. */
  listApplicationCredentials(session: Session, applicationId: string): Promise<PublicCredential[]>;
  getApplicationCredential(session: Session, applicationId: string, id: string): Promise<PublicCredential>;
  createApplicationCredential(
    session: Session,
    applicationId: string,
    input: Record<string, unknown>,
  ): Promise<CredentialWithSecrets>;
  updateApplicationCredential(
    session: Session,
    applicationId: string,
    id: string,
    input: Record<string, unknown>,
  ): Promise<PublicCredential>;
  rotateApplicationCredential(session: Session, applicationId: string, id: string): Promise<CredentialWithSecrets>;
  deleteApplicationCredential(session: Session, applicationId: string, id: string): Promise<void>;

  /** 201 `pending`, or `approved` where the API (else the portal) auto-approves; 404 unknown API; 409 registered. */
  requestRegistration(session: Session, applicationId: string, api: string): Promise<PublicRegistration>;
  /** 403 when rejected or revoked (only an admin lifts either) or managed by the manifests. */
  withdrawRegistration(session: Session, applicationId: string, api: string): Promise<void>;

  close(): Promise<void>;
}
