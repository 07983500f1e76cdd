// Issue 15, point 9: each command's --help lists only the flags it uses, the paths default reads as
// the current directory, durations need a unit on every command that takes one, and flags that
// ask for two different things are a usage error.
import { describe, expect, it } from 'vitest';
import type { Command } from 'commander';
import { buildProgram } from '../src/cli/program.js';
import { workspace } from './helpers/cli.js';

function commandsOf(command: Command, prefix: string[] = []): string[][] {
  return command.commands.flatMap((sub) => {
    const name = [...prefix, sub.name()];
    return [name, ...commandsOf(sub, name)];
  });
}

const COMMANDS = commandsOf(await buildProgram());
const w = workspace();
const helpOf = new Map(COMMANDS.map((name) => [name.join(' '), w.run([...name, '--help'])]));

/** The commands that lock the state, read manifests (and so their secrets), or need the state key. */
const LOCKING = ['apply', 'export', 'secret reveal', 'invite'];
const READING_MANIFESTS = ['validate', 'plan', 'apply'];
const NEEDING_STATE_KEY = ['plan', 'apply', 'export', 'secret reveal', 'invite', 'serve'];
const WITHOUT_STATE = ['validate', 'secret', 'state'];

describe('every command --help', () => {
  it('covers the commands a user meets', () => {
    expect([...helpOf.keys()]).toEqual(
      expect.arrayContaining([
        'validate',
        'plan',
        'apply',
        'show',
        'state list',
        'state show',
        'history',
        'history show',
        'history verify',
        'export',
        'secret reveal',
        'invite',
        'serve',
        'force-unlock',
        'requests',
      ]),
    );
  });

  for (const [name, help] of helpOf) {
    it(`${name}: lists only the flags it uses`, () => {
      expect(help.code, help.stderr).toBe(0);
      expect(help.stdout.includes('--lock-timeout')).toBe(LOCKING.includes(name));
      expect(help.stdout.includes('--secrets-dir')).toBe(READING_MANIFESTS.includes(name));
      expect(help.stdout.includes('--state-key-file')).toBe(NEEDING_STATE_KEY.includes(name));
      expect(help.stdout.includes('--state <')).toBe(!WITHOUT_STATE.includes(name));
      expect(help.stdout).not.toContain('(default: [])');
      if (/\[paths\.\.\.\]/.test(help.stdout))
        expect(help.stdout.replace(/\s+/g, ' ')).toContain('(default: the current directory)');
    });
  }
});

describe('durations need a unit', () => {
  for (const name of LOCKING) {
    it(`${name} --lock-timeout 5 is refused before any work, exit 1, and 5s is taken`, () => {
      const args = {
        apply: ['apply', 'nothing-here'],
        export: ['export', '--format', 'deck'],
        'secret reveal': ['secret', 'reveal', 'developer["a@example.com"].credential["key-auth:k"]'],
        invite: ['invite', 'developer["a@example.com"]'],
      }[name]!;
      const refused = w.run([...args, '--lock-timeout', '5']);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('invalid duration "5": give it a unit, e.g. 5s or 5ms');
      expect(refused.stderr).not.toMatch(/\n\s+at /);
      // With a unit, the flag is accepted and the command fails for its own reason instead.
      const taken = w.run([...args, '--lock-timeout', '5s']);
      expect(taken.stderr).not.toContain('invalid duration');
    });
  }

  it('a flag a command does not use is an error, not silently ignored', () => {
    const refused = w.run(['plan', 'nothing-here', '--lock-timeout', '5s']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("unknown option '--lock-timeout'");
    expect(w.run(['state', 'list', '--secrets-dir', 'x']).code).toBe(1);
  });
});

describe('contradictory flags are a usage error (exit 1)', () => {
  w.write('m.yaml', 'version: 1\ndevelopers:\n  - { email: a@example.com, fullName: A, status: pending }\n');
  for (const format of ['markdown', 'diff', 'html']) {
    it(`plan --format ${format} --json`, () => {
      const refused = w.run(['plan', 'm.yaml', '--format', format, '--json']);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(`--json cannot be used with --format ${format}`);
    });
  }

  it('plan --out-dir without --format markdown', () => {
    const refused = w.run(['plan', 'm.yaml', '--out-dir', 'comment']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('--out-dir cannot be used with --format text');
  });

  it('agreeing flags still work: --format json --json, --format markdown --out-dir', () => {
    expect(w.run(['plan', 'm.yaml', '--format', 'json', '--json']).code).toBe(0);
    expect(w.run(['plan', 'm.yaml', '--format', 'markdown', '--out-dir', 'comment']).code).toBe(0);
  });
});
