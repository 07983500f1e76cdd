// The triggers that keep sync digests honest (docs/state.md, docs/architecture.md "sync digests"), and
// the check that they are still there: a digest is trusted only while they are. Someone who drops
// or disables them by hand could edit a developer and the next plan would not see it, so a plan
// then reads everyone in full, and apply puts them back (clearing every digest, since what
// happened while they were missing is unknown).
import { sql, type Kysely } from './kysely.js';

type Dialect = 'sqlite' | 'postgres';

/**
 * Any change to a developer's row or to one of its credentials clears the developer's
 * sync_digest, in the database itself: a hand edit, or a writer other than apply, is seen by the
 * next plan. Apply sets the digest in a separate statement that names no content column.
 */
export const SYNC_DIGEST_TRIGGERS: Record<Dialect, string[]> = {
  sqlite: [
    `create trigger pf_developers_unsync_update after update of email, full_name, status, custom_id, meta, origin on pf_developers
       when new.sync_digest is not null
       begin update pf_developers set sync_digest = null where id = new.id; end`,
    `create trigger pf_developers_unsync_insert after insert on pf_developers
       when new.sync_digest is not null
       begin update pf_developers set sync_digest = null where id = new.id; end`,
    `create trigger pf_credentials_unsync_insert after insert on pf_credentials
       begin update pf_developers set sync_digest = null where id = new.developer_id and sync_digest is not null; end`,
    `create trigger pf_credentials_unsync_update after update on pf_credentials
       begin update pf_developers set sync_digest = null where id in (old.developer_id, new.developer_id) and sync_digest is not null; end`,
    `create trigger pf_credentials_unsync_delete after delete on pf_credentials
       begin update pf_developers set sync_digest = null where id = old.developer_id and sync_digest is not null; end`,
  ],
  // The functions keep the state's schema as their search_path, so they work from any session.
  postgres: [
    `create function pf_developer_unsync() returns trigger language plpgsql set search_path from current as $$
       begin new.sync_digest := null; return new; end $$`,
    `create trigger pf_developers_unsync_update before update of email, full_name, status, custom_id, meta, origin on pf_developers
       for each row when (new.sync_digest is not null) execute function pf_developer_unsync()`,
    `create trigger pf_developers_unsync_insert before insert on pf_developers
       for each row when (new.sync_digest is not null) execute function pf_developer_unsync()`,
    `create function pf_credential_unsync() returns trigger language plpgsql set search_path from current as $$
       begin
         if tg_op <> 'INSERT' then update pf_developers set sync_digest = null where id = old.developer_id and sync_digest is not null; end if;
         if tg_op <> 'DELETE' then update pf_developers set sync_digest = null where id = new.developer_id and sync_digest is not null; end if;
         return null;
       end $$`,
    `create trigger pf_credentials_unsync after insert or update or delete on pf_credentials
       for each row execute function pf_credential_unsync()`,
  ],
};

/**
 * Since 0012_applications, a write to one of a developer's applications or to one of their
 * registrations clears the developer's digest as well (an application's credentials are the
 * developer's credential rows, which the triggers above already watch).
 */
export const APPLICATION_SYNC_TRIGGERS: Record<Dialect, string[]> = {
  sqlite: [
    `create trigger pf_applications_unsync_insert after insert on pf_applications
       begin update pf_developers set sync_digest = null where id = new.developer_id and sync_digest is not null; end`,
    `create trigger pf_applications_unsync_update after update on pf_applications
       begin update pf_developers set sync_digest = null where id in (old.developer_id, new.developer_id) and sync_digest is not null; end`,
    `create trigger pf_applications_unsync_delete after delete on pf_applications
       begin update pf_developers set sync_digest = null where id = old.developer_id and sync_digest is not null; end`,
    `create trigger pf_registrations_unsync_insert after insert on pf_registrations
       begin update pf_developers set sync_digest = null
       where id in (select developer_id from pf_applications where id = new.application_id) and sync_digest is not null; end`,
    `create trigger pf_registrations_unsync_update after update on pf_registrations
       begin update pf_developers set sync_digest = null
       where id in (select developer_id from pf_applications where id in (old.application_id, new.application_id))
       and sync_digest is not null; end`,
    `create trigger pf_registrations_unsync_delete after delete on pf_registrations
       begin update pf_developers set sync_digest = null
       where id in (select developer_id from pf_applications where id = old.application_id) and sync_digest is not null; end`,
  ],
  postgres: [
    `create function pf_application_unsync() returns trigger language plpgsql set search_path from current as $$
       begin
         if tg_op <> 'INSERT' then update pf_developers set sync_digest = null where id = old.developer_id and sync_digest is not null; end if;
         if tg_op <> 'DELETE' then update pf_developers set sync_digest = null where id = new.developer_id and sync_digest is not null; end if;
         return null;
       end $$`,
    `create trigger pf_applications_unsync after insert or update or delete on pf_applications
       for each row execute function pf_application_unsync()`,
    `create function pf_registration_unsync() returns trigger language plpgsql set search_path from current as $$
       begin
         if tg_op <> 'INSERT' then
           update pf_developers set sync_digest = null
           where id in (select developer_id from pf_applications where id = old.application_id) and sync_digest is not null;
         end if;
         if tg_op <> 'DELETE' then
           update pf_developers set sync_digest = null
           where id in (select developer_id from pf_applications where id = new.application_id) and sync_digest is not null;
         end if;
         return null;
       end $$`,
    `create trigger pf_registrations_unsync after insert or update or delete on pf_registrations
       for each row execute function pf_registration_unsync()`,
  ],
};

/** The trigger names each dialect's statements create; on PostgreSQL, with the functions they call. */
const TRIGGERS: Record<Dialect, string[]> = {
  sqlite: [
    'pf_developers_unsync_update',
    'pf_developers_unsync_insert',
    'pf_credentials_unsync_insert',
    'pf_credentials_unsync_update',
    'pf_credentials_unsync_delete',
  ],
  postgres: ['pf_developers_unsync_update', 'pf_developers_unsync_insert', 'pf_credentials_unsync'],
};
const FUNCTIONS = ['pf_developer_unsync', 'pf_credential_unsync'];
const APPLICATION_TRIGGERS: Record<Dialect, string[]> = {
  sqlite: [
    'pf_applications_unsync_insert',
    'pf_applications_unsync_update',
    'pf_applications_unsync_delete',
    'pf_registrations_unsync_insert',
    'pf_registrations_unsync_update',
    'pf_registrations_unsync_delete',
  ],
  postgres: ['pf_applications_unsync', 'pf_registrations_unsync'],
};
const APPLICATION_FUNCTIONS = ['pf_application_unsync', 'pf_registration_unsync'];

/** The statements, trigger names and functions a state has: the applications' only from 0012 on. */
function expected(dialect: Dialect, applications: boolean) {
  return {
    statements: [...SYNC_DIGEST_TRIGGERS[dialect], ...(applications ? APPLICATION_SYNC_TRIGGERS[dialect] : [])],
    triggers: [...TRIGGERS[dialect], ...(applications ? APPLICATION_TRIGGERS[dialect] : [])],
    functions: [...FUNCTIONS, ...(applications ? APPLICATION_FUNCTIONS : [])],
  };
}

/** Whether the state has the applications' tables (0012_applications); `conn` as for syncTriggersIntact. */
async function hasApplications(conn: Kysely<any>, dialect: Dialect): Promise<boolean> {
  const rows =
    dialect === 'sqlite'
      ? await sql`select 1 from sqlite_master where type = 'table' and name = 'pf_applications'`.execute(conn)
      : await sql`select 1 from pg_class where relnamespace = current_schema()::regnamespace and relname = 'pf_applications'`.execute(
          conn,
        );
  return rows.rows.length > 0;
}

/** Text compared loosely: SQLite upper-cases the head of a stored statement, PostgreSQL keeps a body as written. */
function normalized(text: string): string {
  return text.replace(/\s+/g, ' ').trim().toLowerCase();
}

/** The body of each `create function … as $$ body $$` statement, by function name. */
function expectedBodies(statements: string[]): Map<string, string> {
  const bodies = new Map<string, string>();
  for (const statement of statements) {
    const match = /^create function (\w+)\(\)[^$]*\$\$([\s\S]*)\$\$$/.exec(statement);
    if (match) bodies.set(match[1]!, normalized(match[2]!));
  }
  return bodies;
}

/**
 * Whether every sync-digest trigger is there, enabled and as portalform made it. On PostgreSQL
 * `conn` must have the state's schema first in its search_path (as every state connection has).
 */
export async function syncTriggersIntact(conn: Kysely<any>, dialect: Dialect): Promise<boolean> {
  const {
    statements,
    triggers: names,
    functions: functionNames,
  } = expected(dialect, await hasApplications(conn, dialect));
  if (dialect === 'sqlite') {
    const rows = await sql<{
      name: string;
      sql: string;
    }>`select name, sql from sqlite_master where type = 'trigger'`.execute(conn);
    const found = new Map(rows.rows.map((r) => [r.name, normalized(r.sql)]));
    return statements.every((statement, i) => found.get(names[i]!) === normalized(statement));
  }
  const triggers = await sql<{ name: string }>`
    select t.tgname as name from pg_trigger t join pg_class c on c.oid = t.tgrelid
    where c.relnamespace = current_schema()::regnamespace and not t.tgisinternal and t.tgenabled in ('O', 'A')`.execute(
    conn,
  );
  const enabled = new Set(triggers.rows.map((r) => r.name));
  if (!names.every((name) => enabled.has(name))) return false;
  const functions = await sql<{ name: string; body: string }>`
    select proname as name, prosrc as body from pg_proc where pronamespace = current_schema()::regnamespace`.execute(
    conn,
  );
  const bodies = new Map(functions.rows.map((r) => [r.name, normalized(r.body)]));
  const expectedBody = expectedBodies(statements);
  return functionNames.every((name) => bodies.get(name) === expectedBody.get(name));
}

/**
 * Puts the triggers back as portalform makes them and clears every stored digest. Run inside the
 * caller's transaction, so that either all of it happens or none.
 */
export async function restoreSyncTriggers(conn: Kysely<any>, dialect: Dialect): Promise<void> {
  const { statements, triggers } = expected(dialect, await hasApplications(conn, dialect));
  for (const name of triggers) {
    const table = /^pf_[a-z]+/.exec(name)![0];
    await sql
      .raw(dialect === 'sqlite' ? `drop trigger if exists ${name}` : `drop trigger if exists ${name} on ${table}`)
      .execute(conn);
  }
  for (const statement of statements) {
    await sql.raw(statement.replace(/^create function/, 'create or replace function')).execute(conn);
  }
  await sql`update pf_developers set sync_digest = null where sync_digest is not null`.execute(conn);
}
