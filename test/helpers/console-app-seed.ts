// Applications, APIs and registrations as the self-service and an apply leave them, written as rows
// (the same SQL on SQLite and PostgreSQL) beside a state a real apply made, for the console's suites.
import type { Workspace } from './cli.js';
import { runSql, withStateDb } from './state-db.js';

/** A secret stored with the application's credential: no page may show it. */
export const SECRET_SENTINEL = 'SECRET-SENTINEL-console-app-0123456789';

const quote = (value: string | null) => (value === null ? 'null' : `'${value.replace(/'/g, "''")}'`);
const at = (minute: number) => `2026-05-01T09:${String(minute).padStart(2, '0')}:00.000Z`;

function developer(
  id: string,
  email: string,
  name: string,
  status: string,
  origin: string,
  minute: number,
  verified = 1,
) {
  return `insert into pf_developers (id, email, full_name, status, meta, origin, email_verified, created_at, updated_at)
    values ('${id}', '${email}', '${name}', '${status}', '{}', '${origin}', ${verified}, '${at(minute)}', '${at(minute)}')`;
}

function api(name: string, title: string | null, description: string | null, auto: number | null, acl: string[]) {
  return `insert into pf_apis (name, title, description, auto_approve_registrations, acl_groups, created_at, updated_at)
    values ('${name}', ${quote(title)}, ${quote(description)}, ${auto ?? 'null'}, '${JSON.stringify(acl)}', '${at(0)}', '${at(0)}')`;
}

interface Application {
  id: string;
  developerId: string;
  name: string;
  description: string | null;
  managed: boolean;
  origin: string;
  minute: number;
}

function application(a: Application): string {
  return `insert into pf_applications (id, developer_id, name, description, description_managed, origin, created_at, updated_at)
    values ('${a.id}', '${a.developerId}', '${a.name}', ${quote(a.description)}, ${a.managed ? 1 : 0}, '${a.origin}',
      '${at(a.minute)}', '${at(a.minute)}')`;
}

function registration(
  id: string,
  applicationId: string,
  apiName: string,
  status: string,
  origin: string,
  minute: number,
) {
  return `insert into pf_registrations (id, application_id, api, status, origin, created_at, updated_at)
    values ('${id}', '${applicationId}', '${apiName}', '${status}', '${origin}', '${at(minute)}', '${at(minute)}')`;
}

/**
 * On a state whose manifests declare ada@example.com (approved): the APIs payments (title, a hostile
 * description, acl group partners, the portal's auto-approve), ledger (auto-approving) and search;
 * ada's self-made `billing` (a hostile description of the developer's, a key-auth credential,
 * payments pending, ledger approved) and managed `reports` (payments pending, declared so); the
 * released sam@example.com's `mobile` (payments pending, the oldest request; ledger rejected; search
 * pending, the newest);
 * fleet@example.com's 55 applications approved to payments; zoe@example.com's pending sign-up and
 * yan@example.com's unverified one.
 */
export async function seedApplications(w: Workspace): Promise<void> {
  const adaId = await withStateDb(w, async (query) => {
    const rows = (await query(`select id from pf_developers where email = 'ada@example.com'`)) as Array<{ id: string }>;
    return rows[0]!.id;
  });
  const statements = [
    developer('sam', 'sam@example.com', 'Sam Released', 'approved', 'released', 1),
    developer('fleet', 'fleet@example.com', 'Fleet Owner', 'approved', 'released', 2),
    developer('zoe', 'zoe@example.com', 'Zoe Signup', 'pending', 'self-service', 3),
    developer('yan', 'yan@example.com', 'Yan Unverified', 'pending', 'self-service', 3, 0),
    api('payments', 'Payments API', '<script>alert(1)</script>', null, ['partners']),
    api('ledger', null, null, 1, []),
    api('search', 'Search', null, 0, []),
    application({
      id: 'billing',
      developerId: adaId,
      name: 'billing',
      description: '<img src=x onerror=alert(1)>',
      managed: false,
      origin: 'self-service',
      minute: 4,
    }),
    application({
      id: 'reports',
      developerId: adaId,
      name: 'reports',
      description: 'Quarterly reports',
      managed: true,
      origin: 'manifest',
      minute: 4,
    }),
    application({
      id: 'mobile',
      developerId: 'sam',
      name: 'mobile',
      description: null,
      managed: false,
      origin: 'self-service',
      minute: 5,
    }),
    `insert into pf_credentials (id, developer_id, application_id, type, identity, unique_value, fields, secrets, active, origin,
      created_at, updated_at)
      values ('billing-key', '${adaId}', 'billing', 'key-auth', 'billing-prod', 'digest-of-the-key', '{"name":"billing-prod"}',
        '{"key":"${SECRET_SENTINEL}"}', 1, 'self-service', '${at(6)}', '${at(6)}')`,
    registration('r-mobile-payments', 'mobile', 'payments', 'pending', 'self-service', 7),
    registration('r-mobile-ledger', 'mobile', 'ledger', 'rejected', 'manifest', 7),
    registration('r-billing-payments', 'billing', 'payments', 'pending', 'self-service', 8),
    registration('r-billing-ledger', 'billing', 'ledger', 'approved', 'manifest', 8),
    registration('r-reports-payments', 'reports', 'payments', 'pending', 'manifest', 9),
    registration('r-mobile-search', 'mobile', 'search', 'pending', 'self-service', 9),
  ];
  for (let i = 1; i <= 55; i++) {
    const name = `fleet-${String(i).padStart(2, '0')}`;
    statements.push(
      application({
        id: name,
        developerId: 'fleet',
        name,
        description: null,
        managed: false,
        origin: 'self-service',
        minute: 10,
      }),
      registration(`r-${name}`, name, 'payments', 'approved', 'self-service', 10 + Math.floor(i / 10)),
    );
  }
  await runSql(w, statements);
}
