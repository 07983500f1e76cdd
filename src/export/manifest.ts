// `export --format manifest`: the stored state as manifests that plan with no changes against it.
//
// - The managed objects only, by default (export/index.ts filters the state), so a plan on the
//   export shows no changes; with --include-unmanaged the self-service and released ones too (an
//   admin who wants the whole registry), each marked with a comment: applying the export adopts
//   them, which plan shows as an update. Sign-ups that have not verified their address are left
//   out, with a note: a plan would refuse to adopt them.
// - Secret fields are left out: in a manifest an omitted secret means "keep the stored value".
// - Non-secret fields are written in full, defaults and generated values (oauth2 clientId)
//   included, so nothing depends on the loader's defaults.
// - The portal's settings (docs/portal-service.md#settings) are written in full as the `portal:` block, defaults included.
// - Stable: developers sorted by email, credentials by type and identity, meta by key; a
//   developer's keys in manifest order, a credential's `type` and identity first, then the rest
//   sorted. Exporting the same state twice gives the same bytes.
//
// `exportManifestFiles` writes one file per developer, `developers/<email>.yaml`, where every
// character other than a-z 0-9 . _ @ + - (and a leading dot) is percent-encoded as UTF-8 bytes:
// the encoding is reversible, so two emails never share a file, even on a case-insensitive
// file system, and no file is hidden (the loader skips dot-files).
import { Document, isMap, isSeq, type YAMLMap, type YAMLSeq } from 'yaml';
import { compareCodeUnits } from '../util/strings.js';
import { type ExportedDeveloper, exportableValues, markLeftOut, refusedEmail } from './refused-values.js';
import { CREDENTIAL_SPECS, developerAddress } from '../model.js';
import { storedText } from '../render/stored-text.js';
import { sortedObject } from '../plan/diff.js';
import type { PortalSettings } from '../model.js';
import { portalSettingsFromMeta } from '../portal-settings.js';
import type { StateSnapshot, StoredApi, StoredCredential, StoredDeveloper } from '../store/types.js';
import { exportedApplications, manifestApis, manifestApplication, markSelfMadeApplications } from './applications.js';
import { plural } from '../util/plural.js';

export const MANIFEST_SCHEMA_URL = 'https://portalform.dev/schemas/manifest.schema.json';
const HEADER = ` yaml-language-server: $schema=${MANIFEST_SCHEMA_URL}`;

/** Says what an export left out (refused-values.ts). */
export type ExportWarn = (message: string) => void;

/** The whole state as one manifest document (portal.yaml). */
export function exportManifest(state: StateSnapshot, warn: ExportWarn = () => {}): string {
  const top = { portal: portalSettingsFromMeta(state.meta), apis: state.apis ?? [] };
  return manifestText(exportableDevelopers(state, warn), top, warn);
}

/** The state as one manifest per developer, keyed by a relative path, and the portal's settings and APIs in portal.yaml. */
export function exportManifestFiles(state: StateSnapshot, warn: ExportWarn = () => {}): Map<string, string> {
  const top = { portal: portalSettingsFromMeta(state.meta), apis: state.apis ?? [] };
  return new Map([
    [PORTAL_FILE, manifestText([], top, warn)],
    ...exportableDevelopers(state, warn).map((developer): [string, string] => [
      manifestFileName(developer.email),
      manifestText([developer], undefined, warn),
    ]),
  ]);
}

/** The developers sorted by email, less those whose email no manifest may declare (each said in a warning). */
function exportableDevelopers(state: StateSnapshot, warn: ExportWarn): StoredDeveloper[] {
  return sortedDevelopers(state).filter((developer) => {
    const why = refusedEmail(developer.email);
    if (why) warn(why);
    return why === undefined;
  });
}

export const PORTAL_FILE = 'portal.yaml';

export function manifestFileName(email: string): string {
  const encoded = [...email]
    .map((char, i) => (/[a-z0-9._@+-]/.test(char) && !(i === 0 && char === '.') ? char : percentEncode(char)))
    .join('');
  return `developers/${encoded}.yaml`;
}

/**
 * `--include-unmanaged` leaves out the sign-ups that have not verified their address: a plan on
 * the export would refuse to adopt them (docs/unmanaged.md). Returns the state without them and a
 * note naming them, or null when there are none.
 */
export function withoutUnverified(state: StateSnapshot): { state: StateSnapshot; note: string | null } {
  const left = state.developers.filter((d) => d.origin !== 'manifest' && d.emailVerified === false);
  if (left.length === 0) return { state, note: null };
  const named = left.slice(0, NAMED_IN_NOTE).map((d) => storedText(developerAddress(d.email)));
  const more = left.length > NAMED_IN_NOTE ? ` and ${left.length - NAMED_IN_NOTE} more` : '';
  const note =
    `left out ${plural(left.length, 'unverified sign-up')} (${named.join(', ')}${more}): ` +
    'they have not verified their address, and a plan would refuse to adopt them';
  return { state: { ...state, developers: state.developers.filter((d) => !left.includes(d)) }, note };
}

const NAMED_IN_NOTE = 5;

function percentEncode(char: string): string {
  return [...Buffer.from(char, 'utf8')].map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join('');
}

function sortedDevelopers(state: StateSnapshot): StoredDeveloper[] {
  return [...state.developers].sort((a, b) => compareCodeUnits(a.email, b.email));
}

/**
 * A document of `developers`, and of the `portal:` block (in full, like everything exported) and the
 * `apis:` when `top` is given.
 */
function manifestText(
  developers: StoredDeveloper[],
  top: { portal: PortalSettings; apis: readonly StoredApi[] } | undefined,
  warn: ExportWarn,
): string {
  const exported = developers.map(exportableValues);
  const portal = top?.portal;
  const apis = top ? manifestApis(top.apis) : [];
  const document = new Document({
    version: 1,
    ...(portal ? { portal } : {}),
    ...(apis.length > 0 ? { apis } : {}),
    ...(developers.length > 0 || !portal
      ? { developers: exported.map(({ developer }) => manifestDeveloper(developer)) }
      : {}),
  });
  document.commentBefore = HEADER;
  if (developers.length > 0) {
    markSelfService(
      document,
      exported.map(({ developer }) => developer),
    );
    markLeftOut(document, exported, warn);
  }
  return document.toString({ lineWidth: 0 });
}

function manifestDeveloper(developer: ExportedDeveloper): Record<string, unknown> {
  const credentials = sortedCredentials(developer);
  const applications = exportedApplications(developer).map((application) =>
    manifestApplication(application, sortedCredentials(application).map(manifestCredential)),
  );
  return {
    email: developer.email,
    ...(developer.fullName === null ? {} : { fullName: developer.fullName }),
    status: developer.status,
    ...(developer.customId === null ? {} : { customId: developer.customId }),
    ...(Object.keys(developer.meta).length === 0 ? {} : { meta: sortedObject(developer.meta) }),
    ...(credentials.length === 0 ? {} : { credentials: credentials.map(manifestCredential) }),
    ...(applications.length === 0 ? {} : { applications }),
  };
}

/** Non-secret fields only: the stored fields never hold a secret value. */
function manifestCredential(credential: StoredCredential): Record<string, unknown> {
  const spec = CREDENTIAL_SPECS[credential.type];
  const { [spec.identityField]: identity, ...rest } = credential.fields;
  return { type: credential.type, [spec.identityField]: identity ?? credential.identity, ...sortedObject(rest) };
}

function sortedCredentials(developer: Pick<StoredDeveloper, 'credentials'>): StoredCredential[] {
  const key = (credential: StoredCredential) => `${credential.type}:${credential.identity}`;
  return [...developer.credentials].sort((a, b) => compareCodeUnits(key(a), key(b)));
}

/** Comments the entries applying this manifest would adopt (they were not made by portalform). */
function markSelfService(document: Document, developers: ExportedDeveloper[]): void {
  const nodes = document.get('developers') as YAMLSeq<YAMLMap>;
  developers.forEach((developer, i) => {
    const developerNode = nodes.items[i]!;
    if (developer.origin !== 'manifest') developerNode.commentBefore = adoptionComment('developer', developer.origin);
    markSelfMadeCredentials(developerNode.get('credentials'), developer);
    markSelfMadeApplications(developerNode, exportedApplications(developer), adoptionComment, markSelfMadeCredentials);
  });
}

function markSelfMadeCredentials(credentialNodes: unknown, owner: Pick<StoredDeveloper, 'credentials'>): void {
  if (!isSeq(credentialNodes)) return;
  sortedCredentials(owner).forEach((credential, j) => {
    const node = credentialNodes.items[j];
    if (credential.origin !== 'manifest' && isMap(node))
      node.commentBefore = adoptionComment('credential', credential.origin);
  });
}

function adoptionComment(kind: string, origin: string): string {
  return ` origin: ${origin}. This ${kind} was not created by portalform; applying this manifest adopts it.`;
}
