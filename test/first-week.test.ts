// Issue 15: what a Terraform user hits in the first week, one describe per point.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BIN, workspace, type Workspace } from './helpers/cli.js';

const KEY_ENV = { PORTALFORM_STATE_KEY: 'a first-week state key of forty and more characters' };

function manifest(status: string): string {
  return `version: 1\ndevelopers:\n  - { email: a@example.com, fullName: A, status: ${status}, credentials: [{ type: acl, group: g }, { type: key-auth, name: k }] }\n`;
}

function appliedAs(status: string): Workspace {
  const w = workspace();
  w.write('m.yaml', manifest(status));
  const applied = w.run(['apply', 'm.yaml', '--auto-approve'], { env: KEY_ENV });
  expect(applied.stderr).toBe('');
  expect(applied.code).toBe(0);
  return w;
}

describe('point 6: a transition shows the credentials it (de)activates', () => {
  for (const [from, to, op, before, after] of [
    ['approved', 'revoked', 'revoke', true, false],
    ['revoked', 'approved', 'approve', false, true],
  ] as const) {
    it(`${op}: an update of each credential right after the transition, in JSON, text and markdown`, () => {
      const w = appliedAs('approved');
      if (from === 'revoked') {
        w.write('m.yaml', manifest('revoked'));
        expect(w.run(['apply', 'm.yaml', '--auto-approve'], { env: KEY_ENV }).code).toBe(0);
      }
      w.write('m.yaml', manifest(to));
      const plan = JSON.parse(w.run(['plan', 'm.yaml', '--json'], { env: KEY_ENV }).stdout);
      expect(plan.changes.map((c: any) => [c.address, c.op, c.before, c.after])).toEqual([
        ['developer["a@example.com"]', op, { status: from }, { status: to }],
        ['developer["a@example.com"].credential["acl:g"]', 'update', { active: before }, { active: after }],
        ['developer["a@example.com"].credential["key-auth:k"]', 'update', { active: before }, { active: after }],
      ]);
      expect(plan.summary).toMatchObject({ transition: 1, update: 2 });

      const text = w.run(['plan', 'm.yaml'], { env: KEY_ENV }).stdout;
      expect(text).toMatch(
        /credential\["acl:g"\] will be updated in-place\n.*\n\s+~ active = (true|false) -> (true|false)/,
      );
      expect(text.indexOf(`will be ${op === 'revoke' ? 'revoked' : 'approved'}`)).toBeLessThan(
        text.indexOf('credential["acl:g"]'),
      );
      const markdown = w.run(['plan', 'm.yaml', '--format', 'markdown'], { env: KEY_ENV }).stdout;
      expect(markdown).toContain('credential["key-auth:k"]');
      expect(markdown).toMatch(/active/);

      // Applying it writes what the plan said, and the next plan is empty.
      expect(w.run(['apply', 'm.yaml', '--auto-approve'], { env: KEY_ENV }).code).toBe(0);
      const listed = JSON.parse(w.run(['state', 'list', '--json']).stdout);
      const credentials = JSON.stringify(listed);
      expect(credentials).toContain(`"active":${after}`);
      expect(credentials).not.toContain(`"active":${before}`);
      expect(JSON.parse(w.run(['plan', 'm.yaml', '--json'], { env: KEY_ENV }).stdout).changes).toEqual([]);
    });
  }

  it('a credential that changes too shows active in its own update, once', () => {
    const w = appliedAs('approved');
    w.write(
      'm.yaml',
      manifest('revoked').replace('name: k', 'name: k, key: a-literal-key-of-enough-length-0123456789'),
    );
    const plan = JSON.parse(w.run(['plan', 'm.yaml', '--json'], { env: KEY_ENV }).stdout);
    const acl = plan.changes.filter((c: any) => c.address.endsWith('credential["key-auth:k"]'));
    expect(acl).toHaveLength(1);
    expect([acl[0].before.active, acl[0].after.active]).toEqual([true, false]);
  });
});

describe('point 7: a replacement is one visible thing', () => {
  it('-/+ must be replaced in text, actions ["delete", "create"] on both in JSON, and when secrets are generated', () => {
    const w = appliedAs('approved');
    const address = 'developer["a@example.com"].credential["key-auth:k"]';
    const plan = JSON.parse(w.run(['plan', 'm.yaml', '--json', '--replace', address], { env: KEY_ENV }).stdout);
    expect(plan.changes.map((c: any) => [c.address, c.op, c.actions])).toEqual([
      [address, 'delete', ['delete', 'create']],
      [address, 'create', ['delete', 'create']],
    ]);
    const text = w.run(['plan', 'm.yaml', '--replace', address], { env: KEY_ENV }).stdout;
    expect(text).toContain(`# ${address} must be replaced (--replace): deleted, then created anew`);
    expect(text).toContain('new values for key will be generated when apply runs');
    expect(text).toMatch(/-\/\+ credential "/);
  });
});

describe('point 9: help and flags', () => {
  it('says "1 status transition" after one', () => {
    const w = appliedAs('approved');
    w.write('m.yaml', manifest('revoked'));
    const applied = w.run(['apply', 'm.yaml', '--auto-approve'], { env: KEY_ENV });
    expect(applied.stdout).toContain('1 status transition,');
    expect(applied.stdout).not.toContain('1 status transitions');
  });
});

describe('point 9: declining the apply prompt', () => {
  it.skipIf(spawnSync('script', ['--version']).status !== 0)('exits 1, changing nothing', () => {
    const w = workspace();
    w.write('m.yaml', 'version: 1\ndevelopers:\n  - { email: a@example.com, fullName: A, status: pending }\n');
    const command = [process.execPath, BIN, 'apply', 'm.yaml'].map((a) => `'${a}'`).join(' ');
    const declined = spawnSync('script', ['-qec', command, '/dev/null'], {
      cwd: w.dir,
      input: 'no\n',
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', HOME: w.dir, TERM: 'xterm', PORTALFORM_STATE: w.state, ...KEY_ENV },
    });
    expect(declined.stdout).toContain('Apply cancelled.');
    expect(declined.status).toBe(1);
    expect(existsSync(w.state)).toBe(false);
  });
});

describe('point 9: durations need a unit', () => {
  it('refuses --lock-timeout 5, changing nothing, and takes 5s', () => {
    const w = workspace();
    w.write('m.yaml', 'version: 1\ndevelopers:\n  - { email: a@example.com, fullName: A, status: pending }\n');
    const refused = w.run(['apply', 'm.yaml', '--auto-approve', '--lock-timeout', '5']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/invalid duration "5": give it a unit, e.g. 5s/);
    expect(refused.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(w.state)).toBe(false);
    expect(w.run(['apply', 'm.yaml', '--auto-approve', '--lock-timeout', '5s']).code).toBe(0);
  });
});
