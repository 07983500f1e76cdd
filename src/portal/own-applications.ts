// A developer's applications and their registrations to the portal's APIs (docs/applications.md):
// listing them, and creating, describing and deleting the ones they made, requesting and
// withdrawing registrations. Those the manifests manage are shown, changed only where they allow.
import type { PublicApi, PublicApplication, PublicRegistration, Session } from './contract.js';
import type { PortalContext } from './portal-context.js';

export class OwnApplications {
  constructor(private readonly context: PortalContext) {}

  async apis(): Promise<PublicApi[]> {
    return this.pending();
  }

  async list(_session: Session): Promise<PublicApplication[]> {
    return this.pending();
  }

  async get(_session: Session, _id: string): Promise<PublicApplication> {
    return this.pending();
  }

  async create(_session: Session, _input: Record<string, unknown>): Promise<PublicApplication> {
    return this.pending();
  }

  async update(_session: Session, _id: string, _input: Record<string, unknown>): Promise<PublicApplication> {
    return this.pending();
  }

  async delete(_session: Session, _id: string): Promise<void> {
    return this.pending();
  }

  async register(_session: Session, _applicationId: string, _api: string): Promise<PublicRegistration> {
    return this.pending();
  }

  async withdraw(_session: Session, _applicationId: string, _api: string): Promise<void> {
    return this.pending();
  }

  private pending(): never {
    void this.context;
    throw new Error('applications are not served yet');
  }
}
