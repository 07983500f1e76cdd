// Which stored developers a plan must read in full. The store first reads every developer's sync
// digest (a few bytes each); a developer whose digest equals its manifest entry's (digest.ts) is
// in sync and is neither read nor diffed. Read in full: developers that may differ, managed ones
// the manifests no longer declare (deleted), both ends of a `moved` block, developers named by
// --replace, --rotate or --target (for an API's, the developers the manifests register to it), the
// owner of an application a `moved` block renames, and — so that a value taken from an unmanaged holder is caught —
// the holders of every unique value a changed or new developer claims.
import { parseAnyAddress } from '../address.js';
import { CREDENTIAL_SPECS, type DesiredDeveloper, type DesiredState } from '../model.js';
import type { Vault } from '../secrets/vault.js';
import type { ScopeSelection, StoredIndex } from '../store/types.js';
import { developerDigest } from './digest.js';
import { duplicateSpellings } from './duplicates.js';

export class PlanScope {
  /** The manifests' digest of each desired developer (same order), once `select` has run. */
  private digests: string[] = [];
  private stored: StoredIndex = new Map();

  constructor(
    private readonly desired: DesiredState,
    /** Addresses named by --replace, --rotate and --target. */
    private readonly addresses: string[],
  ) {}

  select(index: StoredIndex, vault: Vault): ScopeSelection {
    this.stored = index;
    const read = new Set<string>();
    const inSync = new Set<string>();
    const changing: DesiredDeveloper[] = [];
    let declaredAndStored = 0;
    this.digests = this.desired.developers.map((developer) => {
      const digest = developerDigest(developer, vault);
      const entry = index.get(developer.email);
      if (entry) declaredAndStored++;
      if (entry && entry.digest === digest && entry.origin === 'manifest') {
        inSync.add(developer.email);
        return digest;
      }
      if (entry) read.add(developer.email);
      changing.push(developer);
      return digest;
    });
    // Stored developers the manifests no longer declare are deleted: looked for only when some exist.
    if (declaredAndStored < index.size) {
      const wanted = new Set(this.desired.developers.map((d) => d.email));
      for (const [email, entry] of index) if (!wanted.has(email) && entry.origin === 'manifest') read.add(email);
    }
    for (const move of this.desired.moved) {
      if (move.kind === 'application') read.add(move.email!);
      else if (move.kind !== 'api') read.add(move.from).add(move.to);
    }
    for (const email of duplicateSpellings(index.keys())) if (index.has(email)) read.add(email);
    for (const entry of this.desired.removed ?? []) if (index.has(entry.developer)) read.add(entry.developer);
    for (const address of this.addresses) for (const email of this.emailsOf(address)) read.add(email);
    for (const email of read) inSync.delete(email);
    return { read, inSync, claims: claimsOf(changing, vault) };
  }

  /** The developers an address concerns: its owner, or for an API's every one the manifests register to it. */
  private emailsOf(text: string): string[] {
    const address = parseAnyAddress(text);
    if (address.kind !== 'api') return [address.email];
    return this.desired.developers
      .filter((d) => d.applications?.some((a) => a.registrations.some((r) => r.api === address.name)))
      .map((d) => d.email);
  }

  /**
   * After a complete apply every desired developer matches its manifest entry: the digests to
   * store, for those whose stored digest differs or whose rows the apply touched.
   */
  digestsToStore(touched: Set<string>, vault: Vault): Array<{ email: string; digest: string }> {
    const out: Array<{ email: string; digest: string }> = [];
    this.desired.developers.forEach((developer, i) => {
      const { email } = developer;
      // A new state was never selected from: its digests are computed here.
      const digest = this.digests[i] ?? developerDigest(developer, vault);
      if (touched.has(email) || this.stored.get(email)?.digest !== digest) out.push({ email, digest });
    });
    return out;
  }
}

function claimsOf(developers: DesiredDeveloper[], vault: Vault): ScopeSelection['claims'] {
  const customIds: string[] = [];
  const unique: Array<{ type: string; value: string }> = [];
  for (const developer of developers) {
    if (developer.customId !== null) customIds.push(developer.customId);
    const credentials = [...developer.credentials, ...(developer.applications ?? []).flatMap((a) => a.credentials)];
    for (const credential of credentials) {
      const field = CREDENTIAL_SPECS[credential.type].uniqueField;
      if (!field) continue;
      const secret = credential.secrets[field];
      const value = secret ? vault.digest(credential.type, field, secret.value) : credential.fields[field];
      if (typeof value === 'string') unique.push({ type: credential.type, value });
    }
  }
  return { customIds, unique };
}
