// The self-service engine's application calls (docs/applications.md), as the pages use them: the
// portal's APIs, the developer's applications, their credentials and registrations.
import type { Status } from '../model.js';
import type { CredentialWithSecrets, PortalEngine, PublicCredential, Session } from '../portal/contract.js';
import type { Origin } from '../store/types.js';

/** An API the portal publishes, as a developer may register to it. */
export interface ApiChoice {
  name: string;
  title: string | null;
  description: string | null;
  /** Whether a registration to it starts approved. */
  autoApprove: boolean;
}

export interface RegistrationView {
  api: string;
  status: Status;
  origin: Origin;
  createdAt: string;
}

export interface ApplicationView {
  id: string;
  name: string;
  description: string | null;
  origin: Origin;
  createdAt: string;
  /** True when the manifests manage the description: the developer may not change it. */
  descriptionManaged: boolean;
  credentials: PublicCredential[];
  registrations: RegistrationView[];
}

export interface ApplicationCalls {
  listApis(session: Session): Promise<ApiChoice[]>;
  listApplications(session: Session): Promise<ApplicationView[]>;
  getApplication(session: Session, id: string): Promise<ApplicationView>;
  createApplication(session: Session, input: { name: string; description?: string }): Promise<ApplicationView>;
  updateApplication(session: Session, id: string, input: { description: string }): Promise<ApplicationView>;
  deleteApplication(session: Session, id: string): Promise<void>;
  getApplicationCredential(session: Session, application: string, id: string): Promise<PublicCredential>;
  createApplicationCredential(
    session: Session,
    application: string,
    input: Record<string, unknown>,
  ): Promise<CredentialWithSecrets>;
  updateApplicationCredential(
    session: Session,
    application: string,
    id: string,
    input: Record<string, unknown>,
  ): Promise<PublicCredential>;
  rotateApplicationCredential(session: Session, application: string, id: string): Promise<CredentialWithSecrets>;
  deleteApplicationCredential(session: Session, application: string, id: string): Promise<void>;
  requestRegistration(session: Session, application: string, api: string): Promise<RegistrationView>;
  withdrawRegistration(session: Session, application: string, api: string): Promise<void>;
}

/** The engine's application calls. */
export function applicationCalls(engine: PortalEngine): ApplicationCalls {
  return engine as unknown as ApplicationCalls;
}

/** Whether the manifests manage the application: the developer may not delete it. */
export function managedApplication(application: ApplicationView): boolean {
  return application.origin === 'manifest';
}

/** The registrations only an administrator lifts: the developer may neither withdraw them nor delete their application. */
export function blockingRegistrations(application: ApplicationView): RegistrationView[] {
  return application.registrations.filter((r) => r.status === 'rejected' || r.status === 'revoked');
}

export function withdrawable(registration: RegistrationView): boolean {
  return (
    registration.origin !== 'manifest' && (registration.status === 'pending' || registration.status === 'approved')
  );
}
