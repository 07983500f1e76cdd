// Attack cases for --secrets-out: a planted temporary file or link must never receive the
// generated secrets, and a copy left by a crash is removed by the next apply, with a warning.
import { existsSync, lstatSync, readFileSync, readdirSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { workspace } from './helpers/cli.js';

const MANIFEST = `version: 1
developers:
  - email: ada@example.com
    fullName: Ada
    status: approved
    credentials:
      - { type: hmac-auth, username: ada-hmac }
`;

function setup() {
  const w = workspace();
  w.write('m/ada.yaml', MANIFEST);
  return w;
}

describe('attack: --secrets-out', () => {
  it('a planted symlink at the old temporary name does not receive the secrets', () => {
    const w = setup();
    const target = join(w.dir, 'stolen.json');
    writeFileSync(target, '');
    symlinkSync(target, join(w.dir, 'out.json.pending'));
    const result = w.run(['apply', 'm', '--auto-approve', '--secrets-out', 'out.json']);
    expect(result.code).toBe(0);
    expect(readFileSync(target, 'utf8')).toBe('');
    expect(readFileSync(join(w.dir, 'out.json'), 'utf8')).toContain('ada-hmac');
    expect(result.stderr).toMatch(/interrupted apply/);
  });

  it('a planted 0666 file at the old temporary name is removed; the output is 0600', () => {
    const w = setup();
    const planted = join(w.dir, 'out.json.pending');
    writeFileSync(planted, 'planted');
    chmodSync(planted, 0o666);
    const result = w.run(['apply', 'm', '--auto-approve', '--secrets-out', 'out.json']);
    expect(result.code).toBe(0);
    expect(existsSync(planted)).toBe(false);
    expect(lstatSync(join(w.dir, 'out.json')).mode & 0o777).toBe(0o600);
  });

  it('a leftover from a crashed apply is removed by the next apply, with a warning', () => {
    const w = setup();
    const leftover = join(w.dir, 'out.json.pending-0123456789abcdef01234567');
    writeFileSync(leftover, '{"never":"applied"}');
    const result = w.run(['apply', 'm', '--auto-approve', '--secrets-out', 'out.json']);
    expect(result.code).toBe(0);
    expect(existsSync(leftover)).toBe(false);
    expect(result.stderr).toMatch(/out\.json\.pending-0123456789abcdef01234567.*never applied/);
    expect(readdirSync(w.dir).filter((name) => name.includes('.pending'))).toEqual([]);
  });
});
