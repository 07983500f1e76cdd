// The statements some migrations of schema.ts run as they are written: triggers and indexes
// that differ between SQLite and PostgreSQL.
type Dialect = 'sqlite' | 'postgres';

/**
 * PostgreSQL tells the service's instances that a commit changed what they may keep in memory
 * (store/postgres/change-feed.ts): one notification per statement, which PostgreSQL folds into
 * one per transaction, sent as part of the commit. A session's idle refresh (an update of
 * pf_sessions) changes nothing any instance keeps, so only its deletion notifies. SQLite needs no
 * trigger: its readers ask the file (`data_version`).
 */
export const CHANGE_FEED_TRIGGERS: Record<Dialect, string[]> = {
  sqlite: [],
  postgres: [
    `create function pf_notify_change() returns trigger language plpgsql set search_path from current as $$
       begin perform pg_notify('portalform_changes', tg_table_schema); return null; end $$`,
    `create trigger pf_developers_changed after insert or update or delete on pf_developers
       for each statement execute function pf_notify_change()`,
    `create trigger pf_credentials_changed after insert or update or delete on pf_credentials
       for each statement execute function pf_notify_change()`,
    `create trigger pf_sessions_changed after delete on pf_sessions
       for each statement execute function pf_notify_change()`,
    `create trigger pf_meta_changed after insert or update or delete on pf_meta
       for each statement execute function pf_notify_change()`,
  ],
};

/**
 * Every write of a developer's or credential's content bumps its version, whoever writes, so a
 * saved plan can tell that an object it touches changed since (docs/unmanaged.md). Storing a sync digest
 * is bookkeeping, not content: it bumps nothing.
 */
const DEVELOPER_CONTENT = 'email, full_name, status, custom_id, meta, origin, password_hash';
const CREDENTIAL_CONTENT = 'developer_id, type, identity, unique_value, fields, secrets, active, origin';
export const VERSION_TRIGGERS: Record<Dialect, string[]> = {
  // SQLite runs a trigger's own update without firing it again (recursive_triggers is off).
  sqlite: [
    `create trigger pf_developers_version after update of ${DEVELOPER_CONTENT} on pf_developers
       begin update pf_developers set version = old.version + 1 where id = new.id; end`,
    `create trigger pf_credentials_version after update of ${CREDENTIAL_CONTENT} on pf_credentials
       begin update pf_credentials set version = old.version + 1 where id = new.id; end`,
  ],
  postgres: [
    `create function pf_bump_version() returns trigger language plpgsql set search_path from current as $$
       begin new.version := old.version + 1; return new; end $$`,
    `create trigger pf_developers_version before update of ${DEVELOPER_CONTENT} on pf_developers
       for each row execute function pf_bump_version()`,
    `create trigger pf_credentials_version before update of ${CREDENTIAL_CONTENT} on pf_credentials
       for each row execute function pf_bump_version()`,
  ],
};

/**
 * The console's developer list (src/store/developer-listing.ts) pages by email within a status or an
 * origin and searches the start of an email or a lower-cased name, without a full scan. SQLite
 * searches by range (its LIKE ignores case and cannot use them), PostgreSQL by LIKE, which needs
 * the pattern operator class unless the database's collation is C.
 */
export const CONSOLE_INDEXES: Record<Dialect, string[]> = {
  sqlite: [
    'create index pf_history_at on pf_history (at)',
    'create index pf_events_at on pf_events (at)',
    'create index pf_developers_status_email on pf_developers (status, email)',
    'create index pf_developers_origin_email on pf_developers (origin, email)',
    'create index pf_developers_name_search on pf_developers (lower(full_name))',
    "create index pf_developers_pending on pf_developers (created_at) where status = 'pending'",
  ],
  postgres: [
    'create index pf_history_at on pf_history (at)',
    'create index pf_events_at on pf_events (at)',
    'create index pf_developers_status_email on pf_developers (status, email)',
    'create index pf_developers_origin_email on pf_developers (origin, email)',
    'create index pf_developers_email_search on pf_developers (email text_pattern_ops)',
    'create index pf_developers_name_search on pf_developers (lower(full_name) text_pattern_ops)',
    "create index pf_developers_pending on pf_developers (created_at) where status = 'pending'",
  ],
};
