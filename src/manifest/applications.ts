// The checks of APIs, applications and registrations (docs/applications.md): those of one developer
// entry (checkApplications, run with the checks of one document) and those of the whole set
// (checkApis, checkRegistrationApis), each problem located at the value that holds it.
import type { Diagnostic, Location } from '../model.js';
import { canonicalEmail } from './email.js';
import { formatLocation, shown } from './files.js';
import type { ManifestCredential } from './schema.js';
import {
  at,
  error,
  identityOf,
  pointerOf,
  type DeclaredDeveloper,
  type DocumentSite,
  type SourcedDocument,
  type WrittenDeveloper,
} from './sourced-document.js';
import { checkApiText } from './text-checks.js';

/** The prefix of the acl groups the decK export gives an API's callers (`api:<name>`), which manifests may not use. */
export const RESERVED_GROUP_PREFIX = 'api:';

/** Problems of one credential's own fields (validate.ts), relative to the credential's pointer. */
export type CredentialFieldCheck = (credential: ManifestCredential) => Array<{ message: string; pointer: string }>;

/** The credentials of one owner (a developer, or one of its applications) and how messages name it. */
export interface CredentialOwner {
  doc: DocumentSite;
  /** Pointer of the owner's credential list, e.g. `/developers/0/applications/1/credentials`. */
  pointer: string;
  credentials: readonly ManifestCredential[];
  /** How a message names the owner: `developer "a@example.com"`. */
  name: string;
  /** What the identity is unique per: `developer`, `application`. */
  kind: string;
}

/** Identities unique per owner, each credential's fields, and no acl group in the reserved `api:` range. */
export function checkOwnedCredentials(owner: CredentialOwner, fields: CredentialFieldCheck, cwd: string): Diagnostic[] {
  const { doc, pointer, credentials } = owner;
  const diagnostics: Diagnostic[] = [];
  const identities = new Map<string, number>(); // identity → index of its first credential
  credentials.forEach((credential, i) => {
    const id = `${credential.type}:${identityOf(credential)}`;
    const first = identities.get(id);
    if (first !== undefined) {
      diagnostics.push(
        error(
          `${owner.name} has two credentials ${shown(id)} (the first at ` +
            `${formatLocation(at(doc, `${pointer}/${first}`), cwd)}); a credential's identity must be unique per ${owner.kind}`,
          at(doc, `${pointer}/${i}`),
        ),
      );
    } else {
      identities.set(id, i);
    }
    if (credential.type === 'acl' && credential.group.startsWith(RESERVED_GROUP_PREFIX)) {
      diagnostics.push(reservedGroup(credential.group, at(doc, `${pointer}/${i}/group`)));
    }
    for (const problem of fields(credential))
      diagnostics.push(error(problem.message, at(doc, `${pointer}/${i}${problem.pointer}`)));
  });
  return diagnostics;
}

function reservedGroup(group: string, location: Location): Diagnostic {
  return error(
    `acl group ${shown(group)} begins with ${shown(RESERVED_GROUP_PREFIX)}, which is reserved: the decK export gives ` +
      `an API's callers the group api:<name>; grant access to an API with its aclGroups or a registration instead`,
    location,
  );
}

/** A developer entry's applications: allowed by its status, names unique, credentials and registrations each once. */
export function checkApplications(
  developer: WrittenDeveloper,
  fields: CredentialFieldCheck,
  cwd: string,
): Diagnostic[] {
  const { doc, value } = developer;
  const applications = value.applications ?? [];
  if (applications.length === 0) return [];
  const email = canonicalEmail(value.email);
  const diagnostics: Diagnostic[] = [];
  if (value.status === 'pending' || value.status === 'rejected') {
    const hint = value.status === 'pending' ? 'approve it first or remove the applications' : 'remove the applications';
    diagnostics.push(
      error(
        `developer ${shown(email)} is ${value.status}: ${value.status} developers cannot hold applications; ${hint}`,
        at(doc, pointerOf(developer, '/applications'), 'key'),
      ),
    );
  }
  const names = new Map<string, number>();
  applications.forEach((application, j) => {
    const pointer = pointerOf(developer, `/applications/${j}`);
    const first = names.get(application.name);
    if (first === undefined) names.set(application.name, j);
    else
      diagnostics.push(
        error(
          `developer ${shown(email)} has two applications ${shown(application.name)} (the first at ` +
            `${formatLocation(at(doc, pointerOf(developer, `/applications/${first}/name`)), cwd)}); an application's name must be unique per developer`,
          at(doc, `${pointer}/name`),
        ),
      );
    const owner = `application ${shown(application.name)} of developer ${shown(email)}`;
    const credentials = application.credentials ?? [];
    diagnostics.push(
      ...checkOwnedCredentials(
        { doc, pointer: `${pointer}/credentials`, credentials, name: owner, kind: 'application' },
        fields,
        cwd,
      ),
    );
    const apis = new Map<string, number>();
    (application.registrations ?? []).forEach((registration, k) => {
      const once = apis.get(registration.api);
      if (once === undefined) {
        apis.set(registration.api, k);
        return;
      }
      diagnostics.push(
        error(
          `${owner} registers to API ${shown(registration.api)} twice (the first at ` +
            `${formatLocation(at(doc, `${pointer}/registrations/${once}/api`), cwd)}); an application holds one registration per API`,
          at(doc, `${pointer}/registrations/${k}/api`),
        ),
      );
    });
  });
  return diagnostics;
}

/** An API declared in the set: its document and index. */
export interface DeclaredApi {
  doc: SourcedDocument;
  index: number;
  name: string;
}

/** Each API declared once across the set, its text and acl groups allowed; returns the first declaration of each name. */
export function checkApis(
  docs: SourcedDocument[],
  cwd: string,
): { diagnostics: Diagnostic[]; apis: Map<string, DeclaredApi> } {
  const apis = new Map<string, DeclaredApi>();
  const diagnostics: Diagnostic[] = [];
  for (const doc of docs) {
    (doc.fields.apis ?? []).forEach((api, index) => {
      const pointer = `/apis/${index}`;
      diagnostics.push(...checkApiText(doc, pointer, api));
      (api.aclGroups ?? []).forEach((group, k) => {
        if (group.startsWith(RESERVED_GROUP_PREFIX))
          diagnostics.push(reservedGroup(group, at(doc, `${pointer}/aclGroups/${k}`)));
      });
      const first = apis.get(api.name);
      if (!first) {
        apis.set(api.name, { doc, index, name: api.name });
        return;
      }
      diagnostics.push(
        error(
          `API ${shown(api.name)} is declared twice (also at ${formatLocation(at(first.doc, `/apis/${first.index}/name`), cwd)}); ` +
            `an API's name must be unique across the manifests`,
          at(doc, `${pointer}/name`),
        ),
      );
    });
  }
  return { diagnostics, apis };
}

/** Every registration names an API the manifests declare. */
export function checkRegistrationApis(
  developers: DeclaredDeveloper[],
  apis: ReadonlyMap<string, DeclaredApi>,
): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  for (const developer of developers) {
    developer.entry.applications.forEach(([name, , registered], j) => {
      registered.forEach((api, k) => {
        if (apis.has(api)) return;
        const declared = apis.size === 0 ? 'the manifests declare no API' : declaredApis(apis);
        diagnostics.push(
          error(
            `application ${shown(name)} of developer ${shown(developer.email)} registers to API ${shown(api)}, which ` +
              `the manifests do not declare (${declared}); declare it under apis or remove the registration`,
            at(developer.doc, pointerOf(developer, `/applications/${j}/registrations/${k}/api`)),
          ),
        );
      });
    });
  }
  return diagnostics;
}

/** A few of the declared names, as a hint. */
function declaredApis(apis: ReadonlyMap<string, DeclaredApi>): string {
  const names = [...apis.keys()].sort();
  return `declared: ${names.slice(0, 10).join(', ')}${names.length > 10 ? `, and ${names.length - 10} more` : ''}`;
}
