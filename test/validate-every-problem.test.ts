// Issue 24, point 8: one `validate` run reports every problem of the manifests — the schema's and
// the semantic checks' — instead of the semantic ones only on a second run after fixing the first.
import { describe, expect, it } from 'vitest';
import { workspace } from './helpers/cli.js';

const MANIFEST = `version: 1
developers:
  - email: not-an-email
    fullName: Bad Email
    status: approved
  - email: bob@example.com
    fullName: Bob
    status: approved
    credentials:
      - { type: key-auth, name: ci, key: too-short }
      - { type: jwt, key: iss, algorithm: RS256 }
      - { type: hmac-auth, username: bob-hmac, secret: { fromEnv: HOME } }
      - { type: basic-auth, username: bob, password: { fromFile: ../outside.txt } }
  - email: carol@example.com
    fullName: Carol
    status: approved
    bogus: 1
  - email: BOB@example.com
    fullName: Bob Again
    status: approved
`;

describe('validate', () => {
  it('reports the schema errors and every semantic error of the same run at once', () => {
    const w = workspace();
    w.write('outside.txt', 'a password outside the manifests');
    w.write('portal/m.yaml', MANIFEST);
    const result = w.run(['validate', 'portal']);
    expect(result.code).toBe(1);
    const lines = result.stderr.split('\n');
    const errorAt = (position: string, text: string) =>
      expect(
        lines.some((line) => line.startsWith(`portal/m.yaml:${position}: error:`) && line.includes(text)),
        `${position} ${text}\n${result.stderr}`,
      ).toBe(true);
    errorAt('17:5', 'unknown key `bogus`'); // the schema's
    errorAt('3:12', 'not-an-email'); // a bad email
    errorAt('10:42', 'shorter than 20 characters'); // a short key
    errorAt('11:43', 'RS256'); // RS256 without a public key
    errorAt('12:56', 'HOME'); // fromEnv: HOME
    errorAt('13:54', 'outside'); // a path outside
    errorAt('18:12', 'declared twice'); // a duplicate
  });

  it('still builds nothing from a document the schema refused', () => {
    const w = workspace();
    w.write(
      'm.yaml',
      'version: 1\ndevelopers:\n  - { email: ada@example.com, fullName: Ada, status: approved, bogus: 1 }\n  - { email: bob@example.com, fullName: Bob, status: approved }\n',
    );
    const planned = w.run(['plan', 'm.yaml']);
    expect(planned.code).toBe(1);
    expect(planned.stderr).toContain('unknown key `bogus`');
    expect(planned.stdout).toBe('');
  });
});
