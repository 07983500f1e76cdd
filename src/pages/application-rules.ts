// Who may do what with an application, as the pages read it off the engine's answer
// (docs/applications.md): whether the manifests manage it, which registrations hold it for an
// administrator, which ones the developer may withdraw.
import type { PublicApplication, PublicRegistration } from '../portal/contract.js';

/** Whether the manifests manage the application: the developer may not delete it. */
export function managedApplication(application: PublicApplication): boolean {
  return application.managed.application;
}

/** The registrations only an administrator lifts: the developer may neither withdraw them nor delete their application. */
export function blockingRegistrations(application: PublicApplication): PublicRegistration[] {
  return application.registrations.filter((r) => r.status === 'rejected' || r.status === 'revoked');
}

export function withdrawable(registration: PublicRegistration): boolean {
  return !registration.managed && (registration.status === 'pending' || registration.status === 'approved');
}
