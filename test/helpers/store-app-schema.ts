// Undoes migration 0012_applications on a test state, so that a suite can rebuild an older schema
// and let apply migrate it again: the statements return the state to exactly what 0011 left.
import { SYNC_DIGEST_TRIGGERS } from '../../src/store/sync-triggers.js';
import { VERSION_TRIGGERS } from '../../src/store/schema-statements.js';

const COLUMNS =
  'id, developer_id, type, identity, unique_value, fields, secrets, active, origin, created_at, updated_at, version';

const onCredentials = (statement: string) => / on pf_credentials\b/.test(statement);

/** The statements that take a state at 0012_applications back to 0011, for `runSql`. */
export function undoApplications(dialect: 'sqlite' | 'postgres'): string[] {
  const credentials =
    dialect === 'sqlite'
      ? [
          `create table pf_credentials_0011 (
             id text primary key, developer_id text not null references pf_developers (id),
             type text not null, identity text not null, unique_value text, fields text not null,
             secrets text not null, active integer not null, origin text not null,
             created_at text not null, updated_at text not null, version integer default 1 not null,
             constraint pf_credentials_identity unique (developer_id, type, identity),
             constraint pf_credentials_unique_value unique (type, unique_value))`,
          `insert into pf_credentials_0011 (${COLUMNS}) select ${COLUMNS} from pf_credentials`,
          'drop table pf_credentials',
          'alter table pf_credentials_0011 rename to pf_credentials',
          'create index pf_credentials_origin on pf_credentials (origin)',
          ...VERSION_TRIGGERS.sqlite.filter(onCredentials),
          ...SYNC_DIGEST_TRIGGERS.sqlite.filter(onCredentials),
        ]
      : [
          'alter table pf_credentials drop column application_id',
          'alter table pf_credentials add constraint pf_credentials_identity unique (developer_id, type, identity)',
        ];
  return [
    'drop table pf_registrations',
    ...credentials,
    'drop table pf_applications',
    'drop table pf_apis',
    ...(dialect === 'postgres' ? ['drop function pf_application_unsync', 'drop function pf_registration_unsync'] : []),
    `delete from pf_migration where name = '0012_applications'`,
  ];
}
