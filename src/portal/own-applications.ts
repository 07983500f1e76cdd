// A developer's applications and their registrations to the portal's APIs (docs/applications.md):
// listing them, and creating, describing and deleting the ones they made, requesting and
// withdrawing registrations. Those the manifests manage are shown, changed only where they allow.
// A developer never sets a registration's status: the API's (else the portal's) setting does.
import { randomUUID } from 'node:crypto';
import { applicationAddress, registrationAddress, type PortalSettings } from '../model.js';
import { portalSettingsFromMeta } from '../portal-settings.js';
import type { Conn } from '../store/backend.js';
import { readMeta } from '../store/meta.js';
import * as rows from '../store/own-applications.js';
import type { ApplicationTable, RegistrationTable } from '../store/schema.js';
import {
  alreadyRegistered,
  applicationInput,
  applicationLimit,
  applicationNameTaken,
  applicationsOff,
  descriptionInput,
  heldRegistration,
  managedApplication,
  managedDescription,
  managedRegistration,
  noRegistration,
  publicApi,
  publicApplication,
  publicRegistration,
  unknownApi,
} from './application-answers.js';
import { selfService } from './answers.js';
import type { PublicApi, PublicApplication, PublicRegistration, Session } from './contract.js';
import { noSuchApplication } from './own-credentials.js';
import type { PortalContext } from './portal-context.js';
import type { Transaction } from './state-access.js';

export class OwnApplications {
  constructor(private readonly context: PortalContext) {}

  async apis(): Promise<PublicApi[]> {
    const settings = await this.context.settings();
    return (await rows.publishedApis(this.context.state.db)).map((row) => publicApi(row, settings));
  }

  async list(session: Session): Promise<PublicApplication[]> {
    return viewsOf(this.context.state.db, await rows.applicationsOf(this.context.state.db, session.developerId));
  }

  async get(session: Session, id: string): Promise<PublicApplication> {
    const [view] = await viewsOf(this.context.state.db, [await ownApplication(this.context.state.db, session, id)]);
    return view!;
  }

  async create(session: Session, input: Record<string, unknown>): Promise<PublicApplication> {
    if (!(await this.context.settings()).selfService.enabled) throw applicationsOff();
    const { name, description } = applicationInput(input);
    return this.context.write(async (tx) => {
      const developer = await this.context.lockOwn(tx, session);
      // Read again under the developer's lock: an apply may have changed the settings, and two
      // instances creating at once see each other's applications here, so the limit holds.
      const settings = await settingsIn(tx);
      if (!settings.selfService.enabled) throw applicationsOff();
      if ((await rows.selfMadeApplicationCount(tx.conn, developer.id)) >= settings.selfService.maxApplications)
        throw applicationLimit(settings.selfService.maxApplications);
      if (await rows.applicationNameTaken(tx.conn, developer.id, name)) throw applicationNameTaken(name);
      const row: ApplicationTable = {
        id: randomUUID(),
        developer_id: developer.id,
        name,
        description,
        description_managed: 0,
        origin: 'self-service',
        created_at: tx.now,
        updated_at: tx.now,
      };
      await rows.insertApplication(tx.conn, row);
      await tx.record(
        selfService(developer.email, 'create-application', applicationAddress(developer.email, name), {
          after: { name, description },
        }),
      );
      return publicApplication(row, [], []);
    });
  }

  async update(session: Session, id: string, input: Record<string, unknown>): Promise<PublicApplication> {
    if (!(await this.context.settings()).selfService.enabled) throw applicationsOff();
    const description = descriptionInput(input);
    await this.context.write(async (tx) => {
      const developer = await this.context.lockOwn(tx, session);
      if (!(await settingsIn(tx)).selfService.enabled) throw applicationsOff();
      const existing = await ownApplication(tx.conn, session, id);
      if (existing.origin === 'manifest' && Number(existing.description_managed) === 1) throw managedDescription();
      await rows.describeApplication(tx.conn, existing.id, description, tx.now);
      await tx.record(
        selfService(developer.email, 'update-application', applicationAddress(developer.email, existing.name), {
          before: { description: existing.description ?? null },
          after: { description },
        }),
      );
    });
    return this.get(session, id);
  }

  /** Not refused when self-service is off: a developer may always clear away what they made. */
  async delete(session: Session, id: string): Promise<void> {
    await this.context.write(async (tx) => {
      const developer = await this.context.lockOwn(tx, session);
      const existing = await ownApplication(tx.conn, session, id);
      if (existing.origin === 'manifest') throw managedApplication();
      const registrations = await rows.registrationsOf(tx.conn, [existing.id]);
      const held = registrations.find((r) => r.status === 'rejected' || r.status === 'revoked');
      if (held) throw heldRegistration(held.api, held.status, 'application');
      const credentials = await rows.credentialsOfOwner(tx.conn, {
        developerId: developer.id,
        applicationId: existing.id,
      });
      await rows.deleteApplication(tx.conn, existing.id);
      await tx.record(
        selfService(developer.email, 'delete-application', applicationAddress(developer.email, existing.name), {
          before: { name: existing.name, description: existing.description ?? null },
          deletedCredentials: credentials.map((c) => `${c.type}:${c.identity}`).sort(),
          deletedRegistrations: registrations.map((r) => r.api).sort(),
        }),
      );
    });
  }

  async register(session: Session, applicationId: string, api: string): Promise<PublicRegistration> {
    if (!(await this.context.settings()).selfService.enabled) throw applicationsOff();
    return this.context.write(async (tx) => {
      const developer = await this.context.lockOwn(tx, session);
      const settings = await settingsIn(tx);
      if (!settings.selfService.enabled) throw applicationsOff();
      const application = await ownApplication(tx.conn, session, applicationId);
      const published = typeof api === 'string' ? await rows.apiNamed(tx.conn, api) : undefined;
      if (!published) throw unknownApi(String(api));
      const existing = await rows.registrationOf(tx.conn, application.id, api);
      if (existing) throw alreadyRegistered(api, existing.status);
      const row: RegistrationTable = {
        id: randomUUID(),
        application_id: application.id,
        api,
        status: publicApi(published, settings).autoApprove ? 'approved' : 'pending',
        origin: 'self-service',
        created_at: tx.now,
        updated_at: tx.now,
      };
      await rows.insertRegistration(tx.conn, row);
      const address = registrationAddress(developer.email, application.name, api);
      await tx.record(selfService(developer.email, 'request-registration', address, { after: { status: row.status } }));
      return publicRegistration(row);
    });
  }

  /** Not refused when self-service is off; only an admin lifts a rejection or a revocation. */
  async withdraw(session: Session, applicationId: string, api: string): Promise<void> {
    await this.context.write(async (tx) => {
      const developer = await this.context.lockOwn(tx, session);
      const application = await ownApplication(tx.conn, session, applicationId);
      const existing = await rows.registrationOf(tx.conn, application.id, api);
      if (!existing) throw noRegistration(api);
      if (existing.status === 'rejected' || existing.status === 'revoked')
        throw heldRegistration(api, existing.status, 'registration');
      if (existing.origin === 'manifest') throw managedRegistration(api);
      await rows.deleteRegistration(tx.conn, existing.id);
      const address = registrationAddress(developer.email, application.name, api);
      await tx.record(
        selfService(developer.email, 'withdraw-registration', address, { before: { status: existing.status } }),
      );
    });
  }
}

async function settingsIn(tx: Transaction): Promise<PortalSettings> {
  return portalSettingsFromMeta(await readMeta(tx.conn));
}

async function ownApplication(conn: Conn, session: Session, id: string): Promise<ApplicationTable> {
  const row = typeof id === 'string' ? await rows.applicationOf(conn, session.developerId, id) : undefined;
  if (!row) throw noSuchApplication();
  return row;
}

async function viewsOf(conn: Conn, applications: ApplicationTable[]): Promise<PublicApplication[]> {
  const ids = applications.map((application) => application.id);
  const [credentials, registrations] = [
    await rows.credentialsOfApplications(conn, ids),
    await rows.registrationsOf(conn, ids),
  ];
  return applications.map((application) => publicApplication(application, credentials, registrations));
}
