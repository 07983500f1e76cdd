// Builds the desired state from a validated manifest set, from the entries' summaries
// (summary.ts). A developer's attributes and credentials are read from its manifest entry only
// when something asks: a plan diffs only the developers whose sync digest differs from the stored
// one (plan/scope.ts), and computes that digest from the entry's content digest and its resolved
// references, without reading the entry (for a cached file, without parsing its values at all).
import { canonicalEmail } from '../util/canonical-email.js';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { CREDENTIAL_SPECS } from '../model.js';
import { completePortalSettings } from '../portal-settings.js';
import type {
  CredentialType,
  DesiredApplication,
  DesiredCredential,
  DesiredDeveloper,
  DesiredRegistration,
  DesiredState,
  Location,
  ResolvedSecret,
  Status,
  SyncSource,
} from '../model.js';
import { desiredApis, desiredMoves, desiredRemovals } from './desired-blocks.js';
import { compareCodeUnits } from '../util/strings.js';
import { locate, type LazyPositions } from './positions.js';
import { referenceOf, type DocumentReferences, type Reference } from './references.js';
import type { ManifestApplication, ManifestCredential, ManifestDeveloper } from './schema.js';
import type { EntrySummary } from './summary.js';
import type { LazyDevelopers, SourcedDocument } from './validate.js';

export interface ManifestFile {
  path: string;
  bytes: Uint8Array;
  /** SHA-256 of the bytes (hex): the manifest digest and the parse cache's key are made from it. */
  sha256: string;
}

export function buildDesiredState(
  docs: SourcedDocument[],
  references: Map<SourcedDocument, DocumentReferences>,
  files: ManifestFile[],
  cwd: string,
): DesiredState {
  const developers: DesiredDeveloper[] = [];
  for (const doc of docs) {
    const refs = references.get(doc) ?? [];
    // The desired state outlives the documents: it keeps where entries are written, and how to
    // read an entry once, not the documents.
    const source: EntrySource = { file: doc.file, positions: doc.positions, take: entryTaker(doc.developers) };
    for (const [i, summary] of doc.entries.entries()) {
      developers.push(new ManifestDeveloperEntry(source, i, summary, refs[i]));
    }
  }
  const portal = completePortalSettings(docs.find((doc) => doc.fields.portal)?.fields.portal);
  return {
    credentialTypes: portal.credentialTypes,
    portal,
    apis: desiredApis(docs),
    developers: developers.sort((a, b) => compareCodeUnits(a.email, b.email)),
    moved: desiredMoves(docs),
    removed: desiredRemovals(docs),
    manifestDigest: digestOf(files, cwd),
    files: files.map((file) => file.path),
  };
}

/**
 * Reads entry `i` of a document, once: its slot is cleared, so that a large apply does not hold
 * the parsed entries beside what was built from them. A cached document's value is read only if
 * some entry is; after the first read only the entries not yet taken are held, not the document.
 */
function entryTaker(developers: LazyDevelopers): (i: number) => ManifestDeveloper {
  let source: LazyDevelopers | undefined = developers;
  let entries: Array<ManifestDeveloper | undefined> | undefined;
  return (i) => {
    if (!entries) {
      entries = [...source!.load()];
      source = undefined;
    }
    const entry = entries[i]!;
    entries[i] = undefined;
    return entry;
  };
}

/** What the entries of one document share: where they are written, and how to read one. */
interface EntrySource {
  file: string;
  positions: LazyPositions;
  take(i: number): ManifestDeveloper;
}

/**
 * Where an entry, or something in it, is written: the pointer is built, and the line and column
 * looked up, only when a message needs them. `application` and `index` name an application's
 * credential or registration (`part`), or without `application` one of the developer's credentials.
 */
class Site {
  constructor(
    readonly source: Pick<EntrySource, 'file' | 'positions'>,
    readonly developer: number,
    readonly index?: number,
    readonly application?: number,
    readonly part: 'credentials' | 'registrations' = 'credentials',
  ) {}

  get pointer(): string {
    const owner =
      this.application === undefined
        ? `/developers/${this.developer}`
        : `/developers/${this.developer}/applications/${this.application}`;
    return this.index === undefined ? owner : `${owner}/${this.part}/${this.index}`;
  }

  get location(): Location {
    return locate(this.source.file, this.source.positions.read(), this.pointer);
  }
}

// Classes rather than object literals: `location` and `credentials` are getters on the prototype,
// so a plan without errors never reads positions (for a cached file, reading them costs more than
// parsing it did) and builds credentials only for the developers it diffs. What they are built
// from is kept in private fields, which copies and JSON leave out.

class ManifestDeveloperEntry implements DesiredDeveloper {
  readonly email: string;
  readonly customId: string | null;
  // A hundred thousand of these live through a plan: each keeps only what it cannot share or
  // compute when asked, so that the garbage collector has few objects to copy.
  readonly #source: EntrySource;
  readonly #index: number;
  readonly #digest: string;
  /** The manifest entry, read when first needed (for a developer the plan finds in sync, never) and dropped once the credentials are built from it. */
  #entry: ManifestDeveloper | undefined;
  readonly #references: Reference[] | undefined;
  #attributes: Pick<DesiredDeveloper, 'fullName' | 'status' | 'meta'> | undefined;
  #credentials: DesiredCredential[] | undefined;
  #applications: DesiredApplication[] | undefined;

  constructor(source: EntrySource, index: number, summary: EntrySummary, references: Reference[] | undefined) {
    this.#source = source;
    this.#index = index;
    this.#digest = summary.digest;
    this.#references = references;
    this.email = canonicalEmail(summary.email);
    this.customId = summary.customId;
  }

  get sync(): SyncSource {
    return { content: this.#digest, references: this.#references ?? [] };
  }

  get fullName(): string | null {
    return this.attributes().fullName;
  }

  get status(): Status {
    return this.attributes().status;
  }

  get meta(): Record<string, string> {
    return this.attributes().meta;
  }

  get credentials(): DesiredCredential[] {
    if (!this.#credentials) this.build();
    return this.#credentials!;
  }

  get applications(): DesiredApplication[] {
    if (!this.#applications) this.build();
    return this.#applications!;
  }

  /**
   * Its credentials and applications, built at once from the entry, which is then let go: a large
   * first apply must not hold the parsed entries beside what was built from them.
   */
  private build(): void {
    const entry = this.entry();
    const site = (index: number, application?: number) => new Site(this.#source, this.#index, index, application);
    this.#credentials = sortedCredentials(
      (entry.credentials ?? []).map(
        (credential, i) => new ManifestCredentialEntry(site(i), i, credential, this.#references),
      ),
    );
    let flat = entry.credentials?.length ?? 0;
    this.#applications = (entry.applications ?? [])
      .map((application, j) => {
        const credentials = (application.credentials ?? []).map(
          (credential, i) => new ManifestCredentialEntry(site(i, j), flat + i, credential, this.#references),
        );
        flat += credentials.length;
        return desiredApplication(
          application,
          sortedCredentials(credentials),
          new Site(this.#source, this.#index, undefined, j),
        );
      })
      .sort((a, b) => compareCodeUnits(a.name, b.name));
    this.attributes();
    this.#entry = undefined;
  }

  get location(): Location {
    return new Site(this.#source, this.#index).location;
  }

  private attributes(): Pick<DesiredDeveloper, 'fullName' | 'status' | 'meta'> {
    if (this.#attributes) return this.#attributes;
    const { fullName, status, meta } = this.entry();
    return (this.#attributes = { fullName: fullName ?? null, status, meta: { ...meta } });
  }

  private entry(): ManifestDeveloper {
    return (this.#entry ??= this.#source.take(this.#index));
  }
}

class ManifestCredentialEntry implements DesiredCredential {
  readonly type: CredentialType;
  readonly identity: string;
  readonly fields: Record<string, unknown>;
  readonly secrets: Record<string, ResolvedSecret> = {};
  readonly #site: Site;

  /** `flat`: its index among the entry's credentials, its own then its applications' (summary.ts), by which references name it. */
  constructor(site: Site, flat: number, credential: ManifestCredential, references: Reference[] | undefined) {
    this.#site = site;
    const spec = CREDENTIAL_SPECS[credential.type];
    this.type = credential.type;
    this.fields = defaultFields(credential.type);
    for (const name in credential) {
      if (name === 'type') continue;
      const value = (credential as Record<string, unknown>)[name];
      if (spec.secretFields.includes(name)) {
        const secret = referenceOf(references, flat, name)?.secret;
        if (secret) this.secrets[name] = secret;
      } else if (name === 'rsaPublicKey') {
        this.fields[name] = referenceOf(references, flat, name)?.publicKey;
      } else {
        // Copied: an alias in the manifest makes several credentials share one array.
        this.fields[name] = Array.isArray(value) ? [...value] : value;
      }
    }
    this.identity = String(this.fields[spec.identityField]);
  }

  get location(): Location {
    return this.#site.location;
  }
}

function sortedCredentials(credentials: DesiredCredential[]): DesiredCredential[] {
  return credentials.sort((a, b) => compareCodeUnits(a.type, b.type) || compareCodeUnits(a.identity, b.identity));
}

/** An application of an entry; `site` is where it is written. */
function desiredApplication(
  application: ManifestApplication,
  credentials: DesiredCredential[],
  site: Site,
): DesiredApplication {
  const registrations = (application.registrations ?? [])
    .map(
      ({ api, status }, k): DesiredRegistration => ({
        api,
        status,
        get location() {
          return new Site(site.source, site.developer, k, site.application, 'registrations').location;
        },
      }),
    )
    .sort((a, b) => compareCodeUnits(a.api, b.api));
  return {
    name: application.name,
    description: application.description ?? null,
    credentials,
    registrations,
    get location() {
      return site.location;
    },
  };
}

function defaultFields(type: CredentialType): Record<string, unknown> {
  if (type === 'jwt') return { algorithm: 'HS256' };
  if (type === 'oauth2') return { clientType: 'confidential', hashSecret: false, redirectUris: [] };
  return {};
}

/** SHA-256 over `relativePath \0 SHA-256(content) \0` of each file, in order. */
function digestOf(files: ManifestFile[], cwd: string): string {
  const hash = createHash('sha256');
  for (const file of files) hash.update(`${path.relative(cwd, file.path).split(path.sep).join('/')}\0${file.sha256}\0`);
  return hash.digest('hex');
}
