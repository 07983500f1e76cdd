// Issue 15, points 3, 8 and 10: a drift job's exit codes, the history as a record of what happened,
// and one object of the state at a time.
import { describe, expect, it } from 'vitest';
import { workspace, type Workspace } from './helpers/cli.js';

const KEY_ENV = { PORTALFORM_STATE_KEY: 'a first-week state key of forty and more characters' };

const FIRST = `version: 1
developers:
  - { email: a@example.com, fullName: A, status: approved, meta: { team: core }, credentials: [{ type: acl, group: g }, { type: key-auth, name: k }] }
  - { email: b@example.com, fullName: B, status: pending }
  - { email: c@example.com, fullName: C, status: revoked, credentials: [{ type: basic-auth, username: cee }] }
`;
const SECOND = `version: 1
developers:
  - { email: a@example.com, fullName: A2, status: revoked, meta: { team: core }, credentials: [{ type: acl, group: g }, { type: key-auth, name: k }] }
  - { email: c@example.com, fullName: C, status: revoked, credentials: [{ type: basic-auth, username: cee }] }
`;

function applied(w: Workspace, manifest: string): void {
  w.write('m.yaml', manifest);
  const result = w.run(['apply', 'm.yaml', '--auto-approve'], { env: KEY_ENV });
  expect(result.code, result.stderr).toBe(0);
}

describe('point 3: plan --expect-no-changes --detailed-exitcode', () => {
  const w = workspace();
  applied(w, FIRST);

  it('exits 0 when the state matches', () => {
    expect(w.run(['plan', 'm.yaml', '--expect-no-changes', '--detailed-exitcode'], { env: KEY_ENV }).code).toBe(0);
  });

  it('exits 2 for drift, saying so', () => {
    w.write('drifted.yaml', SECOND);
    const drift = w.run(['plan', 'drifted.yaml', '--expect-no-changes', '--detailed-exitcode'], { env: KEY_ENV });
    expect(drift.code).toBe(2);
    expect(drift.stderr).toContain('the state has drifted from the manifests');
    // Without --detailed-exitcode, drift stays an error for --expect-no-changes alone.
    expect(w.run(['plan', 'drifted.yaml', '--expect-no-changes'], { env: KEY_ENV }).code).toBe(1);
  });

  it('exits 1 for an error', () => {
    w.write('broken.yaml', 'version: 1\ndevelopers:\n  - { email: a@example.com, fullName: A, status: rejected }\n');
    const failed = w.run(['plan', 'broken.yaml', '--expect-no-changes', '--detailed-exitcode'], { env: KEY_ENV });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('Error:');
  });
});

describe('point 8: history', () => {
  const w = workspace();
  applied(w, FIRST);
  w.write('m.yaml', SECOND);
  const planned = w.run(['plan', 'm.yaml'], { env: KEY_ENV }).stdout;
  applied(w, SECOND);

  it('history show N tells the apply in the past tense, with the plan it was, field for field', () => {
    const shown = w.run(['history', 'show', '2']);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).not.toMatch(/will be/);
    expect(shown.stdout).toContain('# developer["b@example.com"] was deleted');
    expect(shown.stdout).toContain('# developer["a@example.com"] was revoked');
    expect(shown.stdout).toContain('# developer["a@example.com"].credential["acl:g"] was updated in-place');
    const changesOf = (text: string) => text.slice(text.indexOf('\n  # ')).split(/\n(?:Plan|Applied): /)[0];
    const past = changesOf(planned).replace(
      /will be (created|deleted|revoked|approved|rejected|updated in-place)/g,
      'was $1',
    );
    expect(changesOf(shown.stdout)).toBe(past);
    expect(shown.stdout).toContain('Applied: 0 created, 3 updated, 1 deleted, 1 status transition, 0 moved.');
  });

  it('history --json lists entries with their summary, not their change lists; history show N --json keeps them', () => {
    const listed = JSON.parse(w.run(['history', '--json']).stdout);
    const applies = listed.entries.filter((e: any) => e.kind === 'apply');
    expect(applies.map((e: any) => e.serial)).toEqual([1, 2]);
    for (const entry of applies) {
      expect(entry).not.toHaveProperty('changes');
      expect(entry.summary).toMatchObject({ create: expect.any(Number) });
      expect(entry.hash).toMatch(/^[0-9a-f]{64}$/);
    }
    const full = JSON.parse(w.run(['history', 'show', '2', '--json']).stdout);
    expect(full.changes.map((c: any) => c.op)).toEqual(['delete', 'revoke', 'update', 'update', 'update']);
  });

  it('--limit N keeps the last N entries, --since a serial or a time those at or after it', () => {
    const serials = (args: string[]) =>
      JSON.parse(w.run(['history', '--json', ...args]).stdout).entries.map((e: any) => e.serial);
    expect(serials(['--limit', '1'])).toEqual([2]);
    expect(serials(['--since', '2'])).toEqual([2]);
    expect(serials(['--since', '1'])).toEqual([1, 2]);
    expect(serials(['--since', '2000-01-01'])).toEqual([1, 2]);
    expect(serials(['--since', '2999-01-01T00:00:00Z'])).toEqual([]);
    const text = w.run(['history', '--limit', '1']).stdout;
    expect(text.trim().split('\n')).toHaveLength(2);
  });

  it('refuses a --since that is neither, and a --limit that is not a positive whole number', () => {
    const since = w.run(['history', '--since', 'yesterday']);
    expect(since.code).toBe(1);
    expect(since.stderr).toContain('--since "yesterday" is neither a time');
    expect(w.run(['history', '--limit', '0']).code).toBe(1);
  });
});

describe('point 10: state show and filtered state list', () => {
  const w = workspace();
  applied(w, FIRST);

  it('state show prints one developer with its credentials, secrets redacted, in text and JSON', () => {
    const text = w.run(['state', 'show', 'developer["A@example.com"]']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('developer "a@example.com" {');
    expect(text.stdout).toMatch(/fullName +=\s+"A"/); // aligned with the longest field, emailVerified
    expect(text.stdout).toMatch(/emailVerified = true/);
    expect(text.stdout).toContain('credential "key-auth:k" {');
    expect(text.stdout).toMatch(/key +=\s+\(sensitive\)/);
    expect(text.stdout).not.toContain('b@example.com');
    const json = JSON.parse(w.run(['state', 'show', 'developer["a@example.com"]', '--json']).stdout);
    expect(json).toMatchObject({
      address: 'developer["a@example.com"]',
      kind: 'developer',
      email: 'a@example.com',
      status: 'approved',
      meta: { team: 'core' },
    });
    expect(json.credentials.map((c: any) => c.type)).toEqual(['acl', 'key-auth']);
  });

  it('state show prints one credential, its secret redacted', () => {
    const address = 'developer["a@example.com"].credential["key-auth:k"]';
    const json = JSON.parse(w.run(['state', 'show', address, '--json']).stdout);
    expect(json).toEqual({
      address,
      kind: 'credential',
      developer: 'a@example.com',
      type: 'key-auth',
      name: 'k',
      key: '(sensitive)',
      active: true,
      origin: 'manifest',
    });
    const revealed = JSON.parse(w.run(['secret', 'reveal', address, '--json'], { env: KEY_ENV }).stdout).secrets.key;
    expect(w.run(['state', 'show', address]).stdout).not.toContain(revealed);
    expect(JSON.stringify(json)).not.toContain(revealed);
  });

  it('state show of an address not in the state says so, exit 1', () => {
    const missing = w.run(['state', 'show', 'developer["a@example.com"].credential["acl:nope"]']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('developer["a@example.com"].credential["acl:nope"] is not in the state');
    expect(w.run(['state', 'show', 'nonsense']).stderr).toContain('invalid address');
  });

  it('state list takes an address prefix and --status', () => {
    const lines = (args: string[]) =>
      w
        .run(['state', 'list', ...args])
        .stdout.trim()
        .split('\n');
    expect(lines(['--status', 'pending'])).toEqual(['developer["b@example.com"]  pending']);
    expect(lines(['developer["c'])).toEqual([
      'developer["c@example.com"]  revoked',
      'developer["c@example.com"].credential["basic-auth:cee"]  inactive',
    ]);
    expect(lines(['developer["a@example.com"].credential["key'])).toEqual([
      'developer["a@example.com"]  approved',
      'developer["a@example.com"].credential["key-auth:k"]  active',
    ]);
    const json = JSON.parse(w.run(['state', 'list', '--status', 'approved', '--json']).stdout);
    expect(json.developers.map((d: any) => d.email)).toEqual(['a@example.com']);
    expect(json.serial).toBe(1);
    expect(w.run(['state', 'list', '--status', 'gone']).code).toBe(1);
  });
});
