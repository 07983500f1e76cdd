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
  DesiredCredential,
  DesiredDeveloper,
  DesiredState,
  Location,
  MovedBlock,
  RemovedBlock,
  ResolvedSecret,
  Status,
  SyncSource,
} from '../model.js';
import { compareCodeUnits } from '../util/strings.js';
import { locate, type LazyPositions } from './positions.js';
import { referenceOf, type DocumentReferences, type Reference } from './references.js';
import type { ManifestCredential, ManifestDeveloper } from './schema.js';
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
  const moved = docs.flatMap(({ file, fields, positions }) =>
    (fields.moved ?? []).map(
      (move, i): MovedBlock => ({
        from: canonicalEmail(move.from),
        to: canonicalEmail(move.to),
        get location() {
          return locate(file, positions.read(), `/moved/${i}`);
        },
      }),
    ),
  );
  const removed = docs.flatMap(({ file, fields, positions }) =>
    (fields.removed ?? []).map((entry, i): RemovedBlock => {
      const [type, ...identity] = entry.credential?.split(':') ?? [];
      return {
        developer: canonicalEmail(entry.developer),
        ...(entry.credential ? { credential: { type: type as CredentialType, identity: identity.join(':') } } : {}),
        keep: entry.keep === true,
        get location() {
          return locate(file, positions.read(), `/removed/${i}`);
        },
      };
    }),
  );
  const portal = completePortalSettings(docs.find((doc) => doc.fields.portal)?.fields.portal);
  return {
    credentialTypes: portal.credentialTypes,
    portal,
    developers: developers.sort((a, b) => compareCodeUnits(a.email, b.email)),
    moved,
    removed,
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

/** Where an entry is written: the pointer is built, and the line and column looked up, only when a message needs them. */
class Site {
  constructor(
    readonly source: Pick<EntrySource, 'file' | 'positions'>,
    readonly developer: number,
    readonly credential?: number,
  ) {}

  get pointer(): string {
    return this.credential === undefined
      ? `/developers/${this.developer}`
      : `/developers/${this.developer}/credentials/${this.credential}`;
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
    if (this.#credentials) return this.#credentials;
    this.#credentials = (this.entry().credentials ?? [])
      .map(
        (credential, i) =>
          new ManifestCredentialEntry(new Site(this.#source, this.#index, i), credential, this.#references),
      )
      .sort((a, b) => compareCodeUnits(a.type, b.type) || compareCodeUnits(a.identity, b.identity));
    // Built once: a large first apply must not hold the parsed entries beside what was built from them.
    this.attributes();
    this.#entry = undefined;
    return this.#credentials;
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

  constructor(site: Site, credential: ManifestCredential, references: Reference[] | undefined) {
    this.#site = site;
    const spec = CREDENTIAL_SPECS[credential.type];
    this.type = credential.type;
    this.fields = defaultFields(credential.type);
    for (const name in credential) {
      if (name === 'type') continue;
      const value = (credential as Record<string, unknown>)[name];
      if (spec.secretFields.includes(name)) {
        const secret = referenceOf(references, site.credential!, name)?.secret;
        if (secret) this.secrets[name] = secret;
      } else if (name === 'rsaPublicKey') {
        this.fields[name] = referenceOf(references, site.credential!, name)?.publicKey;
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
