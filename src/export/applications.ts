// `export --format manifest`, the parts of docs/applications.md: the stored APIs as the `apis:` block, and
// each developer's applications with their credentials and registrations, written so that a plan
// on the export shows no changes — a description only where the manifests manage it (an entry that
// omits it leaves it to the developer), no secret values, registrations in their stored status.
import { isMap, isSeq, type YAMLMap } from 'yaml';
import type { StoredApi, StoredApplication, StoredDeveloper, StoredRegistration } from '../store/types.js';
import { compareCodeUnits } from '../util/strings.js';

export function manifestApis(apis: readonly StoredApi[]): Record<string, unknown>[] {
  return [...apis]
    .sort((a, b) => compareCodeUnits(a.name, b.name))
    .map((api) => ({
      name: api.name,
      ...(api.title === null ? {} : { title: api.title }),
      ...(api.description === null ? {} : { description: api.description }),
      ...(api.autoApproveRegistrations === null ? {} : { autoApproveRegistrations: api.autoApproveRegistrations }),
      ...(api.aclGroups.length === 0 ? {} : { aclGroups: [...api.aclGroups] }),
    }));
}

/** Applications on a developer that may hold them: a pending or rejected developer may not (docs/applications.md). */
export function exportedApplications(developer: Pick<StoredDeveloper, 'status' | 'applications'>): StoredApplication[] {
  if (developer.status === 'pending' || developer.status === 'rejected') return [];
  return [...(developer.applications ?? [])].sort((a, b) => compareCodeUnits(a.name, b.name));
}

export function sortedRegistrations(application: StoredApplication): StoredRegistration[] {
  return [...application.registrations].sort((a, b) => compareCodeUnits(a.api, b.api));
}

/**
 * One application's entry; `credentials` its manifest credential entries, sorted. The
 * description is written only when the manifests manage it.
 */
export function manifestApplication(
  application: StoredApplication,
  credentials: Record<string, unknown>[],
): Record<string, unknown> {
  const registrations = sortedRegistrations(application);
  return {
    name: application.name,
    ...(application.descriptionManaged && application.description !== null
      ? { description: application.description }
      : {}),
    ...(credentials.length === 0 ? {} : { credentials }),
    ...(registrations.length === 0
      ? {}
      : { registrations: registrations.map((r) => ({ api: r.api, status: r.status })) }),
  };
}

/** Comments the application entries (and their registrations) applying the export would adopt. */
export function markSelfMadeApplications(
  developerNode: YAMLMap,
  applications: readonly StoredApplication[],
  comment: (kind: string, origin: string) => string,
  markCredentials: (node: unknown, application: StoredApplication) => void,
): void {
  const nodes = developerNode.get('applications');
  if (!isSeq(nodes)) return;
  applications.forEach((application, i) => {
    const node = nodes.items[i];
    if (!isMap(node)) return;
    if (application.origin !== 'manifest') node.commentBefore = comment('application', application.origin);
    markCredentials(node.get('credentials'), application);
    const registrationNodes = node.get('registrations');
    if (!isSeq(registrationNodes)) return;
    sortedRegistrations(application).forEach((registration, j) => {
      const registrationNode = registrationNodes.items[j];
      if (registration.origin !== 'manifest' && isMap(registrationNode))
        registrationNode.commentBefore = comment('registration', registration.origin);
    });
  });
}
