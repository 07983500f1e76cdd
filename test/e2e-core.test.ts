// The core workflow as a user runs it: validate → plan → apply → change → plan, on each backend.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BACKENDS, dropTestSchemas } from './helpers/backends.js';
import { ROOT, workspace, type Workspace } from './helpers/cli.js';
import { runSql } from './helpers/state-db.js';

afterAll(dropTestSchemas);

const ADA = 'ada@example.com';

function manifest(developers: string): string {
  return `version: 1\ndevelopers:\n${developers}`;
}

function json<T = any>(text: string): T {
  return JSON.parse(text);
}

describe.each(BACKENDS)('core workflow on $name', (backend) => {
  const ws = (): Workspace => workspace(backend.newState());

  it('runs the quick start: validate, plan, apply, then an empty re-plan', () => {
    const w = ws();
    const example = w.copyExample('quickstart');
    expect(w.run(['validate', example])).toMatchObject({ code: 0 });

    const planned = w.run(['plan', example, '--json']);
    expect(planned.code).toBe(0);
    const plan = json(planned.stdout);
    expect(plan.format_version).toBe('1');
    expect(plan.state).toEqual({ lineage: null, serial: 0 });
    // 15 for the developers and their credentials, 4 for the payments API, billing, its key and its registration.
    expect(plan.summary).toEqual({ create: 19, update: 0, delete: 0, transition: 0, move: 0 });

    const refused = w.run(['apply', example]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/--auto-approve/);
    // The refused apply created no state: state list says there is none (issue 24).
    const listed = w.run(['state', 'list', '--json']);
    expect(listed.code).toBe(1);
    expect(json(listed.stdout).error).toMatch(/^no state at /);

    const applied = w.run(['apply', example, '--auto-approve']);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toMatch(/Apply complete!.*serial is now 1/);

    expect(w.run(['plan', example, '--detailed-exitcode'])).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/No changes/),
    });

    const listing = json(w.run(['state', 'list', '--json']).stdout);
    expect(listing.serial).toBe(1);
    expect(listing.lineage).toMatch(/^[0-9a-f-]{36}$/);
    const ada = listing.developers.find((d: any) => d.email === ADA);
    expect(ada).toMatchObject({
      fullName: 'Ada Lovelace',
      status: 'approved',
      customId: 'ada-001',
      meta: { company: 'Analytical Engines' },
    });
    expect(ada.credentials.map((c: any) => c.type).sort()).toEqual([
      'acl',
      'basic-auth',
      'hmac-auth',
      'jwt',
      'key-auth',
      'oauth2',
    ]);
    expect(ada.credentials.find((c: any) => c.type === 'key-auth')).toEqual({
      type: 'key-auth',
      name: 'ci',
      key: '(sensitive)',
      active: true,
      origin: 'manifest',
    });
    const margaret = listing.developers.find((d: any) => d.email === 'margaret@example.com');
    expect(margaret.credentials.every((c: any) => c.active === false)).toBe(true);

    const history = json(w.run(['history', '--json']).stdout);
    expect(history.entries).toHaveLength(1);
    expect(history.entries[0]).toMatchObject({ kind: 'apply', serial: 1 });
    expect(history.entries[0].hash).toMatch(/^[0-9a-f]{64}$/);

    expect(JSON.parse(w.run(['show', '--json']).stdout)).toEqual(listing);
    expect(w.run(['state', 'list']).stdout).toContain(
      'developer["ada@example.com"].credential["jwt:ada-issuer"]  active',
    );
    expect(w.run(['show']).stdout).toMatch(
      /developer "ada@example.com" \{[\s\S]*credential "key-auth:ci" \{[\s\S]*key += \(sensitive\)/,
    );
  });

  it('changes status along the life cycle, flipping credentials with it', () => {
    const w = ws();
    const base = (linus: string, ada: string) =>
      manifest(`  - email: ${ADA}
    fullName: Ada
    status: ${ada}
    credentials: [{ type: acl, group: g }]
  - email: linus@example.com
    fullName: Linus
    status: ${linus}
`);
    w.write('m.yaml', base('pending', 'approved'));
    expect(w.run(['apply', 'm.yaml', '--auto-approve']).code).toBe(0);

    w.write('m.yaml', base('revoked', 'revoked'));
    const planned = w.run(['plan', 'm.yaml', '--json', '--detailed-exitcode']);
    expect(planned.code).toBe(2);
    const ops = json(planned.stdout).changes.map((c: any) => `${c.op} ${c.address}`);
    // pending → revoked is one step per edge; approved → revoked one step, then the credential it deactivates
    expect(ops).toEqual([
      `revoke developer["${ADA}"]`,
      `update developer["${ADA}"].credential["acl:g"]`,
      'approve developer["linus@example.com"]',
      'revoke developer["linus@example.com"]',
    ]);
    expect(w.run(['apply', 'm.yaml', '--auto-approve']).code).toBe(0);
    const listing = json(w.run(['state', 'list', '--json']).stdout);
    expect(listing.developers[0].credentials[0].active).toBe(false);

    w.write('m.yaml', base('revoked', 'approved'));
    expect(w.run(['apply', 'm.yaml', '--auto-approve']).code).toBe(0);
    expect(json(w.run(['state', 'list', '--json']).stdout).developers[0].credentials[0].active).toBe(true);
    expect(json(w.run(['state', 'list', '--json']).stdout).serial).toBe(3);
  });

  it('refuses an illegal transition with a located error and advice, changing nothing; --replace starts over', () => {
    const w = ws();
    w.write('m.yaml', manifest(`  - { email: ${ADA}, fullName: Ada, status: rejected }\n`));
    expect(w.run(['apply', 'm.yaml', '--auto-approve']).code).toBe(0);
    w.write('m.yaml', manifest(`  - { email: ${ADA}, fullName: Ada, status: approved }\n`));
    const refused = w.run(['apply', 'm.yaml', '--auto-approve']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/m\.yaml:3:5: error: .*rejected developer.*--replace/);
    expect(refused.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(json(w.run(['state', 'list', '--json']).stdout)).toMatchObject({
      serial: 1,
      developers: [{ status: 'rejected' }],
    });

    const replaced = w.run(['apply', 'm.yaml', '--auto-approve', '--replace', `developer["${ADA}"]`]);
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(json(w.run(['state', 'list', '--json']).stdout)).toMatchObject({
      serial: 2,
      developers: [{ status: 'approved' }],
    });
  });

  it('applies a saved plan once, refusing it when stale or already applied; one made on no state creates the state', () => {
    const w = ws();
    w.write('m.yaml', manifest(`  - { email: ${ADA}, fullName: Ada, status: pending }\n`));
    expect(w.run(['plan', 'm.yaml', '--out', 'early.plan']).code).toBe(0);
    expect(w.run(['apply', 'early.plan'])).toMatchObject({ code: 0 });
    expect(w.run(['apply', 'early.plan'])).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('Saved plan was already applied'),
    });
    expect(w.run(['apply', 'm.yaml', '--auto-approve']).code).toBe(0);

    w.write('m.yaml', manifest(`  - { email: ${ADA}, fullName: Ada L., status: pending }\n`));
    expect(w.run(['plan', 'm.yaml', '--out', 'stale.plan']).code).toBe(0);
    w.write('m.yaml', manifest(`  - { email: ${ADA}, fullName: Ada, status: approved }\n`));
    expect(w.run(['plan', 'm.yaml', '--out', 'approve.plan']).code).toBe(0);
    const applied = w.run(['apply', 'approve.plan']);
    expect(applied.code, applied.stderr).toBe(0);
    expect(w.run(['apply', 'approve.plan'])).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('Saved plan was already applied'),
    });
    expect(w.run(['apply', 'stale.plan'])).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('Saved plan is stale'),
    });
    expect(json(w.run(['state', 'list', '--json']).stdout).serial).toBe(2);

    const shown = json(w.run(['show', 'approve.plan', '--json']).stdout);
    expect(shown.changes).toEqual([
      {
        address: `developer["${ADA}"]`,
        kind: 'developer',
        op: 'approve',
        before: { status: 'pending' },
        after: { status: 'approved' },
      },
    ]);
  });

  it('renames a developer through a moved block without losing its credentials', () => {
    const w = ws();
    w.write(
      'm.yaml',
      manifest(
        `  - { email: old@example.com, fullName: Ada, status: approved, credentials: [{ type: acl, group: g }] }\n`,
      ),
    );
    expect(w.run(['apply', 'm.yaml', '--auto-approve']).code).toBe(0);
    w.write(
      'm.yaml',
      manifest(
        `  - { email: ${ADA}, fullName: Ada, status: approved, credentials: [{ type: acl, group: g }] }\nmoved:\n  - { from: old@example.com, to: ${ADA} }\n`,
      ),
    );
    const plan = json(w.run(['plan', 'm.yaml', '--json']).stdout);
    expect(plan.changes.map((c: any) => c.op)).toEqual(['move']);
    expect(w.run(['apply', 'm.yaml', '--auto-approve']).code).toBe(0);
    const listing = json(w.run(['state', 'list', '--json']).stdout);
    expect(listing.developers.map((d: any) => d.email)).toEqual([ADA]);
    expect(listing.developers[0].credentials).toHaveLength(1);
  });

  it('deletes developers removed from the manifest, credentials first', () => {
    const w = ws();
    w.write(
      'm.yaml',
      manifest(
        `  - { email: ${ADA}, fullName: Ada, status: approved, credentials: [{ type: acl, group: g }] }\n  - { email: b@example.com, fullName: B, status: pending }\n`,
      ),
    );
    expect(w.run(['apply', 'm.yaml', '--auto-approve']).code).toBe(0);
    w.write('m.yaml', manifest(`  - { email: b@example.com, fullName: B, status: pending }\n`));
    const planned = w.run(['plan', 'm.yaml']);
    expect(planned.stdout).toMatch(/Warning: this plan deletes 2 objects/);
    expect(planned.stdout).toMatch(/- credential "acl:g"/);
    const plan = json(w.run(['plan', 'm.yaml', '--json']).stdout);
    expect(plan.changes.map((c: any) => `${c.op} ${c.kind}`)).toEqual(['delete credential', 'delete developer']);
    expect(w.run(['apply', 'm.yaml', '--auto-approve']).code).toBe(0);
    expect(json(w.run(['state', 'list', '--json']).stdout).developers.map((d: any) => d.email)).toEqual([
      'b@example.com',
    ]);
  });

  it('rejects bad manifests with located errors and changes nothing', () => {
    const w = ws();
    w.write('m.yaml', manifest(`  - { email: ${ADA}, fullName: Ada, status: pending }\n`));
    expect(w.run(['apply', 'm.yaml', '--auto-approve']).code).toBe(0);
    w.write('m.yaml', manifest(`  - { email: ${ADA}, fulName: Ada, status: approved }\n`));
    for (const command of [['validate'], ['plan'], ['apply', '--auto-approve']]) {
      const result = w.run([...command, 'm.yaml']);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/m\.yaml:3:\d+: error: .*fulName.*fullName/);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
    expect(json(w.run(['state', 'list', '--json']).stdout)).toMatchObject({
      serial: 1,
      developers: [{ status: 'pending' }],
    });
  });

  it('answers --help on every command', () => {
    const w = ws();
    for (const command of [
      [],
      ['validate'],
      ['plan'],
      ['apply'],
      ['show'],
      ['state', 'list'],
      ['history'],
      ['history', 'verify'],
    ]) {
      const result = w.run([...command, '--help']);
      expect(result.code, command.join(' ')).toBe(0);
      expect(result.stdout).toMatch(/Usage: portalform/);
    }
  });

  it('prints no color when not on a terminal', () => {
    const w = ws();
    const example = w.copyExample('quickstart');
    const result = w.run(['plan', example]);
    expect(result.stdout).not.toMatch(/\u001b\[/);
    expect(existsSync(join(w.dir, 'portalform.db'))).toBe(false); // plan never creates a state
  });
});

describe.each(BACKENDS)('objects the manifests do not manage, on $name', (backend) => {
  it('refuses at plan time to take a unique value an unmanaged developer holds, and never deletes it', async () => {
    const w = workspace(backend.newState());
    w.write('m.yaml', manifest(`  - { email: ${ADA}, fullName: Ada, status: pending }\n`));
    expect(w.run(['apply', 'm.yaml', '--auto-approve']).code).toBe(0);
    await runSql(w, [
      // A sign-up that has verified its address: a plan may adopt it.
      `insert into pf_developers (id, email, full_name, status, custom_id, meta, origin, created_at, updated_at, email_verified)
       values ('self-1', 'self@example.com', 'Self', 'pending', 'taken', '{}', 'self-service', 'now', 'now', 1)`,
    ]);
    expect(w.run(['plan', 'm.yaml', '--detailed-exitcode']).code).toBe(0); // not deleted unasked
    w.write('m.yaml', manifest(`  - { email: ${ADA}, fullName: Ada, status: pending, customId: taken }\n`));
    const refused = w.run(['plan', 'm.yaml']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /customId "taken" that developer\["self@example.com"\] holds, and the manifests do not manage/,
    );
    // declaring it adopts it, and the value can then move
    w.write(
      'm.yaml',
      manifest(
        `  - { email: ${ADA}, fullName: Ada, status: pending, customId: taken }\n  - { email: self@example.com, fullName: Self, status: pending }\n`,
      ),
    );
    const adopted = JSON.parse(w.run(['plan', 'm.yaml', '--json']).stdout);
    expect(adopted.changes.map((c: any) => `${c.op} ${c.address}`)).toEqual([
      'update developer["self@example.com"]',
      `update developer["${ADA}"]`,
    ]);
    expect(adopted.changes[0].after).toMatchObject({ customId: null, origin: 'manifest' });
    expect(w.run(['apply', 'm.yaml', '--auto-approve']).code).toBe(0);
  });
});

describe('the library', () => {
  it("is importable by the package's name, as `import { plan, apply } from 'portalform'`", async () => {
    const w = workspace();
    w.write('m.yaml', manifest(`  - { email: ${ADA}, fullName: Ada, status: pending }\n`));
    const script = `
      import { plan, apply } from 'portalform';
      const options = { paths: ['m.yaml'], state: 'lib.db', cwd: ${JSON.stringify(w.dir)} };
      const before = await plan(options);
      const result = await apply(options);
      const after = await plan(options);
      console.log(JSON.stringify([before.summary.create, result.serial, after.changes.length]));`;
    const { spawnSync } = await import('node:child_process');
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual([1, 1, 0]);
  });
});

describe('saved plans among manifests', () => {
  it('recognises a saved plan by its content and skips it with a warning', () => {
    const w = workspace();
    w.write('portal/m.yaml', manifest(`  - { email: ${ADA}, fullName: Ada, status: pending }\n`));
    expect(w.run(['plan', 'portal', '--out', 'portal/saved-plan.json']).code).toBe(0);
    const planned = w.run(['plan', 'portal', '--json']);
    expect(planned.code, planned.stderr).toBe(0);
    expect(planned.stderr).toMatch(/saved-plan\.json:1:1: warning: this is a saved plan, not a manifest: skipped/);
    expect(JSON.parse(planned.stdout).summary.create).toBe(1);
  });
});
