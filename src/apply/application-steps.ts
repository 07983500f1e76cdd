// The steps of APIs, applications and registrations (docs/applications.md), run by the executor in
// the plan's order inside the apply's transaction. Keeps its own view of ids as it goes, and the news
// each developer is to be told of their applications and registrations (decision-mail.ts).
import { randomUUID } from 'node:crypto';
import type { DecisionChange, DecisionStatus } from '../mail/messages.js';
import type { Status } from '../model.js';
import type { Action } from '../plan/types.js';
import type { StateWriter } from '../store/index.js';
import type { StateSnapshot } from '../store/types.js';

type StepOf<Kind extends string> = Extract<Action, { do: `${Kind}.${string}` }>;
export type ApplicationStep = StepOf<'api'> | StepOf<'application'> | StepOf<'registration'>;

interface KnownApplication {
  developerId: string;
  name: string;
}

interface KnownRegistration {
  id: string;
  applicationId: string;
  api: string;
}

export function isApplicationStep(action: Action): action is ApplicationStep {
  return action.do.startsWith('api.') || action.do.startsWith('application.') || action.do.startsWith('registration.');
}

export class ApplicationSteps {
  /** By developer id and application name. */
  private readonly applicationIds = new Map<string, string>();
  private readonly applications = new Map<string, KnownApplication>();
  /** By application id and API name. */
  private readonly registrations = new Map<string, KnownRegistration>();
  private readonly apiTitles = new Map<string, string | null>();
  /** An API's new name → its stored one, for the steps ordered before its move. */
  private readonly apiMovedFrom = new Map<string, string>();
  /** What each developer is to be told, by developer id, then by object: each object's final news only. */
  private readonly news = new Map<string, Map<string, DecisionChange>>();

  constructor(
    state: StateSnapshot,
    private readonly writes: StateWriter,
    private readonly now: string,
    private readonly developerId: (email: string) => string,
  ) {
    for (const api of state.apis ?? []) this.apiTitles.set(api.name, api.title);
    for (const developer of state.developers) {
      for (const application of developer.applications ?? []) {
        this.rememberApplication(application.id, developer.id, application.name);
        for (const r of application.registrations)
          this.registrations.set(registrationKey(application.id, r.api), {
            id: r.id,
            applicationId: r.applicationId,
            api: r.api,
          });
      }
    }
  }

  /** Steps ordered before a move already name the application or API by its new name. */
  prepare(actions: Action[]): void {
    for (const action of actions) {
      if (action.do === 'application.move') {
        const id = this.applicationId(action.email, action.from);
        this.applicationIds.set(applicationKey(this.developerId(action.email), action.to), id);
      }
      if (action.do === 'api.move') this.apiMovedFrom.set(action.to, action.from);
    }
  }

  /** Runs consecutive steps of one kind; creations and deletions in one statement. */
  async run(actions: ApplicationStep[]): Promise<void> {
    const first = actions[0]!;
    const { writes, now } = this;
    switch (first.do) {
      case 'api.create':
        for (const a of actions as (typeof first)[]) this.apiTitles.set(a.api.name, a.api.title);
        return writes.insertApis(
          (actions as (typeof first)[]).map((a) => ({ ...a.api })),
          now,
        );
      case 'api.update':
        if (first.set.title !== undefined) this.apiTitles.set(first.name, first.set.title);
        return writes.updateApi(first.name, first.set, now);
      case 'api.move':
        return this.moveApi(first.from, first.to);
      case 'api.delete':
        return this.deleteApis((actions as (typeof first)[]).map((a) => a.name));
      case 'application.create':
        return this.createApplications(actions as (typeof first)[]);
      case 'application.update':
        return writes.updateApplication(
          this.applicationId(first.email, first.name),
          {
            ...(first.set.description !== undefined ? { description: first.set.description } : {}),
            ...(first.set.descriptionManaged !== undefined ? { descriptionManaged: first.set.descriptionManaged } : {}),
            ...(first.set.adopt ? { origin: 'manifest' as const } : {}),
            ...(first.set.release ? { origin: 'released' as const } : {}),
          },
          now,
        );
      case 'application.move':
        return this.moveApplication(first);
      case 'application.delete':
        return this.deleteApplications(actions as (typeof first)[]);
      case 'registration.create':
        return this.createRegistrations(actions as (typeof first)[]);
      case 'registration.transition': {
        await writes.updateRegistration(this.registration(first).id, { status: first.to }, now);
        this.tell(first.email, first.application, first.api, first.to);
        return;
      }
      case 'registration.update':
        if (!first.adopt && !first.release) return;
        return writes.updateRegistration(
          this.registration(first).id,
          { origin: first.adopt ? 'manifest' : 'released' },
          now,
        );
      case 'registration.delete':
        return this.deleteRegistrations(actions as (typeof first)[]);
    }
  }

  /** The id of a stored application, or of one an earlier step created. */
  applicationId(email: string, name: string): string {
    const id = this.applicationIds.get(applicationKey(this.developerId(email), name));
    if (!id) throw new Error(`internal error: application ${name} of ${email} is not in the state`);
    return id;
  }

  /** A deleted developer, or one the apply creates, is told nothing of its applications. */
  forgetNews(developerId: string): void {
    this.news.delete(developerId);
  }

  /** The news of each developer, by id, in the order the apply made it. */
  newsByDeveloper(): Map<string, DecisionChange[]> {
    return new Map([...this.news].map(([id, changes]) => [id, [...changes.values()]]));
  }

  private async createApplications(actions: StepOf<'application'>[]): Promise<void> {
    const rows = (actions as Extract<ApplicationStep, { do: 'application.create' }>[]).map((a) => {
      const id = randomUUID();
      const developerId = this.developerId(a.email);
      this.rememberApplication(id, developerId, a.application.name);
      // Created again (a replacement): its removal is no news.
      this.news.get(developerId)?.delete(applicationSubject(a.application.name));
      return {
        id,
        developerId,
        name: a.application.name,
        description: a.application.description,
        descriptionManaged: a.application.descriptionManaged,
        origin: 'manifest' as const,
      };
    });
    await this.writes.insertApplications(rows, this.now);
  }

  private async moveApplication(action: Extract<ApplicationStep, { do: 'application.move' }>): Promise<void> {
    const id = this.applicationId(action.email, action.from);
    await this.writes.updateApplication(id, { name: action.to }, this.now);
    this.applicationIds.delete(applicationKey(this.developerId(action.email), action.from));
    this.rememberApplication(id, this.developerId(action.email), action.to);
  }

  private async deleteApplications(actions: Extract<ApplicationStep, { do: 'application.delete' }>[]): Promise<void> {
    const ids = actions.map((a) => this.applicationId(a.email, a.name));
    await this.writes.deleteApplications(ids);
    for (const [i, a] of actions.entries()) {
      const developerId = this.developerId(a.email);
      this.applicationIds.delete(applicationKey(developerId, a.name));
      this.applications.delete(ids[i]!);
      for (const [key, r] of this.registrations) if (r.applicationId === ids[i]) this.registrations.delete(key);
      const subject = applicationSubject(a.name);
      this.record(developerId, subject, { subject, status: 'access removed', about: 'application' });
    }
  }

  private async createRegistrations(actions: Extract<ApplicationStep, { do: 'registration.create' }>[]): Promise<void> {
    const rows = actions.map((a) => {
      const applicationId = this.applicationId(a.email, a.application);
      const row = { id: randomUUID(), applicationId, api: a.api, status: a.status, origin: 'manifest' as const };
      this.registrations.set(registrationKey(applicationId, a.api), row);
      // A registration created pending is news only when it replaces one this apply deleted.
      const subject = this.registrationSubject(a.application, a.api);
      if (a.status !== 'pending' || this.news.get(this.developerId(a.email))?.has(subject.key))
        this.tell(a.email, a.application, a.api, a.status);
      return row;
    });
    await this.writes.insertRegistrations(rows, this.now);
  }

  private async deleteRegistrations(actions: Extract<ApplicationStep, { do: 'registration.delete' }>[]): Promise<void> {
    const found = actions.map((a) => this.registration(a));
    await this.writes.deleteRegistrations(found.map((r) => r.id));
    for (const [i, a] of actions.entries()) {
      this.registrations.delete(registrationKey(found[i]!.applicationId, found[i]!.api));
      this.tell(a.email, a.application, a.api, 'access removed');
    }
  }

  private async moveApi(from: string, to: string): Promise<void> {
    await this.writes.renameApi(from, to, this.now);
    this.apiTitles.set(to, this.apiTitles.get(from) ?? null);
    this.apiTitles.delete(from);
    for (const [key, r] of [...this.registrations]) {
      if (r.api !== from) continue;
      this.registrations.delete(key);
      this.registrations.set(registrationKey(r.applicationId, to), { ...r, api: to });
    }
    this.apiMovedFrom.delete(to);
  }

  /** Deletes the APIs with every registration to them: each such registration's developer hears of it. */
  private async deleteApis(names: string[]): Promise<void> {
    await this.writes.deleteApis(names);
    const deleted = new Set(names);
    for (const [key, r] of [...this.registrations]) {
      if (!deleted.has(r.api)) continue;
      this.registrations.delete(key);
      const application = this.applications.get(r.applicationId);
      if (application) {
        const subject = this.registrationSubject(application.name, r.api);
        const change = { subject: subject.text, status: 'access removed' as const, about: 'registration' as const };
        this.record(application.developerId, subject.key, change);
      }
    }
  }

  private registration(action: { email: string; application: string; api: string }): KnownRegistration {
    const applicationId = this.applicationId(action.email, action.application);
    const stored = this.apiMovedFrom.get(action.api);
    const found =
      this.registrations.get(registrationKey(applicationId, action.api)) ??
      (stored === undefined ? undefined : this.registrations.get(registrationKey(applicationId, stored)));
    if (!found)
      throw new Error(
        `internal error: the registration of ${action.application} of ${action.email} to ${action.api} is not in the state`,
      );
    return found;
  }

  private rememberApplication(id: string, developerId: string, name: string): void {
    this.applicationIds.set(applicationKey(developerId, name), id);
    this.applications.set(id, { developerId, name });
  }

  private tell(email: string, application: string, api: string, status: DecisionStatus | Status): void {
    const subject = this.registrationSubject(application, api);
    this.record(this.developerId(email), subject.key, { subject: subject.text, status, about: 'registration' });
  }

  /** The news of one object; a later step's replaces an earlier one's (a pending → revoked path says "revoked"). */
  private record(developerId: string, key: string, change: DecisionChange): void {
    let news = this.news.get(developerId);
    if (!news) this.news.set(developerId, (news = new Map()));
    news.delete(key); // set again: the order of the news is the order of the apply's last steps
    news.set(key, change);
  }

  private registrationSubject(application: string, api: string): { key: string; text: string } {
    const stored = this.apiMovedFrom.get(api);
    const title = this.apiTitles.get(api) ?? (stored === undefined ? undefined : this.apiTitles.get(stored));
    return {
      key: `${applicationSubject(application)} on the API ${JSON.stringify(api)}`,
      text: `${applicationSubject(application)} on the API ${JSON.stringify(title ?? api)}`,
    };
  }
}

function applicationSubject(name: string): string {
  return `your application ${JSON.stringify(name)}`;
}

function applicationKey(developerId: string, name: string): string {
  return `${developerId}\0${name}`;
}

function registrationKey(applicationId: string, api: string): string {
  return `${applicationId}\0${api}`;
}
