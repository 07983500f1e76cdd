// A developer's own credentials and those of its applications: listing them, and creating,
// changing, rotating and deleting the ones they made (docs/portal-service.md, docs/applications.md).
// Those the manifests manage are shown, never changed here.
import { randomUUID } from 'node:crypto';
import { CREDENTIAL_SPECS, credentialAddress, uniqueValueOf, type CredentialType } from '../model.js';
import { portalSettingsFromMeta } from '../portal-settings.js';
import { generateSecretValue } from '../secrets/vault.js';
import { deleteCredential, insertCredential, selfMadeCount, updateCredential } from '../store/credential-rows.js';
import { readMeta } from '../store/meta.js';
import { applicationOf, credentialsOfOwner, type CredentialOwner } from '../store/own-applications.js';
import type { CredentialTable } from '../store/schema.js';
import type { StoredSecret } from '../store/types.js';
import type { DeveloperRow } from '../store/developer-rows.js';
import type { Conn } from '../store/backend.js';
import {
  allowedTypes,
  invalid,
  managedCredential,
  publicCredential,
  redacted,
  selfService,
  selfServiceOff,
} from './answers.js';
import { PortalError, type CredentialWithSecrets, type PublicCredential, type Session } from './contract.js';
import { credentialFields, defaultFields } from './credential-input.js';
import { creatableType, newSecrets, ownCredential, refuseTaken } from './credential-rules.js';
import type { PortalContext } from './portal-context.js';
import type { Transaction } from './state-access.js';

/** A credential's owner as a write sees it: whose row it is, and the application's name for addresses. */
interface Owner extends CredentialOwner {
  application?: string;
}

export class OwnCredentials {
  constructor(private readonly context: PortalContext) {}

  async types(_session: Session): Promise<CredentialType[]> {
    return allowedTypes(await this.context.settings());
  }

  async list(session: Session, applicationId?: string): Promise<PublicCredential[]> {
    if (applicationId !== undefined) {
      const owner = await ownerOf(this.context.state.db, session, applicationId);
      return (await credentialsOfOwner(this.context.state.db, owner)).map(publicCredential).sort(byCreation);
    }
    const { cache, checkedAt } = this.context;
    // The request's own authentication just asked the change feed: its answer still holds unless dropped since.
    const checked = checkedAt.get(session);
    const epoch = checked !== undefined && cache.isCurrent(checked) ? checked : cache.begin();
    const kept = cache.credentialsOf(session.developerId);
    if (kept) return [...kept];
    const rows = await credentialsOfOwner(this.context.state.db, {
      developerId: session.developerId,
      applicationId: null,
    });
    const list = rows.map((row) => Object.freeze(publicCredential(row))).sort(byCreation);
    cache.keepCredentials(epoch, session.developerId, list);
    return [...list];
  }

  async get(session: Session, id: string, applicationId?: string): Promise<PublicCredential> {
    const owner = await ownerOf(this.context.state.db, session, applicationId);
    return publicCredential(await ownCredential(this.context.state.db, owner, id));
  }

  async create(
    session: Session,
    input: Record<string, unknown>,
    applicationId?: string,
  ): Promise<CredentialWithSecrets> {
    const type = creatableType(await this.context.settings(), input.type);
    await ownerOf(this.context.state.db, session, applicationId);
    const { type: _type, ...given } = input;
    const fields = credentialFields(type, given, defaultFields(type));
    const id = randomUUID();
    for (const field of CREDENTIAL_SPECS[type].generatedFields)
      if (fields[field] === undefined) fields[field] = generateSecretValue(32);
    const { stored, values } = await newSecrets(this.context.vault, id, type, fields);
    const identity = String(fields[CREDENTIAL_SPECS[type].identityField]);
    const row = await this.context.write(async (tx) => {
      const { developer, owner } = await this.lockOwner(tx, session, applicationId);
      await this.refuseBeyondLimit(tx, developer.id, type);
      const credential: CredentialTable = {
        id,
        developer_id: developer.id,
        ...(owner.applicationId === null ? {} : { application_id: owner.applicationId }),
        type,
        identity,
        unique_value: uniqueValueOf(type, fields, stored),
        fields: JSON.stringify(fields),
        secrets: JSON.stringify(stored),
        active: 1,
        origin: 'self-service',
        created_at: tx.now,
        updated_at: tx.now,
      };
      await refuseTaken(tx, credential);
      await insertCredential(tx.conn, credential);
      const address = credentialAddress(developer.email, type, identity, owner.application);
      await tx.record(selfService(developer.email, 'create-credential', address, { after: redacted(type, fields) }));
      return { ...credential, version: 1 };
    });
    return { credential: publicCredential(row), secrets: values };
  }

  async update(
    session: Session,
    id: string,
    input: Record<string, unknown>,
    applicationId?: string,
  ): Promise<PublicCredential> {
    if (!(await this.context.settings()).selfService.enabled) throw selfServiceOff();
    return this.context.write(async (tx) => {
      const { developer, owner } = await this.lockOwner(tx, session, applicationId);
      const existing = await ownCredential(tx.conn, owner, id);
      if (existing.origin === 'manifest') throw managedCredential();
      const type = existing.type as CredentialType;
      if (input.type !== undefined && input.type !== type)
        throw invalid([{ field: 'type', message: 'a credential keeps its type; create a new one instead' }]);
      const { type: _type, ...given } = input;
      const before = JSON.parse(existing.fields) as Record<string, unknown>;
      const fields = credentialFields(type, given, before);
      const secrets = JSON.parse(existing.secrets) as Record<string, StoredSecret>;
      const identity = String(fields[CREDENTIAL_SPECS[type].identityField]);
      const updated: CredentialTable = {
        ...existing,
        identity,
        fields: JSON.stringify(fields),
        unique_value: uniqueValueOf(type, fields, secrets),
        updated_at: tx.now,
      };
      await refuseTaken(tx, updated);
      const { fields: text, unique_value } = updated;
      await updateCredential(tx.conn, id, { identity, fields: text, unique_value }, tx.now);
      const address = credentialAddress(developer.email, type, existing.identity, owner.application);
      await tx.record(
        selfService(developer.email, 'update-credential', address, {
          before: redacted(type, before),
          after: redacted(type, fields),
        }),
      );
      return publicCredential(updated);
    });
  }

  async rotate(session: Session, id: string, applicationId?: string): Promise<CredentialWithSecrets> {
    if (!(await this.context.settings()).selfService.enabled) throw selfServiceOff();
    const probe = await ownCredential(
      this.context.state.db,
      await ownerOf(this.context.state.db, session, applicationId),
      id,
    );
    if (probe.origin === 'manifest') throw managedCredential();
    const type = probe.type as CredentialType;
    const { stored, values } = await newSecrets(this.context.vault, id, type, JSON.parse(probe.fields));
    const row = await this.context.write(async (tx) => {
      const { developer, owner } = await this.lockOwner(tx, session, applicationId);
      const existing = await ownCredential(tx.conn, owner, id);
      if (existing.origin === 'manifest') throw managedCredential();
      const fields = JSON.parse(existing.fields) as Record<string, unknown>;
      const updated: CredentialTable = {
        ...existing,
        secrets: JSON.stringify(stored),
        unique_value: uniqueValueOf(type, fields, stored),
        updated_at: tx.now,
      };
      await refuseTaken(tx, updated);
      await updateCredential(tx.conn, id, { secrets: updated.secrets, unique_value: updated.unique_value }, tx.now);
      const address = credentialAddress(developer.email, type, existing.identity, owner.application);
      await tx.record(
        selfService(developer.email, 'rotate-credential', address, { rotated: Object.keys(stored).sort() }),
      );
      return updated;
    });
    return { credential: publicCredential(row), secrets: values };
  }

  async delete(session: Session, id: string, applicationId?: string): Promise<void> {
    await this.context.write(async (tx) => {
      const { developer, owner } = await this.lockOwner(tx, session, applicationId);
      const existing = await ownCredential(tx.conn, owner, id);
      if (existing.origin === 'manifest') throw managedCredential();
      await deleteCredential(tx.conn, id);
      const type = existing.type as CredentialType;
      const address = credentialAddress(developer.email, type, existing.identity, owner.application);
      await tx.record(
        selfService(developer.email, 'delete-credential', address, {
          before: redacted(type, JSON.parse(existing.fields)),
        }),
      );
    });
  }

  /** The session's developer, locked, and the owner it names, read again under the lock. */
  private async lockOwner(
    tx: Transaction,
    session: Session,
    applicationId: string | undefined,
  ): Promise<{ developer: DeveloperRow; owner: Owner }> {
    const developer = await this.context.lockOwn(tx, session);
    return { developer, owner: await ownerOf(tx.conn, session, applicationId) };
  }

  /** Read again inside the transaction: an apply may have changed the settings meanwhile. */
  private async refuseBeyondLimit(tx: Transaction, developerId: string, type: CredentialType): Promise<void> {
    const current = portalSettingsFromMeta(await readMeta(tx.conn));
    creatableType(current, type);
    // Every self-made credential of the developer counts, its applications' included (docs/applications.md).
    if ((await selfMadeCount(tx.conn, developerId)) >= current.selfService.maxCredentials) {
      throw new PortalError(
        403,
        'Limit reached',
        `You hold the most self-made credentials this portal allows (${current.selfService.maxCredentials}); delete one first.`,
      );
    }
  }
}

/** The developer, or its application with this id: another's, or none, is a 404. */
async function ownerOf(conn: Conn, session: Session, applicationId: string | undefined): Promise<Owner> {
  if (applicationId === undefined) return { developerId: session.developerId, applicationId: null };
  const application = await applicationOf(conn, session.developerId, applicationId);
  if (!application) throw noSuchApplication();
  return { developerId: session.developerId, applicationId: application.id, application: application.name };
}

export function noSuchApplication(): PortalError {
  return new PortalError(404, 'Not found', 'You have no application with this id.');
}

function byCreation(a: PublicCredential, b: PublicCredential): number {
  return a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : 1;
}
