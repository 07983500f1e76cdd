// A decK export hands out secret values: like `secret reveal`, it is recorded in the history (kind
// `export`, docs/cli.md) with who, when and what (counts, format), never a value, and the record still
// verifies.
import { describe, expect, it } from 'vitest';
import { workspace, type Workspace } from './helpers/cli.js';

const KEY = { PORTALFORM_STATE_KEY: 'export-history-test-state-key-0123456789' };
const CI_KEY = 'ci-key-value-export-9f3e1a-never-recorded';
const ENV = { ...KEY, PORTALFORM_SECRET_CI: CI_KEY };

const MANIFEST = `version: 1
developers:
  - email: ada@example.com
    fullName: Ada Lovelace
    status: approved
    credentials:
      - { type: key-auth, name: ci, key: { fromEnv: PORTALFORM_SECRET_CI } }
      - { type: hmac-auth, username: ada-hmac }
      - { type: acl, group: partners }
  - email: bob@example.com
    fullName: Bob
    status: approved
    credentials:
      - { type: acl, group: partners }
  - email: pat@example.com
    fullName: Pat
    status: pending
`;

interface Entry {
  kind: string;
  serial: number;
  at: string;
  actor: string;
  [field: string]: unknown;
}

function applied(manifest = MANIFEST): Workspace {
  const w = workspace();
  w.write('portal/portal.yaml', manifest);
  expect(w.run(['apply', 'portal', '--auto-approve'], { env: ENV })).toMatchObject({ code: 0 });
  return w;
}

function entries(w: Workspace): Entry[] {
  const listed = w.run(['history', '--json']);
  expect(listed.code).toBe(0);
  return (JSON.parse(listed.stdout) as { entries: Entry[] }).entries;
}

describe('a decK export in the history', () => {
  it('records who exported what, without any value, and the history still verifies', () => {
    const w = applied();
    const exported = w.run(['export', '--format', 'deck', '--actor', 'auditor-ann'], { env: KEY });
    expect(exported.stderr).toBe('');
    expect(exported.code).toBe(0);
    expect(exported.stdout).toContain(CI_KEY);

    const exports = entries(w).filter((e) => e.kind === 'export');
    expect(exports).toHaveLength(1);
    expect(exports[0]).toMatchObject({
      kind: 'export',
      serial: 1,
      actor: 'auditor-ann',
      format: 'deck',
      consumers: 2,
      credentials: 4,
      secrets: 2,
    });
    expect(Date.parse(exports[0]!.at)).not.toBeNaN();
    expect(w.run(['history', '--json']).stdout).not.toContain(CI_KEY);

    const verified = w.run(['history', 'verify']);
    expect(verified.stderr).toBe('');
    expect(verified.code).toBe(0);
    expect(verified.stdout).toContain('Other events verified: 1 entry');
  });

  it('records each export, to stdout or --out, naming the actor from the environment', () => {
    const w = applied();
    expect(w.run(['export', '--format', 'deck'], { env: { ...KEY, PORTALFORM_ACTOR: 'ci-bot' } }).code).toBe(0);
    expect(
      w.run(['export', '--format', 'deck', '--out', 'deck-out'], { env: { ...KEY, PORTALFORM_ACTOR: 'ci-bot' } }).code,
    ).toBe(0);
    const exports = entries(w).filter((e) => e.kind === 'export');
    expect(exports.map((e) => e.actor)).toEqual(['ci-bot', 'ci-bot']);
    expect(w.run(['history', 'verify']).code).toBe(0);
  });

  it('records nothing for a manifest export, a refused decK export, or one without secret values', () => {
    const w = applied();
    expect(w.run(['export'], { env: KEY }).code).toBe(0);
    const refused = w.run(['export', '--format', 'deck']); // no key: the values cannot be read
    expect(refused.code).toBe(1);
    expect(entries(w).filter((e) => e.kind === 'export')).toEqual([]);

    const aclOnly = applied(`version: 1
developers:
  - email: bob@example.com
    fullName: Bob
    status: approved
    credentials:
      - { type: acl, group: partners }
`);
    expect(aclOnly.run(['export', '--format', 'deck'], { env: KEY }).code).toBe(0);
    expect(entries(aclOnly).filter((e) => e.kind === 'export')).toEqual([]);
  });
});
