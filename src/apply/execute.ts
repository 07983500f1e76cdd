import { randomUUID } from 'node:crypto';
import { credentialsActive } from '../lifecycle.js';
import { CREDENTIAL_SPECS, credentialAddress, uniqueValueOf, type CredentialType, type Status } from '../model.js';
import type { DecisionChange } from '../mail/messages.js';
import type { Action, Change, SecretPlan } from '../plan/types.js';
import type { PortalSettings } from '../model.js';
import { portalSettingsProblem, portalSettingsToMeta } from '../portal-settings.js';
import { PortalformError } from '../errors.js';
import { generateSecretValue, hashPassword, type Vault } from '../secrets/vault.js';
import type { CredentialRowInput, DeveloperRowInput, StateWriter } from '../store/index.js';
import { clearTombstone } from '../store/tombstone-rows.js';
import type { StateSnapshot, StoredCredential, StoredSecret } from '../store/types.js';
import { count, timed } from '../timing.js';
import { chunks } from '../util/chunks.js';
import { ApplicationSteps, isApplicationStep, type ApplicationStep } from './application-steps.js';

/** Supplies the value of a secret the manifest gives; checks it still matches the planned digest. */
export type SecretValueSource = (
  address: string,
  type: CredentialType,
  field: string,
  plan: Extract<SecretPlan, { mode: 'given' }>,
) => Promise<string>;

export interface ExecuteOptions {
  writer: StateWriter;
  state: StateSnapshot;
  vault: Vault;
  secretValue: SecretValueSource;
  now: string;
  /** Called for each step as it runs, for progress. */
  onStep?: (done: number, total: number) => void;
}

/** Generated values by address and field: they reach the user only through --secrets-out or reveal. */
export type GeneratedSecrets = Record<string, Record<string, string>>;

/** Batches of consecutive changes of one of these kinds become multi-row statements. */
const BATCHED = new Set<Action['do']>([
  'developer.create',
  'developer.delete',
  'credential.create',
  'credential.delete',
  'api.create',
  'api.delete',
  'application.create',
  'application.delete',
  'registration.create',
  'registration.delete',
]);
const HASH_CONCURRENCY = 8;
const CREATE_SLICE = 10_000;

/**
 * Runs ordered changes inside the apply transaction. Keeps its own view of ids and statuses
 * as it goes, so each step sees the effects of the ones before it.
 */
export class Executor {
  private readonly developerIds = new Map<string, string>();
  private readonly statuses = new Map<string, Status>();
  /** By owner (the developer's id, or its application's), type and identity. */
  private readonly credentials = new Map<string, StoredCredential>();
  private readonly applications: ApplicationSteps;
  /** Developers this apply creates: their invite is their news, not a decision. */
  private readonly created = new Set<string>();
  /** basic-auth passwords hashed ahead of the writes, by address and field. */
  private readonly hashed = new Map<string, { value: string; hash: string }>();
  readonly generated: GeneratedSecrets = {};
  /** Each stored developer's final status after the transitions it went through, by id; a deleted one is dropped. */
  readonly decided = new Map<string, Status>();

  constructor(private readonly options: ExecuteOptions) {
    for (const developer of options.state.developers) {
      this.developerIds.set(developer.email, developer.id);
      this.statuses.set(developer.id, developer.status);
      for (const credential of developer.credentials) {
        this.credentials.set(credentialKey(developer.id, credential.type, credential.identity), credential);
      }
      for (const application of developer.applications ?? [])
        for (const credential of application.credentials)
          this.credentials.set(credentialKey(application.id, credential.type, credential.identity), credential);
    }
    this.applications = new ApplicationSteps(options.state, options.writer, options.now, (email) =>
      this.developerId(email),
    );
  }

  /** What each developer kept by the apply is to be told of their applications and registrations, by id. */
  news(): Map<string, DecisionChange[]> {
    const news = this.applications.newsByDeveloper();
    for (const id of this.created) news.delete(id);
    return news;
  }

  async run(changes: Change[]): Promise<void> {
    // Steps ordered before a move (credential deletions) already name the developer by its new email.
    for (const change of changes) {
      const action = change.action;
      if (action.do === 'developer.move') this.developerIds.set(action.to, this.developerId(action.from));
    }
    this.applications.prepare(changes.map((c) => c.action));
    await timed('hash passwords', () => this.hashPasswords(changes));
    await timed('write changes', () => this.runBatches(changes));
  }

  /**
   * Hashes every basic-auth password the changes set, all at once before the writes: the slow
   * part of a large apply, run HASH_CONCURRENCY at a time on libuv's thread pool, so on every core.
   */
  private async hashPasswords(changes: Change[]): Promise<void> {
    const wanted: Array<{ key: string; value: string }> = [];
    for (const { action } of changes) {
      if ((action.do !== 'credential.create' && action.do !== 'credential.update') || action.type !== 'basic-auth')
        continue;
      const address = credentialAddress(action.email, action.type, action.identity, action.application);
      for (const [field, plan] of Object.entries(action.secrets ?? {})) {
        if (action.do === 'credential.update' && action.backfill?.includes(field)) continue; // keeps its hash
        wanted.push({ key: `${address}\0${field}`, value: await this.secretValue(address, action.type, field, plan) });
      }
    }
    count('passwords hashed', wanted.length);
    const hashes = await mapConcurrent(wanted, (w) => hashPassword(w.value));
    for (const [i, w] of wanted.entries()) this.hashed.set(w.key, { value: w.value, hash: hashes[i]! });
  }

  private async runBatches(changes: Change[]): Promise<void> {
    let i = 0;
    while (i < changes.length) {
      const kind = changes[i]!.action.do;
      let end = i + 1;
      if (BATCHED.has(kind)) while (end < changes.length && changes[end]!.action.do === kind) end++;
      await this.runBatch(changes.slice(i, end).map((c) => c.action));
      i = end;
      // A turn of the event loop after each batch: a Ctrl-C reaches the CLI, which ends the run before the commit.
      await new Promise((resolve) => setImmediate(resolve));
      this.options.onStep?.(i, changes.length);
    }
  }

  private async runBatch(actions: Action[]): Promise<void> {
    const first = actions[0]!;
    const { writer, now } = this.options;
    if (isApplicationStep(first)) return this.applications.run(actions as ApplicationStep[]);
    switch (first.do) {
      case 'portal.update':
        return this.storePortalSettings(first.settings);
      case 'developer.create':
        return writer.insertDevelopers(
          actions.map((a) => this.newDeveloper(a as typeof first)),
          now,
        );
      case 'developer.delete': {
        const ids = actions.map((a) => this.developerId((a as typeof first).email));
        for (const id of ids) {
          this.decided.delete(id);
          this.applications.forgetNews(id);
        }
        return writer.deleteDevelopers(ids);
      }
      case 'credential.create':
        // A slice at a time: the rows of a very large apply (secrets sealed, fields as JSON) never all wait in memory.
        for (const slice of chunks(actions as (typeof first)[], CREATE_SLICE)) {
          await writer.insertCredentials(await mapConcurrent(slice, (a) => this.newCredential(a)), now);
        }
        return;
      case 'credential.delete':
        return writer.deleteCredentials(actions.map((a) => this.existingCredential(a as typeof first).id));
      case 'developer.move':
        return writer.updateDeveloper(this.developerId(first.from), { email: first.to }, now);
      case 'developer.transition':
        return this.transition(first);
      case 'developer.update':
        return writer.updateDeveloper(
          this.developerId(first.email),
          {
            ...withoutAdopt(first.set),
            ...(first.set.adopt ? { origin: 'manifest' as const } : {}),
            ...(first.set.release ? { origin: 'released' as const } : {}),
          },
          now,
        );
      case 'credential.update':
        return this.updateCredential(first);
      case 'credential.activation':
        return; // written by the developer's transition, in the same transaction
      case 'tombstone.clear':
        return clearTombstone(writer.conn, first.email);
    }
  }

  /** A saved plan's settings are checked as the manifests' were: the service trusts what is stored. */
  private async storePortalSettings(settings: PortalSettings): Promise<void> {
    const problem = portalSettingsProblem(settings);
    if (problem) throw new PortalformError(`the plan's portal settings are not valid (${problem}); make a new plan`);
    await this.options.writer.setMeta(portalSettingsToMeta(settings));
  }

  private newDeveloper(action: Extract<Action, { do: 'developer.create' }>): DeveloperRowInput {
    const id = randomUUID();
    this.created.add(id);
    this.developerIds.set(action.developer.email, id);
    this.statuses.set(id, action.developer.status);
    const { email, fullName, status, customId, meta } = action.developer;
    return { id, email, fullName, status, customId, meta, origin: 'manifest' };
  }

  private async transition(action: Extract<Action, { do: 'developer.transition' }>): Promise<void> {
    const id = this.developerId(action.email);
    await this.options.writer.updateDeveloper(id, { status: action.to }, this.options.now);
    if (action.from === 'approved') await this.options.writer.endSessions([id]);
    // Credentials are active exactly while their developer is approved: flipped in the same transaction.
    if (credentialsActive(action.from) !== credentialsActive(action.to)) {
      await this.options.writer.setCredentialsActive([id], credentialsActive(action.to), this.options.now);
    }
    this.statuses.set(id, action.to);
    this.decided.set(id, action.to);
  }

  private async newCredential(action: Extract<Action, { do: 'credential.create' }>): Promise<CredentialRowInput> {
    const developerId = this.developerId(action.email);
    const id = randomUUID();
    const address = credentialAddress(action.email, action.type, action.identity, action.application);
    const fields = { ...action.fields };
    for (const field of CREDENTIAL_SPECS[action.type].generatedFields) {
      if (fields[field] === undefined) fields[field] = generateSecretValue(32);
    }
    const secrets: Record<string, StoredSecret> = {};
    for (const [field, plan] of Object.entries(action.secrets)) {
      secrets[field] = await this.storeSecret(id, address, action.type, field, plan);
    }
    const row: CredentialRowInput = {
      id,
      developerId,
      ...(action.application === undefined
        ? {}
        : { applicationId: this.applications.applicationId(action.email, action.application) }),
      type: action.type,
      identity: action.identity,
      uniqueValue: uniqueValueOf(action.type, fields, secrets),
      fields,
      secrets,
      active: credentialsActive(this.statuses.get(developerId)!),
      origin: 'manifest',
    };
    // Not kept in `credentials`: a plan never changes a credential again after creating it, and a
    // large first apply would otherwise hold every new row until the end.
    return row;
  }

  private async updateCredential(action: Extract<Action, { do: 'credential.update' }>): Promise<void> {
    const existing = this.existingCredential(action);
    const address = credentialAddress(action.email, action.type, action.identity, action.application);
    const fields = action.fields ?? existing.fields;
    const secrets = { ...existing.secrets };
    for (const [field, plan] of Object.entries(action.secrets ?? {})) {
      secrets[field] = action.backfill?.includes(field)
        ? await this.backfillSecret(existing, address, field, plan)
        : await this.storeSecret(existing.id, address, action.type, field, plan);
    }
    const uniqueValue = action.clearUnique ? null : uniqueValueOf(action.type, fields, secrets);
    await this.options.writer.updateCredential(
      existing.id,
      {
        uniqueValue,
        ...(action.fields ? { fields } : {}),
        ...(action.secrets ? { secrets } : {}),
        ...(action.adopt ? { origin: 'manifest' as const } : {}),
        ...(action.release ? { origin: 'released' as const } : {}),
      },
      this.options.now,
    );
    this.credentials.set(credentialKey(this.ownerId(action), action.type, action.identity), {
      ...existing,
      fields,
      secrets,
      uniqueValue,
    });
  }

  private async storeSecret(
    credentialId: string,
    address: string,
    type: CredentialType,
    field: string,
    plan: SecretPlan,
  ): Promise<StoredSecret> {
    const { vault } = this.options;
    const hashed = this.hashed.get(`${address}\0${field}`);
    const value = hashed?.value ?? (await this.secretValue(address, type, field, plan));
    const stored: StoredSecret = { digest: vault.digest(type, field, value), generated: plan.mode === 'generate' };
    const ciphertext = vault.seal(credentialId, field, value);
    if (ciphertext) stored.ciphertext = ciphertext;
    if (type === 'basic-auth') stored.hash = hashed?.hash ?? (await hashPassword(value));
    return stored;
  }

  /** A stored secret as it was (digest, hash), with the encrypted copy of the manifest's value added. */
  private async backfillSecret(
    existing: StoredCredential,
    address: string,
    field: string,
    plan: SecretPlan,
  ): Promise<StoredSecret> {
    const stored = existing.secrets[field];
    const value = await this.secretValue(address, existing.type, field, plan);
    const ciphertext = this.options.vault.seal(existing.id, field, value);
    if (!stored || !ciphertext || this.options.vault.digest(existing.type, field, value) !== stored.digest) {
      throw new PortalformError(`${address}: its ${field} changed since the plan was made; make a new plan`);
    }
    return { ...stored, ciphertext };
  }

  /** The value a secret takes: the manifest's, or a new one (kept for the user in `generated`). */
  private async secretValue(address: string, type: CredentialType, field: string, plan: SecretPlan): Promise<string> {
    if (plan.mode === 'given') return this.options.secretValue(address, type, field, plan);
    const value = generateSecretValue();
    (this.generated[address] ??= {})[field] = value;
    return value;
  }

  private developerId(email: string): string {
    const id = this.developerIds.get(email);
    if (!id) throw new Error(`internal error: ${email} is not in the state`);
    return id;
  }

  /** The id of a credential's owner: its application's, else its developer's. */
  private ownerId(action: CredentialStep): string {
    return action.application === undefined
      ? this.developerId(action.email)
      : this.applications.applicationId(action.email, action.application);
  }

  private existingCredential(action: CredentialStep): StoredCredential {
    const credential = this.credentials.get(credentialKey(this.ownerId(action), action.type, action.identity));
    if (!credential) {
      const address = credentialAddress(action.email, action.type, action.identity, action.application);
      throw new Error(`internal error: ${address} is not in the state`);
    }
    return credential;
  }
}

type CredentialStep = { email: string; type: CredentialType; identity: string; application?: string };

function withoutAdopt<T extends { adopt?: true; release?: true }>(set: T): Omit<T, 'adopt' | 'release'> {
  const { adopt: _adopt, release: _release, ...rest } = set;
  return rest;
}

function credentialKey(developerId: string, type: string, identity: string): string {
  return `${developerId}\0${type}\0${identity}`;
}

async function mapConcurrent<T, R>(items: T[], fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(HASH_CONCURRENCY, items.length) }, worker));
  return results;
}
