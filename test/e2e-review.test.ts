// Review and audit as reviewers, CI and auditors use them: PR formats, drift checks, the
// tamper-evident history, and exports.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { BACKENDS, dropTestSchemas } from './helpers/backends.js';
import { workspace, type Workspace } from './helpers/cli.js';
import { runSql } from './helpers/state-db.js';
import { deckValidator } from './helpers/deck-schema.js';

afterAll(dropTestSchemas);

const STATE_KEY = 'an auditor-approved state key of 40+ chars';

/** Three applies: a history of three chained entries. */
function threeApplies(w: Workspace): void {
  const env = { PORTALFORM_STATE_KEY: STATE_KEY };
  for (const status of ['pending', 'approved', 'revoked']) {
    w.write(
      'm.yaml',
      `version: 1\ndevelopers:\n  - { email: a@example.com, fullName: A, status: ${status}, credentials: ${status === 'pending' ? '[]' : '[{ type: acl, group: g }]'} }\n`,
    );
    expect(w.run(['apply', 'm.yaml', '--auto-approve'], { env }).code).toBe(0);
  }
}

describe.each(BACKENDS)('tamper-evident history on $name', (backend) => {
  const tamperings: [string, string[], RegExp][] = [
    ['a changed row', [`update pf_history set actor = 'mallory' where seq = 2`], /entry 2: .*altered/],
    [
      'a changed entry body',
      [`update pf_history set entry = replace(entry, '"op":"approve"', '"op":"reject"') where seq = 2`],
      /entry 2: .*does not match its hash/,
    ],
    ['a deleted row', [`delete from pf_history where seq = 2`], /entry 3: .*entry 2 is missing/],
    [
      'a deleted last row',
      [`delete from pf_history where seq = 3`, `update pf_meta set value = '2' where key = 'serial'`],
      /./,
    ],
    [
      'a swapped pair',
      [
        `update pf_history set seq = 99 where seq = 2`,
        `update pf_history set seq = 2 where seq = 3`,
        `update pf_history set seq = 3 where seq = 99`,
      ],
      /entry 2: .*link to the previous entry/,
    ],
  ];

  it('verifies an untouched chain and renders each apply like a plan', () => {
    const w = workspace(backend.newState());
    threeApplies(w);
    const verified = w.run(['history', 'verify']);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toMatch(/3 entries, head [0-9a-f]{64}/);
    const entries = JSON.parse(w.run(['history', '--json']).stdout).entries;
    expect(entries.map((e: any) => [e.kind, e.serial, e.serialBefore])).toEqual([
      ['apply', 1, 0],
      ['apply', 2, 1],
      ['apply', 3, 2],
    ]);
    for (const entry of entries)
      expect(Object.keys(entry)).toEqual(
        expect.arrayContaining([
          'at',
          'actor',
          'toolVersion',
          'manifestDigest',
          'planDigest',
          'summary',
          'hash',
          'prevHash',
        ]),
      );
    expect(JSON.parse(w.run(['history', 'show', '2', '--json']).stdout).changes.length).toBeGreaterThan(0);
    expect(entries[1].prevHash).toBe(entries[0].hash);
    const shown = w.run(['history', 'show', '2']);
    expect(shown.stdout).toMatch(/developer\["a@example.com"\] was approved/);
    expect(shown.stdout).toMatch(/status = "pending" -> "approved"/);
  });

  for (const [what, statements, message] of tamperings) {
    it(`fails verification after ${what}, naming the first bad entry`, async () => {
      const w = workspace(backend.newState());
      threeApplies(w);
      const headBefore = JSON.parse(w.run(['history', 'verify', '--json']).stdout).head;
      await runSql(w, statements);
      const result = w.run(['history', 'verify']);
      if (what === 'a deleted last row') {
        // A truncated tail still links up: only an anchored head (kept by the auditor) reveals it.
        expect(JSON.parse(w.run(['history', 'verify', '--json']).stdout).head).not.toBe(headBefore);
        return;
      }
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(message);
    });
  }
});

describe.each(BACKENDS)('exports on $name', (backend) => {
  it('exports manifests that re-plan with no changes, byte-identical the second time', () => {
    const w = workspace(backend.newState());
    const example = w.copyExample('quickstart');
    expect(w.run(['apply', example, '--auto-approve']).code).toBe(0);

    const first = w.run(['export']);
    expect(first.code).toBe(0);
    expect(w.run(['export']).stdout).toBe(first.stdout);
    w.write('exported/portal.yaml', first.stdout);
    const replan = w.run(['plan', 'exported', '--detailed-exitcode']);
    expect(replan.code, replan.stdout + replan.stderr).toBe(0);

    expect(w.run(['export', '--out', 'per-developer']).code).toBe(0);
    const files = readdirSync(join(w.dir, 'per-developer'), { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('.yaml'));
    expect(files).toHaveLength(6); // one per developer, and the portal settings
    expect(files).toContain('portal.yaml');
    expect(w.run(['plan', 'per-developer', '--detailed-exitcode']).code).toBe(0);
    expect(first.stdout).not.toMatch(/qs-ada-ci-key/); // secrets are omitted, meaning "keep the stored value"
  });

  it("exports a decK file for the approved developers only, valid against decK's schema", () => {
    const w = workspace(backend.newState());
    const example = w.copyExample('quickstart');
    const env = { PORTALFORM_STATE_KEY: STATE_KEY };
    expect(w.run(['apply', example, '--auto-approve'], { env }).code).toBe(0);
    expect(w.run(['export', '--format', 'deck'])).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/PORTALFORM_STATE_KEY/),
    });
    const exported = w.run(['export', '--format', 'deck'], { env });
    expect(exported.code, exported.stderr).toBe(0);
    const deck = parse(exported.stdout);
    expect(deck._format_version).toBe('3.0');
    // ada's billing application is a consumer of its own (docs/applications.md).
    expect(deck.consumers.map((c: any) => c.username).sort()).toEqual([
      'ada@example.com',
      'ada@example.com/billing',
      'grace@example.com',
    ]);
    const validate = deckValidator();
    expect(validate(deck), JSON.stringify(validate.errors)).toBe(true);
    const ada = deck.consumers.find((c: any) => c.username === 'ada@example.com');
    expect(ada.keyauth_credentials[0].key).toBe('qs-ada-ci-key-0b7d1e5c9a4f4e2b8c3d');
  });
});

describe('plan formats for review and CI', () => {
  function changed(): Workspace {
    const w = workspace();
    w.write(
      'm.yaml',
      `version: 1\ndevelopers:\n  - { email: a@example.com, fullName: A, status: pending }\n  - { email: b@example.com, fullName: B, status: approved, credentials: [{ type: acl, group: g }] }\n`,
    );
    expect(w.run(['apply', 'm.yaml', '--auto-approve']).code).toBe(0);
    w.write(
      'm.yaml',
      `version: 1\ndevelopers:\n  - { email: a@example.com, fullName: A, status: approved, credentials: [{ type: acl, group: new }] }\n`,
    );
    return w;
  }

  it('--format markdown gives a PR comment with a loud deletion warning and a diff block', () => {
    const w = changed();
    const result = w.run(['plan', 'm.yaml', '--format', 'markdown']);
    expect(result.code).toBe(0);
    const [summary] = result.stdout.split('\n');
    expect(summary).toMatch(/Plan: 1 to create, 0 to update, 2 to delete, 1 status transition/);
    expect(result.stdout).toMatch(/\[!CAUTION\][\s\S]*deletes 2 objects/);
    expect(result.stdout).toMatch(/<details>[\s\S]*```diff[\s\S]*```[\s\S]*<\/details>/);
    expect(w.run(['plan', 'm.yaml', '--format', 'markdown', '--out-dir', 'comment']).code).toBe(0);
    expect(readdirSync(join(w.dir, 'comment'))).toEqual(['plan-1.md']);
  });

  it('--format diff shows each changed developer as a unified diff', () => {
    const w = changed();
    const result = w.run(['plan', 'm.yaml', '--format', 'diff']);
    expect(result.stdout).toMatch(
      /--- developer\["a@example.com"\] \(before\)\n\+\+\+ developer\["a@example.com"\] \(after\)/,
    );
    expect(result.stdout).toMatch(/^-status: pending$/m);
    expect(result.stdout).toMatch(/^\+status: approved$/m);
    expect(result.stdout).toMatch(/^\+ {4}group: new$/m);
    expect(result.stdout).toMatch(/^-email: b@example.com$/m);
  });

  it('--expect-no-changes fails on drift and passes when in sync', () => {
    const w = changed();
    const drift = w.run(['plan', 'm.yaml', '--expect-no-changes']);
    expect(drift.code).toBe(1);
    expect(drift.stderr).toMatch(/4 changes pending.*--expect-no-changes/);
    expect(w.run(['apply', 'm.yaml', '--auto-approve']).code).toBe(0);
    expect(w.run(['plan', 'm.yaml', '--expect-no-changes']).code).toBe(0);
  });

  it('--target limits plan and apply to the named objects, with a warning', () => {
    const w = changed();
    const planned = w.run(['plan', 'm.yaml', '--json', '--target', 'developer["b@example.com"]']);
    expect(JSON.parse(planned.stdout).changes.map((c: any) => c.op)).toEqual(['delete', 'delete']);
    expect(planned.stderr).toMatch(/targeting is in effect/i);
    expect(w.run(['apply', 'm.yaml', '--auto-approve', '--target', 'developer["b@example.com"]']).code).toBe(0);
    const remaining = JSON.parse(w.run(['plan', 'm.yaml', '--json']).stdout).changes.map(
      (c: any) => `${c.op} ${c.address}`,
    );
    expect(remaining).toEqual([
      'approve developer["a@example.com"]',
      'create developer["a@example.com"].credential["acl:new"]',
    ]);
  });
});
