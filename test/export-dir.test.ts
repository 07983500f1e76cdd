// Issue 15, point 13: exporting again into the same directory removes the files of developers
// deleted since (only the files an export wrote), so a plan on the export stays empty; a
// non-empty directory no export wrote is refused, changing nothing.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { workspace, type Workspace } from './helpers/cli.js';

const KEY_ENV = { PORTALFORM_STATE_KEY: 'a first-week state key of forty and more characters' };
const developer = (email: string) => `  - { email: ${email}, fullName: X, status: pending }\n`;

function applied(w: Workspace, emails: string[]): void {
  w.write('m.yaml', `version: 1\ndevelopers:\n${emails.map(developer).join('')}`);
  const result = w.run(['apply', 'm.yaml', '--auto-approve'], { env: KEY_ENV });
  expect(result.code, result.stderr).toBe(0);
}

describe('export --out DIR again', () => {
  it('removes the files of developers deleted since, keeps every file it did not write, and a plan on it is empty', () => {
    const w = workspace();
    applied(w, ['a@example.com', 'b@example.com', 'c@example.com']);
    expect(w.run(['export', '--out', 'exported']).code).toBe(0);
    expect(readdirSync(join(w.dir, 'exported/developers')).sort()).toEqual([
      'a@example.com.yaml',
      'b@example.com.yaml',
      'c@example.com.yaml',
    ]);
    writeFileSync(join(w.dir, 'exported/README.md'), 'ours\n');
    writeFileSync(join(w.dir, 'exported/developers/notes.txt'), 'ours too\n');

    applied(w, ['a@example.com', 'c@example.com']);
    const again = w.run(['export', '--out', 'exported']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('removed 1 file an earlier export wrote that no longer belong');
    expect(readdirSync(join(w.dir, 'exported/developers')).sort()).toEqual([
      'a@example.com.yaml',
      'c@example.com.yaml',
      'notes.txt',
    ]);
    expect(readFileSync(join(w.dir, 'exported/README.md'), 'utf8')).toBe('ours\n');

    const plan = w.run(['plan', 'exported', '--json'], { env: KEY_ENV });
    expect(plan.code, plan.stderr).toBe(0);
    expect(JSON.parse(plan.stdout).changes).toEqual([]);
  });

  it('a decK export beside the manifests removes none of them', () => {
    const w = workspace();
    applied(w, ['a@example.com']);
    expect(w.run(['export', '--out', 'exported']).code).toBe(0);
    expect(w.run(['export', '--format', 'deck', '--out', 'exported'], { env: KEY_ENV }).code).toBe(0);
    expect(existsSync(join(w.dir, 'exported/developers/a@example.com.yaml'))).toBe(true);
    expect(existsSync(join(w.dir, 'exported/kong.yaml'))).toBe(true);
    const plan = w.run(['plan', 'exported', '--json'], { env: KEY_ENV });
    expect(JSON.parse(plan.stdout).changes).toEqual([]);
  });

  it('refuses a non-empty directory no export wrote, writing nothing', () => {
    const w = workspace();
    applied(w, ['a@example.com']);
    w.write('theirs/keep.yaml', 'not ours\n');
    const refused = w.run(['export', '--out', 'theirs']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('theirs is not empty and no portalform export wrote it');
    expect(readdirSync(join(w.dir, 'theirs'))).toEqual(['keep.yaml']);
    // An empty directory is fine.
    w.write('empty/.keep-me-not', '');
    expect(w.run(['export', '--out', 'fresh']).code).toBe(0);
  });

  it('a record edited to name a file outside the directory removes nothing and is refused', () => {
    const w = workspace();
    applied(w, ['a@example.com']);
    expect(w.run(['export', '--out', 'exported']).code).toBe(0);
    w.write('precious.txt', 'keep\n');
    writeFileSync(
      join(w.dir, 'exported/.portalform-export.json'),
      JSON.stringify({ portalform_export: 1, files: { manifest: ['../precious.txt'] } }),
    );
    const refused = w.run(['export', '--out', 'exported']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('does not list the files of an export');
    expect(readFileSync(join(w.dir, 'precious.txt'), 'utf8')).toBe('keep\n');
  });
});
