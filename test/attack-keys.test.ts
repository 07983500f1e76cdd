// Attack cases for the key material and the trust a plan puts in the state: an empty state key
// file is refused, and stored sync digests are not trusted once their triggers are gone.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BACKENDS, dropTestSchemas } from './helpers/backends.js';
import { workspace, type Workspace } from './helpers/cli.js';
import { runSql, withStateDb } from './helpers/state-db.js';

afterAll(dropTestSchemas);

const MANIFEST = `version: 1
developers:
${[1, 2, 3, 4]
  .map(
    (n) =>
      `  - email: dev${n}@example.com\n    fullName: Developer ${n}\n    status: approved\n    credentials:\n      - { type: acl, group: partners }\n`,
  )
  .join('')}`;

describe('attack: an empty --state-key-file', () => {
  for (const [name, content] of [
    ['empty', ''],
    ['whitespace only', '  \n\t\n'],
  ] as const) {
    it(`a ${name} key file is refused with a clear message, and nothing is written`, () => {
      const w = workspace();
      w.write('m/devs.yaml', MANIFEST);
      const keyFile = w.write('state.key', content);
      for (const command of [
        ['plan', 'm'],
        ['apply', 'm', '--auto-approve'],
      ]) {
        const result = w.run([...command, '--state-key-file', keyFile]);
        expect(result.code).toBe(1);
        expect(result.stderr.trim()).toBe(
          `Error: --state-key-file ${keyFile}: the file is empty; write the state key in it, or leave the flag out to use PORTALFORM_STATE_KEY`,
        );
      }
      expect(existsSync(join(w.dir, 'portalform.db'))).toBe(false);
    });
  }

  it('a missing key file is refused, naming it', () => {
    const w = workspace();
    w.write('m/devs.yaml', MANIFEST);
    const result = w.run(['plan', 'm', '--state-key-file', 'nowhere.key']);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe('Error: --state-key-file nowhere.key: no such file');
  });

  it('a key file with a key in it is used as before (surrounding whitespace dropped)', () => {
    const w = workspace();
    w.write('m/devs.yaml', MANIFEST);
    w.write('state.key', `  ${'k'.repeat(40)}\n`);
    expect(w.run(['apply', 'm', '--auto-approve', '--state-key-file', 'state.key']).code).toBe(0);
    const other = w.write('other.key', 'o'.repeat(40));
    // The state was made with the key: another one is refused, so the key was really used.
    expect(w.run(['plan', 'm', '--state-key-file', other]).code).toBe(1);
    expect(w.run(['plan', 'm', '--state-key-file', 'state.key']).code).toBe(0);
  });
});

describe.each(BACKENDS)('attack: sync-digest triggers removed by hand, on $name', (backend) => {
  const sqliteTriggers = [
    'pf_developers_unsync_update',
    'pf_developers_unsync_insert',
    'pf_credentials_unsync_insert',
    'pf_credentials_unsync_update',
    'pf_credentials_unsync_delete',
  ];
  const dropAll =
    backend.name === 'sqlite'
      ? sqliteTriggers.map((name) => `drop trigger ${name}`)
      : [
          'drop trigger pf_developers_unsync_update on pf_developers',
          'drop trigger pf_developers_unsync_insert on pf_developers',
          'drop trigger pf_credentials_unsync on pf_credentials',
        ];

  function setUp(): Workspace {
    const w = workspace(backend.newState());
    w.write('m/devs.yaml', MANIFEST);
    const applied = w.run(['apply', 'm', '--auto-approve']);
    expect(applied.code, applied.stderr).toBe(0);
    return w;
  }

  function plan(w: Workspace) {
    const timings = join(w.dir, 'timings.json');
    const result = w.run(['plan', 'm', '--json'], { env: { PORTALFORM_TIMINGS: timings } });
    expect(result.code, result.stderr).toBe(0);
    const planned = JSON.parse(result.stdout) as {
      changes: Array<{ op: string; address: string }>;
      warnings: Array<{ message: string }>;
    };
    return {
      changes: planned.changes.map((c) => `${c.op} ${c.address}`).sort(),
      warnings: planned.warnings.map((w) => w.message),
      readInFull: (JSON.parse(readFileSync(timings, 'utf8')).counts['developers read in full'] ?? 0) as number,
    };
  }

  const handEdit = (w: Workspace, fullName: string) =>
    runSql(w, [`update pf_developers set full_name = '${fullName}' where email = 'dev2@example.com'`]);

  it('a plan does not trust stored digests (reads everyone, with a warning) and sees the hand edit; apply restores the triggers', async () => {
    const w = setUp();
    await runSql(w, dropAll);
    await handEdit(w, 'Edited while unguarded');
    const planned = plan(w);
    expect(planned.changes).toEqual(['update developer["dev2@example.com"]']);
    expect(planned.readInFull).toBe(4);
    expect(planned.warnings).toEqual([
      expect.stringContaining("the state's sync-digest triggers are missing or altered"),
    ]);

    const applied = w.run(['apply', 'm', '--auto-approve']);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stderr).toMatch(/sync-digest triggers are missing or altered.*restored them/);
    // Back in place: nothing to read, no warning, and the next hand edit is seen through them.
    expect(plan(w)).toEqual({ changes: [], warnings: [], readInFull: 0 });
    await handEdit(w, 'Edited again');
    expect(plan(w)).toMatchObject({ changes: ['update developer["dev2@example.com"]'], warnings: [], readInFull: 1 });
  });

  it('a trigger replaced by a same-named one that does nothing is not trusted either', async () => {
    const w = setUp();
    const replace =
      backend.name === 'sqlite'
        ? [
            'drop trigger pf_developers_unsync_update',
            `create trigger pf_developers_unsync_update after update of email on pf_developers when 0 begin select 1; end`,
          ]
        : [
            `create or replace function pf_developer_unsync() returns trigger language plpgsql as $$ begin return new; end $$`,
          ];
    await runSql(w, replace);
    await handEdit(w, 'Edited under a decoy');
    expect(plan(w)).toMatchObject({ changes: ['update developer["dev2@example.com"]'], readInFull: 4 });
  });

  it.runIf(backend.name === 'postgres')('a disabled trigger is not trusted', async () => {
    const w = setUp();
    await runSql(w, ['alter table pf_developers disable trigger pf_developers_unsync_update']);
    await handEdit(w, 'Edited while disabled');
    expect(plan(w)).toMatchObject({ changes: ['update developer["dev2@example.com"]'], readInFull: 4 });
    expect(w.run(['apply', 'm', '--auto-approve']).code).toBe(0);
    const enabled = await withStateDb(w, (query) =>
      query(
        `select tgenabled from pg_trigger t join pg_class c on c.oid = t.tgrelid where tgname = 'pf_developers_unsync_update' and c.relnamespace = current_schema()::regnamespace`,
      ),
    );
    expect(enabled).toEqual([{ tgenabled: 'O' }]);
  });
});
