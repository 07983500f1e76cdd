// Repeated warnings (issue 15, point 4): one line per kind in text and Markdown — the count, the
// first location, and how to see them all — while JSON keeps every one.
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../src/model.js';
import { consolidateWarnings } from '../src/render/warnings.js';
import { workspace } from './helpers/cli.js';

const LITERALS = 50;

function manifest(): string {
  let text = 'version: 1\ndevelopers:\n';
  for (let i = 0; i < LITERALS; i++) {
    text += `  - email: dev${i}@example.com\n    fullName: Dev ${i}\n    status: approved\n    credentials:\n      - { type: key-auth, name: ci, key: literal-key-of-developer-${String(i).padStart(3, '0')} }\n`;
  }
  // Two more kinds, once each: an email that mixes scripts, and short keys allowed.
  text += '  - { email: ada@p\u0430ypal.com, fullName: Ada, status: approved }\n';
  return text;
}

const LITERAL_LINE =
  'portal/devs.yaml:7:42: warning: literal secret in manifest; use fromEnv or fromFile (and 49 more like it, 50 in all; `portalform validate --json` lists every one)';

function warningLines(stderr: string): string[] {
  return stderr.split('\n').filter((line) => line.includes(': warning: '));
}

describe('consolidated warnings', () => {
  const ws = workspace();
  ws.write('portal/devs.yaml', manifest());
  ws.write('portal/portal.yaml', 'version: 1\nportal:\n  allowShortKeys: true\n');

  it('validate and plan print one line per kind of warning, with the count, the first location and where to see all', () => {
    for (const command of [['validate'], ['plan']]) {
      const result = ws.run([...command, 'portal']);
      expect(result.code, result.stderr).toBe(0);
      expect(warningLines(result.stderr)).toEqual([
        LITERAL_LINE,
        expect.stringMatching(
          /^portal\/devs\.yaml:253:14: warning: email "ada@pаypal\.com" mixes Latin and Cyrillic letters in its domain/,
        ),
        expect.stringMatching(
          /^portal\/portal\.yaml:3:3: warning: portal\.allowShortKeys is true: .*\(none is given here\)/,
        ),
      ]);
    }
  });

  it('the PR comment lists one item per kind under the full count', () => {
    const result = ws.run(['plan', 'portal', '--format', 'markdown']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('**⚠️ 52 warnings:**');
    const items = result.stdout.split('\n').filter((line) => line.startsWith('- ') && line.includes(': warning: '));
    expect(items).toHaveLength(3);
    expect(items[0]).toBe(`- ${LITERAL_LINE}`);
  });

  it('JSON keeps every warning', () => {
    const validated = JSON.parse(ws.run(['validate', 'portal', '--json']).stdout) as { warnings: Diagnostic[] };
    expect(validated.warnings.filter((w) => w.message.startsWith('literal secret'))).toHaveLength(LITERALS);
    expect(validated.warnings).toHaveLength(LITERALS + 2);
    const planned = JSON.parse(ws.run(['plan', 'portal', '--json']).stdout) as { warnings: Diagnostic[] };
    expect(planned.warnings).toHaveLength(LITERALS + 2);
  });

  it('a single warning of its kind is printed as it is', () => {
    const one = workspace();
    one.write(
      'devs.yaml',
      'version: 1\ndevelopers:\n  - { email: a@example.com, fullName: A, status: approved, credentials: [{ type: key-auth, name: ci, key: a-literal-key-of-twenty-chars }] }\n',
    );
    expect(warningLines(one.run(['validate', 'devs.yaml']).stderr)).toEqual([
      'devs.yaml:3:107: warning: literal secret in manifest; use fromEnv or fromFile',
    ]);
  });
});

describe('consolidateWarnings', () => {
  const warning = (message: string, line: number): Diagnostic => ({
    severity: 'warning',
    message,
    location: { file: 'a.yaml', line, column: 1 },
  });

  it('groups messages that differ only in their quoted values, in the order kinds first occur', () => {
    const kinds = consolidateWarnings([
      warning('email "a@exаmple.com" mixes Latin and Cyrillic letters in its domain', 1),
      warning('literal secret in manifest', 2),
      warning('email "b@exаmple.com" mixes Latin and Cyrillic letters in its domain', 3),
      warning('email "c@exаmple.com" mixes Latin and Greek letters in its domain', 4),
      warning('literal secret in manifest', 5),
      warning('key `x` is odd', 6),
      warning('key `y` is odd', 7),
    ]);
    expect(kinds.map(({ first, count }) => [first.location?.line, count])).toEqual([
      [1, 2],
      [2, 2],
      [4, 1],
      [6, 2],
    ]);
  });
});
