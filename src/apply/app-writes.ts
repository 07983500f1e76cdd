// The writes of APIs, applications and registrations the executor makes (docs/applications.md),
// inside the apply's transaction: the StateWriter's methods of the store ↔ apply contract.
import type { Status } from '../model.js';
import type { ApiAttributes } from '../plan/types.js';
import type { StateWriter } from '../store/index.js';
import type { Origin, StoredApi } from '../store/types.js';

export interface NewApplicationRow {
  id: string;
  developerId: string;
  name: string;
  description: string | null;
  descriptionManaged: boolean;
  origin: Origin;
}

export interface NewRegistrationRow {
  id: string;
  applicationId: string;
  api: string;
  status: Status;
  origin: Origin;
}

export interface ApplicationWrites {
  insertApis(rows: Array<Omit<StoredApi, 'createdAt'>>, now: string): Promise<void>;
  updateApi(name: string, set: Partial<Omit<ApiAttributes, 'name'>>, now: string): Promise<void>;
  /** Also repoints the registrations to it. */
  renameApi(from: string, to: string, now: string): Promise<void>;
  /** With every registration to them. */
  deleteApis(names: string[]): Promise<void>;
  insertApplications(rows: NewApplicationRow[], now: string): Promise<void>;
  updateApplication(
    id: string,
    set: { name?: string; description?: string | null; descriptionManaged?: boolean; origin?: Origin },
    now: string,
  ): Promise<void>;
  /** With their credentials and registrations. */
  deleteApplications(ids: string[]): Promise<void>;
  insertRegistrations(rows: NewRegistrationRow[], now: string): Promise<void>;
  updateRegistration(id: string, set: { status?: Status; origin?: Origin }, now: string): Promise<void>;
  deleteRegistrations(ids: string[]): Promise<void>;
}

/** The writer's application writes, checked by the compiler against the store's StateWriter. */
export function applicationWrites(writer: StateWriter): ApplicationWrites {
  return writer;
}
