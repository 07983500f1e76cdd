// Issue 15, point 12 (docs/manifests.md): portalform's own outputs among the manifests are recognised by their
// content and skipped with a note; any other file that is not a manifest is an error that says how
// to leave it out, and nothing that could be a manifest is ever skipped.
import { describe, expect, it } from 'vitest';
import { workspace, type Workspace } from './helpers/cli.js';

const KEY_ENV = { PORTALFORM_STATE_KEY: 'a first-week state key of forty and more characters' };
const MANIFEST =
  'version: 1\ndevelopers:\n  - { email: a@example.com, fullName: A, status: approved, credentials: [{ type: key-auth, name: k }] }\n';

function appliedWithSecretsOut(): Workspace {
  const w = workspace();
  w.write('portal/m.yaml', MANIFEST);
  const applied = w.run(['apply', 'portal', '--auto-approve', '--secrets-out', 'portal/secrets.json'], {
    env: KEY_ENV,
  });
  expect(applied.code, applied.stderr).toBe(0);
  return w;
}

describe("portalform's own outputs in the manifest directory", () => {
  it('apply --secrets-out into the manifest directory leaves the next plan empty, with a note and no secret value', () => {
    const w = appliedWithSecretsOut();
    const plan = w.run(['plan', 'portal', '--detailed-exitcode'], { env: KEY_ENV });
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain('No changes.');
    expect(plan.stderr).toContain(
      'portal/secrets.json:1:1: warning: this is a file of generated secrets written by apply --secrets-out, not a manifest: skipped',
    );
    const secret = JSON.parse(
      w.run(['secret', 'reveal', 'developer["a@example.com"].credential["key-auth:k"]', '--json'], { env: KEY_ENV })
        .stdout,
    ).secrets.key;
    expect(plan.stderr + plan.stdout).not.toContain(secret);
    // A second apply with the same --secrets-out still works.
    expect(
      w.run(['apply', 'portal', '--auto-approve', '--secrets-out', 'portal/secrets.json'], { env: KEY_ENV }).code,
    ).toBe(0);
  });

  it('a saved plan and a decK export in the manifest directory are skipped with a note', () => {
    const w = appliedWithSecretsOut();
    expect(w.run(['plan', 'portal', '--out', 'portal/saved.json'], { env: KEY_ENV }).code).toBe(0);
    expect(w.run(['export', '--format', 'deck', '--out', 'portal/kong'], { env: KEY_ENV }).code).toBe(0);
    const plan = w.run(['plan', 'portal', '--json'], { env: KEY_ENV });
    expect(plan.code, plan.stderr).toBe(0);
    expect(JSON.parse(plan.stdout).changes).toEqual([]);
    expect(plan.stderr).toContain('portal/saved.json:1:1: warning: this is a saved plan, not a manifest: skipped');
    expect(plan.stderr).toContain(
      'portal/kong/kong.yaml:1:1: warning: this is a decK file written by portalform export, not a manifest: skipped',
    );
  });
});

describe('files that are not manifests', () => {
  it('package.json and tsconfig.json at a repository root are one error each that says how to leave them out', () => {
    const w = workspace();
    w.write('portal/m.yaml', MANIFEST);
    w.write(
      'package.json',
      JSON.stringify({ name: 'my-repo', version: '1.0.0', scripts: { test: 'vitest' } }, null, 2),
    );
    w.write('tsconfig.json', JSON.stringify({ compilerOptions: { strict: true } }));
    const plan = w.run(['plan'], { env: KEY_ENV });
    expect(plan.code).toBe(1);
    const errors = plan.stderr.split('\n').filter((line) => line.includes(': error: '));
    expect(errors).toHaveLength(2);
    for (const [i, file] of ['package.json', 'tsconfig.json'].entries()) {
      expect(errors[i]).toMatch(
        new RegExp(`^${file.replace('.', '\\.')}:1:1: error: this is not a portalform manifest`),
      );
      expect(errors[i]).toContain(
        'give the directory that holds only the manifests (e.g. portalform plan portal/), or list the manifest files',
      );
    }
    // Following the advice works.
    expect(w.run(['plan', 'portal'], { env: KEY_ENV }).code).toBe(0);
  });

  it('a file that could be a manifest keeps its own errors and is never skipped', () => {
    const w = workspace();
    w.write('portal/no-version.yaml', 'developers:\n  - { email: a@example.com, fullName: A, status: pending }\n');
    w.write('portal/typo.yaml', 'version: 1\ndeveloper:\n  - { email: b@example.com, fullName: B, status: pending }\n');
    const plan = w.run(['plan', 'portal']);
    expect(plan.code).toBe(1);
    expect(plan.stderr).toContain('portal/no-version.yaml:1:1: error: the document is missing required key `version`');
    expect(plan.stderr).toMatch(/portal\/typo\.yaml:2:1: error: unknown key `developer`.*developers/);
    expect(plan.stderr).not.toContain('not a portalform manifest');
    expect(plan.stderr).not.toContain('skipped');
  });

  it('a file shaped like --secrets-out but with a key that is no address is not skipped', () => {
    const w = workspace();
    w.write('portal/m.yaml', MANIFEST.replace('approved', 'pending').replace(/, credentials: \[.*\]/, ''));
    w.write(
      'portal/lookalike.json',
      JSON.stringify({ 'developer["a@example.com"]': { key: 'x' }, version: { key: '1' } }),
    );
    const plan = w.run(['plan', 'portal']);
    expect(plan.code).toBe(1);
    expect(plan.stderr).toContain('portal/lookalike.json');
    expect(plan.stderr).not.toContain('skipped');
  });
});
