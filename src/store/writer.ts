import { chainTableRow } from './event-chain.js';
import { chunks } from '../util/chunks.js';
import type { Backend, Conn } from './backend.js';
import { sql, type InsertObject, type SelectQueryBuilder } from './kysely.js';
import { apiChanges, apiRow, type ApiChanges, type ApiRowInput } from './api-rows.js';
import {
  applicationChanges,
  applicationRow,
  type ApplicationChanges,
  type ApplicationRowInput,
} from './application-rows.js';
import { registrationChanges, registrationRow, type RegistrationRowInput } from './registration-rows.js';
import type { CredentialTable, Database, DeveloperTable } from './schema.js';
import type { HistoryRow, Origin, StoredCredential, StoredDeveloper } from './types.js';
import type { Status } from '../model.js';

export type DeveloperRowInput = Omit<StoredDeveloper, 'credentials'>;

export type CredentialRowInput = StoredCredential;

/** Writes inside the apply transaction. Inserts and deletes are batched into multi-row statements. */
export class StateWriter {
  constructor(
    readonly conn: Conn,
    private readonly maxParams: number,
    readonly dialect: Backend['kind'] = 'sqlite',
  ) {}

  async setMeta(entries: Record<string, string>): Promise<void> {
    for (const [key, value] of Object.entries(entries)) {
      await this.conn
        .insertInto('pf_meta')
        .values({ key, value })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
        .execute();
    }
  }

  async insertDevelopers(rows: DeveloperRowInput[], now: string): Promise<void> {
    await this.insertRows('pf_developers', rows, (r) => developerRow(r, now));
  }

  async updateDeveloper(
    id: string,
    set: Partial<Pick<DeveloperRowInput, 'email' | 'fullName' | 'status' | 'customId' | 'meta' | 'origin'>> & {
      nameManaged?: boolean;
    },
    now: string,
  ): Promise<void> {
    const row: Partial<DeveloperTable> = { updated_at: now };
    if (set.email !== undefined) row.email = set.email;
    if (set.fullName !== undefined) row.full_name = set.fullName;
    if (set.status !== undefined) row.status = set.status;
    if (set.customId !== undefined) row.custom_id = set.customId;
    if (set.meta !== undefined) row.meta = JSON.stringify(set.meta);
    if (set.origin !== undefined) row.origin = set.origin;
    if (set.nameManaged !== undefined) row.name_managed = set.nameManaged ? 1 : 0;
    await this.conn.updateTable('pf_developers').set(row).where('id', '=', id).execute();
  }

  /** A developer who stops being approved, or is deleted, loses every portal session (docs/portal-service.md). */
  async endSessions(developerIds: string[]): Promise<void> {
    for (const chunk of chunks(developerIds, this.maxParams)) {
      await this.conn.deleteFrom('pf_sessions').where('developer_id', 'in', chunk).execute();
    }
  }

  /**
   * Deletes developers with everything they own: their applications with those applications'
   * credentials and registrations too. On PostgreSQL the rows are locked first: a self-service
   * write holding one finishes before, and a credential or application it made is deleted too.
   */
  async deleteDevelopers(ids: string[]): Promise<void> {
    for (const chunk of chunks(ids, this.maxParams)) {
      if (this.dialect === 'postgres')
        await this.conn.selectFrom('pf_developers').select('id').where('id', 'in', chunk).forUpdate().execute();
      await this.conn.deleteFrom('pf_sessions').where('developer_id', 'in', chunk).execute();
      await this.conn.deleteFrom('pf_invites').where('developer_id', 'in', chunk).execute();
      const applications = this.conn.selectFrom('pf_applications').select('id').where('developer_id', 'in', chunk);
      await this.conn.deleteFrom('pf_registrations').where('application_id', 'in', applications).execute();
      await this.conn.deleteFrom('pf_credentials').where('developer_id', 'in', chunk).execute();
      await this.conn.deleteFrom('pf_applications').where('developer_id', 'in', chunk).execute();
      await this.conn.deleteFrom('pf_developers').where('id', 'in', chunk).execute();
    }
  }

  async insertCredentials(rows: CredentialRowInput[], now: string): Promise<void> {
    await this.insertRows('pf_credentials', rows, (r) => credentialRow(r, now));
  }

  async updateCredential(
    id: string,
    set: Partial<Pick<CredentialRowInput, 'uniqueValue' | 'fields' | 'secrets' | 'origin'>>,
    now: string,
  ): Promise<void> {
    const row: Partial<CredentialTable> = { updated_at: now };
    if (set.uniqueValue !== undefined) row.unique_value = set.uniqueValue;
    if (set.fields !== undefined) row.fields = JSON.stringify(set.fields);
    if (set.secrets !== undefined) row.secrets = JSON.stringify(set.secrets);
    if (set.origin !== undefined) row.origin = set.origin;
    await this.conn.updateTable('pf_credentials').set(row).where('id', '=', id).execute();
  }

  async deleteCredentials(ids: string[]): Promise<void> {
    for (const chunk of chunks(ids, this.maxParams)) {
      await this.conn.deleteFrom('pf_credentials').where('id', 'in', chunk).execute();
    }
  }

  /** Revoke and approve flip every credential of the developer, its applications' too, in the same transaction. */
  async setCredentialsActive(developerIds: string[], active: boolean, now: string): Promise<void> {
    for (const chunk of chunks(developerIds, this.maxParams - 2)) {
      await this.conn
        .updateTable('pf_credentials')
        .set({ active: active ? 1 : 0, updated_at: now })
        .where('developer_id', 'in', chunk)
        .execute();
    }
  }

  async insertApis(rows: ApiRowInput[], now: string): Promise<void> {
    await this.insertRows('pf_apis', rows, (r) => apiRow(r, now));
  }

  async updateApi(name: string, set: ApiChanges, now: string): Promise<void> {
    await this.conn.updateTable('pf_apis').set(apiChanges(set, now)).where('name', '=', name).execute();
  }

  /**
   * Renames an API, its registrations following it. The row is copied under its new name rather
   * than updated in place: the registrations' reference to it allows no moment without it.
   */
  async renameApi(from: string, to: string, now: string): Promise<void> {
    const row = await this.conn.selectFrom('pf_apis').selectAll().where('name', '=', from).executeTakeFirstOrThrow();
    await this.conn
      .insertInto('pf_apis')
      .values({ ...row, name: to, updated_at: now, version: Number(row.version ?? 1) + 1 })
      .execute();
    await this.conn.updateTable('pf_registrations').set({ api: to, updated_at: now }).where('api', '=', from).execute();
    await this.conn.deleteFrom('pf_apis').where('name', '=', from).execute();
  }

  /** Deletes APIs with every registration to them; on PostgreSQL their rows locked first, as deleteDevelopers does. */
  async deleteApis(names: string[]): Promise<void> {
    for (const chunk of chunks(names, this.maxParams)) {
      if (this.dialect === 'postgres') {
        const applications = this.conn
          .selectFrom('pf_registrations')
          .select('application_id')
          .where('api', 'in', chunk);
        await this.lockDevelopers(
          this.conn.selectFrom('pf_applications').select('developer_id').where('id', 'in', applications),
        );
        await this.conn.selectFrom('pf_apis').select('name').where('name', 'in', chunk).forUpdate().execute();
      }
      await this.conn.deleteFrom('pf_registrations').where('api', 'in', chunk).execute();
      await this.conn.deleteFrom('pf_apis').where('name', 'in', chunk).execute();
    }
  }

  async insertApplications(rows: ApplicationRowInput[], now: string): Promise<void> {
    await this.insertRows('pf_applications', rows, (r) => applicationRow(r, now));
  }

  async updateApplication(id: string, set: ApplicationChanges, now: string): Promise<void> {
    await this.conn.updateTable('pf_applications').set(applicationChanges(set, now)).where('id', '=', id).execute();
  }

  /**
   * Deletes applications with their credentials and registrations. On PostgreSQL their rows are
   * locked first: a self-service write adding to one finishes before, and what it added goes too.
   */
  async deleteApplications(ids: string[]): Promise<void> {
    for (const chunk of chunks(ids, this.maxParams)) {
      if (this.dialect === 'postgres') {
        await this.lockDevelopers(
          this.conn.selectFrom('pf_applications').select('developer_id').where('id', 'in', chunk),
        );
        await this.conn.selectFrom('pf_applications').select('id').where('id', 'in', chunk).forUpdate().execute();
      }
      await this.conn.deleteFrom('pf_registrations').where('application_id', 'in', chunk).execute();
      await this.conn.deleteFrom('pf_credentials').where('application_id', 'in', chunk).execute();
      await this.conn.deleteFrom('pf_applications').where('id', 'in', chunk).execute();
    }
  }

  async insertRegistrations(rows: RegistrationRowInput[], now: string): Promise<void> {
    await this.insertRows('pf_registrations', rows, (r) => registrationRow(r, now));
  }

  async updateRegistration(id: string, set: { status?: Status; origin?: Origin }, now: string): Promise<void> {
    await this.conn.updateTable('pf_registrations').set(registrationChanges(set, now)).where('id', '=', id).execute();
  }

  async deleteRegistrations(ids: string[]): Promise<void> {
    for (const chunk of chunks(ids, this.maxParams)) {
      if (this.dialect === 'postgres') {
        const applications = this.conn.selectFrom('pf_registrations').select('application_id').where('id', 'in', chunk);
        await this.lockDevelopers(
          this.conn.selectFrom('pf_applications').select('developer_id').where('id', 'in', applications),
        );
        await this.conn.selectFrom('pf_registrations').select('id').where('id', 'in', chunk).forUpdate().execute();
      }
      await this.conn.deleteFrom('pf_registrations').where('id', 'in', chunk).execute();
    }
  }

  /**
   * Locks the owners' rows before the rows under them, in the order a self-service write takes
   * them (developer first), so that the two wait for each other instead of deadlocking.
   */
  private async lockDevelopers(ids: SelectQueryBuilder<Database, any, { developer_id: string }>): Promise<void> {
    await this.conn.selectFrom('pf_developers').select('id').where('id', 'in', ids).orderBy('id').forUpdate().execute();
  }

  /** Records that these developers match their manifest entries (see plan/digest.ts). */
  async storeSyncDigests(entries: Array<{ email: string; digest: string }>): Promise<void> {
    // One statement per slice, not per developer: after a large apply this is every developer.
    for (const chunk of chunks(entries, this.rowsPerStatement(2))) {
      const values = sql.join(chunk.map((e) => sql`(${e.email}, ${e.digest})`));
      // Both dialects name the columns of a bare VALUES list column1, column2.
      await sql`update pf_developers set sync_digest = v.column2 from (values ${values}) as v
        where pf_developers.email = v.column1`.execute(this.conn);
    }
  }

  async appendHistory(row: Omit<HistoryRow, 'seq'>): Promise<void> {
    const last = await this.conn
      .selectFrom('pf_history')
      .select((eb) => eb.fn.max('seq').as('seq'))
      .executeTakeFirst();
    await this.conn
      .insertInto('pf_history')
      .values(chainTableRow(Number(last?.seq ?? 0) + 1, row))
      .execute();
  }

  lastHistoryHash(): Promise<string | null> {
    return this.conn
      .selectFrom('pf_history')
      .select('hash')
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst()
      .then((row) => row?.hash ?? null);
  }

  /**
   * Inserts the rows, as many to a statement as the parameter limit allows: each column of a row
   * is one parameter. Rows are made a statement at a time: a large apply never holds all of them at once.
   */
  private async insertRows<T extends InsertedTable, R>(
    table: T,
    rows: R[],
    toRow: (row: R) => InsertObject<Database, T>,
  ): Promise<void> {
    if (rows.length === 0) return;
    const columns = Object.keys(toRow(rows[0]!)).length;
    for (const chunk of chunks(rows, this.rowsPerStatement(columns))) {
      await this.conn.insertInto(table).values(chunk.map(toRow)).execute();
    }
  }

  private rowsPerStatement(columns: number): number {
    return Math.max(1, Math.floor(this.maxParams / columns));
  }
}

/** The tables whose rows the writer inserts whole. */
type InsertedTable = 'pf_developers' | 'pf_credentials' | 'pf_apis' | 'pf_applications' | 'pf_registrations';

function developerRow(r: DeveloperRowInput, now: string): DeveloperTable {
  return {
    id: r.id,
    email: r.email,
    full_name: r.fullName,
    status: r.status,
    custom_id: r.customId,
    meta: JSON.stringify(r.meta),
    origin: r.origin,
    // Manifests vouch for the addresses they declare; only a sign-up has one to prove.
    email_verified: r.origin === 'self-service' ? 0 : 1,
    created_at: now,
    updated_at: now,
    sync_digest: null,
  };
}

function credentialRow(r: CredentialRowInput, now: string): CredentialTable {
  return {
    id: r.id,
    developer_id: r.developerId,
    application_id: r.applicationId ?? null,
    type: r.type,
    identity: r.identity,
    unique_value: r.uniqueValue,
    fields: JSON.stringify(r.fields),
    secrets: JSON.stringify(r.secrets),
    active: r.active ? 1 : 0,
    origin: r.origin,
    created_at: now,
    updated_at: now,
  };
}
