// A plan reads in full only the developers whose sync digest does not show them matching the
// manifests. These tests make sure that shortcut never hides a difference: hand edits of the
// state, changed secret sources, targeted applies and states from before the digests existed.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BACKENDS, dropTestSchemas } from './helpers/backends.js';
import { workspace, type Workspace } from './helpers/cli.js';
import { runSql, withStateDb } from './helpers/state-db.js';
import { undoApplications } from './helpers/store-app-schema.js';

afterAll(dropTestSchemas);

const SECRET = 'sync-digest-test-secret-value-1';

function developer(n: number, fullName = `Developer ${n}`): string {
  return `  - email: dev${n}@example.com
    fullName: ${fullName}
    status: approved
    customId: dev-${n}
    credentials:
      - { type: acl, group: partners }
      - { type: key-auth, name: ci }
      - { type: hmac-auth, username: dev${n}-hmac, secret: { fromEnv: PORTALFORM_SECRET_HMAC } }
`;
}

function manifest(count: number, change: (n: number) => string | null = () => null): string {
  let text = 'version: 1\ndevelopers:\n';
  for (let n = 1; n <= count; n++) text += developer(n, change(n) ?? `Developer ${n}`);
  return text;
}

interface Planned {
  code: number;
  plan: { changes: Array<{ address: string; op: string }>; summary: Record<string, number> };
  /** Developers the plan read in full (PORTALFORM_TIMINGS). */
  readInFull: number;
}

describe.each(BACKENDS)('sync digests on $name', (backend) => {
  const env = { PORTALFORM_SECRET_HMAC: SECRET, PORTALFORM_STATE_KEY: 'k'.repeat(40) };

  function setUp(count = 5): Workspace {
    const w = workspace(backend.newState());
    w.write('m/devs.yaml', manifest(count));
    const applied = w.run(['apply', 'm', '--auto-approve'], { env });
    expect(applied.code, applied.stderr).toBe(0);
    return w;
  }

  function plan(w: Workspace, args: string[] = [], extraEnv: Record<string, string> = {}): Planned {
    const timings = join(w.dir, 'timings.json');
    const result = w.run(['plan', 'm', '--json', ...args], {
      env: { ...env, PORTALFORM_TIMINGS: timings, ...extraEnv },
    });
    expect(result.code, result.stderr).toBe(0);
    const counts = JSON.parse(readFileSync(timings, 'utf8')).counts;
    return { code: result.code, plan: JSON.parse(result.stdout), readInFull: counts['developers read in full'] ?? 0 };
  }

  const addresses = (p: Planned) => p.plan.changes.map((c) => `${c.op} ${c.address}`).sort();

  it('reads no developer in full when nothing changed, and only the changed one after an edit', () => {
    const w = setUp();
    expect(plan(w)).toMatchObject({ readInFull: 0, plan: { changes: [] } });

    w.write(
      'm/devs.yaml',
      manifest(5, (n) => (n === 3 ? 'Renamed' : null)),
    );
    const changed = plan(w);
    expect(addresses(changed)).toEqual(['update developer["dev3@example.com"]']);
    expect(changed.readInFull).toBe(1);
  });

  it('sees a developer row edited by hand in the database, even with a forged digest', async () => {
    const w = setUp();
    await runSql(w, [
      `update pf_developers set full_name = 'Edited', sync_digest = 'forged' where email = 'dev2@example.com'`,
    ]);
    await runSql(w, [`update pf_developers set status = 'revoked' where email = 'dev4@example.com'`]);
    const planned = plan(w);
    expect(addresses(planned).filter((a) => !a.includes('.credential['))).toEqual([
      'approve developer["dev4@example.com"]',
      'update developer["dev2@example.com"]',
    ]);
  });

  it('sees credentials inserted, changed or deleted by hand', async () => {
    const w = setUp();
    await withStateDb(w, async (query) => {
      const [row] = (await query(
        `select * from pf_credentials where type = 'acl' and developer_id = (select id from pf_developers where email = 'dev1@example.com')`,
      )) as Array<Record<string, unknown>>;
      await query(
        `insert into pf_credentials (id, developer_id, type, identity, unique_value, fields, secrets, active, origin, created_at, updated_at)
         values ('hand-made', '${row!.developer_id}', 'acl', 'admins', null, '{"group":"admins"}', '{}', 1, 'manifest', 'now', 'now')`,
      );
    });
    await runSql(w, [
      `update pf_credentials set fields = '{"name":"ci","ttl":5}' where type = 'key-auth' and developer_id = (select id from pf_developers where email = 'dev2@example.com')`,
      `delete from pf_credentials where type = 'acl' and developer_id = (select id from pf_developers where email = 'dev3@example.com')`,
    ]);
    expect(addresses(plan(w))).toEqual([
      'create developer["dev3@example.com"].credential["acl:partners"]',
      'delete developer["dev1@example.com"].credential["acl:admins"]',
      'update developer["dev2@example.com"].credential["key-auth:ci"]',
    ]);
  });

  it('sees a secret whose source changed though no manifest did', () => {
    const w = setUp();
    const planned = plan(w, [], { PORTALFORM_SECRET_HMAC: 'another-value' });
    expect(planned.plan.summary.update).toBe(5);
    expect(planned.readInFull).toBe(5);
  });

  it('keys the secrets in a stored digest: another state stores another digest for a developer holding one', async () => {
    const digests = async (stateKey: string) => {
      const w = workspace(backend.newState());
      w.write(
        'm/devs.yaml',
        `${manifest(1)}  - email: plain@example.com\n    fullName: No secrets\n    status: pending\n`,
      );
      const applied = w.run(['apply', 'm', '--auto-approve'], { env: { ...env, PORTALFORM_STATE_KEY: stateKey } });
      expect(applied.code, applied.stderr).toBe(0);
      const rows = await withStateDb(w, (query) =>
        query('select email, sync_digest from pf_developers order by email'),
      );
      return Object.fromEntries(
        (rows as Array<{ email: string; sync_digest: string }>).map((r) => [r.email, r.sync_digest]),
      );
    };
    const [one, other] = [await digests('a'.repeat(40)), await digests('b'.repeat(40))];
    expect(one['dev1@example.com']).not.toEqual(other['dev1@example.com']); // holds a secret: keyed
    expect(one['plain@example.com']).toEqual(other['plain@example.com']); // holds none: its content digest
  });

  it('keeps planning what a targeted apply left out, and a later full apply makes every digest current', () => {
    const w = setUp();
    w.write(
      'm/devs.yaml',
      manifest(5, (n) => (n <= 2 ? `Renamed ${n}` : null)),
    );
    const targeted = w.run(['apply', 'm', '--auto-approve', '--target', 'developer["dev1@example.com"]'], { env });
    expect(targeted.code, targeted.stderr).toBe(0);
    expect(addresses(plan(w))).toEqual(['update developer["dev2@example.com"]']);

    expect(w.run(['apply', 'm', '--auto-approve'], { env }).code).toBe(0);
    expect(plan(w)).toMatchObject({ readInFull: 0, plan: { changes: [] } });
  });

  it('reads the holder of a unique value a changed developer takes, though the holder is in sync', async () => {
    const w = setUp();
    // dev1 gives up its customId to dev2 in one plan: dev1 must be read to free it first.
    w.write(
      'm/devs.yaml',
      manifest(5)
        .replace('customId: dev-1\n', 'customId: dev-1-new\n')
        .replace('customId: dev-2\n', 'customId: dev-1\n'),
    );
    const planned = plan(w);
    expect(addresses(planned)).toEqual([
      'update developer["dev1@example.com"]',
      'update developer["dev2@example.com"]',
    ]);
    expect(w.run(['apply', 'm', '--auto-approve'], { env }).code).toBe(0);
    expect(plan(w).plan.changes).toEqual([]);
  });

  it('plans a state written before sync digests existed in full, and its next apply migrates it', async () => {
    const w = setUp();
    // The state as portalform 0.1.0's first schema left it.
    const drop =
      backend.name === 'sqlite'
        ? [
            'pf_developers_unsync_update',
            'pf_developers_unsync_insert',
            'pf_credentials_unsync_insert',
            'pf_credentials_unsync_update',
            'pf_credentials_unsync_delete',
          ].map((t) => `drop trigger ${t}`)
        : [
            'drop trigger pf_developers_unsync_update on pf_developers',
            'drop trigger pf_developers_unsync_insert on pf_developers',
            'drop trigger pf_credentials_unsync on pf_credentials',
            'drop function pf_developer_unsync',
            'drop function pf_credential_unsync',
          ];
    // The change feed's triggers (0005), the console's indexes (0004) and the portal's schema (0003) came after: undone first.
    const changeFeed = [
      ...(backend.name === 'postgres'
        ? [
            ...['pf_developers', 'pf_credentials', 'pf_sessions', 'pf_meta'].map(
              (t) => `drop trigger ${t}_changed on ${t}`,
            ),
            'drop function pf_notify_change',
          ]
        : []),
      `delete from pf_migration where name = '0005_change_feed'`,
    ];
    const consoleIndexes = [
      ...[
        'pf_history_at',
        'pf_events_at',
        'pf_developers_status_email',
        'pf_developers_origin_email',
        'pf_developers_name_search',
        'pf_developers_pending',
      ],
      ...(backend.name === 'postgres' ? ['pf_developers_email_search'] : []),
    ].map((index) => `drop index ${index}`);
    const portal = [
      // Applications (0012), canonical emails (0010), the console's sessions (0009) and mail (0008) came last, then name
      // management (0007) and the unmanaged credentials' index (0006).
      ...undoApplications(backend.name),
      'drop table pf_mail_throttle',
      `delete from pf_migration where name = '0011_mail_throttle'`,
      `delete from pf_migration where name = '0010_canonical_emails'`,
      'drop table pf_console_sessions',
      'drop table pf_console_attempts',
      `delete from pf_migration where name = '0009_console_sessions'`,
      'drop table pf_outbox',
      'drop table pf_link_tokens',
      'alter table pf_developers drop column email_verified',
      'alter table pf_developers drop column pending_email',
      `delete from pf_migration where name = '0008_mail'`,
      'alter table pf_developers drop column name_managed',
      `delete from pf_migration where name = '0007_name_managed'`,
      'drop index pf_credentials_origin',
      `delete from pf_migration where name = '0006_credential_origin'`,
      ...changeFeed,
      ...consoleIndexes,
      `delete from pf_migration where name = '0004_console_indexes'`,
      ...(backend.name === 'sqlite'
        ? ['drop trigger pf_developers_version', 'drop trigger pf_credentials_version']
        : [
            'drop trigger pf_developers_version on pf_developers',
            'drop trigger pf_credentials_version on pf_credentials',
            'drop function pf_bump_version',
          ]),
      ...['pf_sessions', 'pf_login_attempts', 'pf_invites', 'pf_tombstones', 'pf_events', 'pf_chain_heads'].map(
        (t) => `drop table ${t}`,
      ),
      'alter table pf_developers drop column version',
      'alter table pf_developers drop column password_hash',
      'alter table pf_credentials drop column version',
      `delete from pf_migration where name = '0003_portal'`,
    ];
    await runSql(w, [
      ...portal,
      ...drop,
      'alter table pf_developers drop column sync_digest',
      `delete from pf_migration where name = '0002_sync_digest'`,
    ]);
    w.write(
      'm/devs.yaml',
      manifest(5, (n) => (n === 5 ? 'Renamed' : null)),
    );

    const old = plan(w);
    expect(addresses(old)).toEqual(['update developer["dev5@example.com"]']);
    expect(old.readInFull).toBe(5);

    expect(w.run(['apply', 'm', '--auto-approve'], { env }).code).toBe(0);
    expect(plan(w)).toMatchObject({ readInFull: 0, plan: { changes: [] } });
  });
});
