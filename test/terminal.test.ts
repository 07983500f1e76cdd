// What a person at a terminal sees: the "yes" prompt, colors, NO_COLOR and the progress line.
// Runs the CLI in a real pseudo-terminal through script(1).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, workspace, type Workspace } from './helpers/cli.js';

const HAVE_SCRIPT = spawnSync('script', ['--version']).status === 0;
if (!HAVE_SCRIPT) console.warn('\n⚠ script(1) is not installed: the terminal tests are SKIPPED\n');

function onTerminal(w: Workspace, args: string[], input = '', env: Record<string, string> = {}): string {
  const command = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const result = spawnSync('script', ['-qec', command, '/dev/null'], {
    cwd: w.dir,
    input,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', HOME: w.dir, TERM: 'xterm', PORTALFORM_STATE: w.state, ...env },
  });
  return result.stdout.replace(/\r/g, '');
}

const ONE = `version: 1\ndevelopers:\n  - { email: a@example.com, fullName: A, status: pending }\n`;

describe.skipIf(!HAVE_SCRIPT)('on a terminal', () => {
  it('asks for "yes": anything else cancels and leaves no state behind', () => {
    const w = workspace();
    w.write('m.yaml', ONE);
    const cancelled = onTerminal(w, ['apply', 'm.yaml'], 'no\n');
    expect(cancelled).toMatch(/Only "yes" will be accepted[\s\S]*Apply cancelled\./);
    expect(existsSync(join(w.dir, 'portalform.db'))).toBe(false);
    const applied = onTerminal(w, ['apply', 'm.yaml'], 'yes\n');
    expect(applied).toMatch(/Apply complete!/);
    expect(JSON.parse(w.run(['state', 'list', '--json']).stdout).serial).toBe(1);
  });

  it('uses color on a terminal, and none with NO_COLOR or --no-color', () => {
    const w = workspace();
    w.write('m.yaml', ONE);
    expect(onTerminal(w, ['plan', 'm.yaml'])).toMatch(/\u001b\[32m/);
    expect(onTerminal(w, ['plan', 'm.yaml'], '', { NO_COLOR: '1' })).not.toMatch(/\u001b\[/);
    expect(onTerminal(w, ['plan', 'm.yaml', '--no-color'])).not.toMatch(/\u001b\[/);
  });

  it('shows progress for an apply that runs over a second, and none with --json', () => {
    const w = workspace();
    // basic-auth passwords are hashed with scrypt: a hundred make the apply take over a second
    const developers = Array.from(
      { length: 100 },
      (_, i) =>
        `  - { email: d${i}@example.com, fullName: D, status: approved, credentials: [{ type: basic-auth, username: u${i}, password: { fromEnv: PORTALFORM_SECRET_PW } }] }`,
    );
    w.write('m.yaml', `version: 1\ndevelopers:\n${developers.join('\n')}\n`);
    const env = { PORTALFORM_SECRET_PW: 'a shared test password' };
    const shown = onTerminal(w, ['apply', 'm.yaml', '--auto-approve'], '', env);
    expect(shown).toMatch(/Applying… \d+\/\d+ steps/);
    w.write(
      'm.yaml',
      `version: 1\ndevelopers:\n${developers.map((d) => d.replace('status: approved', 'status: revoked')).join('\n')}\n`,
    );
    expect(onTerminal(w, ['apply', 'm.yaml', '--auto-approve', '--json'], '', env)).not.toMatch(/Applying…/);
  });
});
