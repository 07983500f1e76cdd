// A state made without PORTALFORM_STATE_KEY holds given secrets only as digests. Once a key is
// set, a manifest whose value matches the stored digest lets apply store the encrypted copy (a
// backfill, docs/manifests.md#plan-order): the plan shows it as an update, and export --format deck and secret reveal
// work afterwards.
import { describe, expect, it } from 'vitest';
import { workspace, type Workspace } from './helpers/cli.js';
import { withStateDb } from './helpers/state-db.js';

const KEY = { PORTALFORM_STATE_KEY: 'backfill-test-state-key-0123456789abcdef' };
const CI_KEY = 'ci-key-value-4d2f9a-never-printed';
const PASSWORD = 'grace-password-77e1c0-never-printed';
const SECRETS = { PORTALFORM_SECRET_CI: CI_KEY, PORTALFORM_SECRET_GRACE: PASSWORD };
const ADA_KEY = 'developer["ada@example.com"].credential["key-auth:ci"]';
const GRACE_BASIC = 'developer["grace@example.com"].credential["basic-auth:grace"]';

const MANIFEST = `version: 1
developers:
  - email: ada@example.com
    fullName: Ada Lovelace
    status: approved
    credentials:
      - { type: key-auth, name: ci, key: { fromEnv: PORTALFORM_SECRET_CI } }
      - { type: acl, group: partners }
  - email: grace@example.com
    fullName: Grace Hopper
    status: approved
    credentials:
      - { type: basic-auth, username: grace, password: { fromEnv: PORTALFORM_SECRET_GRACE } }
`;

interface JsonChange {
  address: string;
  op: string;
  before: Record<string, unknown>;
  after: Record<string, unknown>;
}

/** Every stored secret (digest, hash, ciphertext) of the workspace's state, in a fixed order. */
async function storedSecrets(w: Workspace): Promise<Array<Record<string, unknown>>> {
  const rows = (await withStateDb(w, (query) =>
    query('select secrets from pf_credentials order by type, identity'),
  )) as Array<{ secrets: string }>;
  return rows.flatMap((row) => Object.values(JSON.parse(row.secrets) as Record<string, Record<string, unknown>>));
}

/** A state applied without a key, from the manifest above. */
function keylessState(): Workspace {
  const w = workspace();
  w.write('portal/portal.yaml', MANIFEST);
  expect(w.run(['apply', 'portal', '--auto-approve'], { env: SECRETS })).toMatchObject({ code: 0 });
  return w;
}

describe('a state key added later', () => {
  it('without the backfill, the given secrets cannot be revealed or exported', () => {
    const w = keylessState();
    const reveal = w.run(['secret', 'reveal', ADA_KEY], { env: KEY });
    expect(reveal.code).toBe(1);
    expect(reveal.stderr).toContain('stored without a state key');
    expect(w.run(['export', '--format', 'deck'], { env: KEY }).code).toBe(1);
  });

  it('plans one update per credential whose given secret matches, shown as encrypted: false → true', () => {
    const w = keylessState();
    const planned = w.run(['plan', 'portal', '--json'], { env: { ...SECRETS, ...KEY } });
    expect(planned.stderr).toBe('');
    expect(planned.code).toBe(0);
    const plan = JSON.parse(planned.stdout) as { changes: JsonChange[]; summary: Record<string, number> };
    expect(plan.changes.map((c) => [c.address, c.op])).toEqual([
      [ADA_KEY, 'update'],
      [GRACE_BASIC, 'update'],
    ]);
    for (const change of plan.changes) {
      expect(change.before.encrypted).toBe(false);
      expect(change.after.encrypted).toBe(true);
    }
    expect(plan.changes[0]!.after.key).toBe('(sensitive)'); // the value itself does not change
    expect(plan.summary).toMatchObject({ create: 0, update: 2, delete: 0 });

    const text = w.run(['plan', 'portal', '--no-color'], { env: { ...SECRETS, ...KEY } });
    expect(text.stdout).toMatch(/encrypted\s*=\s*false\s*->\s*true/);
    for (const output of [planned.stdout, text.stdout, text.stderr]) {
      expect(output).not.toContain(CI_KEY);
      expect(output).not.toContain(PASSWORD);
    }
  });

  it('applies the backfill, after which reveal and the decK export work and the plan is empty', () => {
    const w = keylessState();
    const applied = w.run(['apply', 'portal', '--auto-approve'], { env: { ...SECRETS, ...KEY } });
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain('2 updated');

    expect(w.run(['plan', 'portal', '--detailed-exitcode'], { env: { ...SECRETS, ...KEY } })).toMatchObject({
      code: 0,
    });
    const reveal = w.run(['secret', 'reveal', ADA_KEY, '--json'], { env: KEY });
    expect(reveal.stderr).toBe('');
    expect(JSON.parse(reveal.stdout).secrets).toEqual({ key: CI_KEY });
    const deck = w.run(['export', '--format', 'deck'], { env: KEY });
    expect(deck.stderr).toBe('');
    expect(deck.code).toBe(0);
    expect(deck.stdout).toContain(CI_KEY);
    expect(deck.stdout).toContain(PASSWORD);

    const history = w.run(['history', '--json']).stdout;
    expect(history).not.toContain(CI_KEY);
    expect(history).not.toContain(PASSWORD);
    expect(w.run(['history', 'verify'])).toMatchObject({ code: 0 });
  });

  it('adds only the encrypted copy: digest and password hash stay as they were', async () => {
    const w = keylessState();
    const before = await storedSecrets(w);
    expect(before.every((s) => s.ciphertext === undefined)).toBe(true);
    expect(w.run(['apply', 'portal', '--auto-approve'], { env: { ...SECRETS, ...KEY } }).code).toBe(0);
    const after = await storedSecrets(w);
    expect(after.map(({ ciphertext: _ciphertext, ...rest }) => rest)).toEqual(before);
    expect(after.every((s) => typeof s.ciphertext === 'string' && !s.ciphertext.includes(CI_KEY))).toBe(true);
  });

  it('is not a backfill when the manifest value differs from the stored one: that is a changed secret', () => {
    const w = keylessState();
    const planned = w.run(['plan', 'portal', '--json'], {
      env: { ...SECRETS, PORTALFORM_SECRET_CI: 'another-ci-key-value-of-enough-length', ...KEY },
    });
    const plan = JSON.parse(planned.stdout) as { changes: JsonChange[] };
    const ada = plan.changes.find((c) => c.address === ADA_KEY)!;
    expect(ada.after.key).toBe('(sensitive value changed)');
    expect(ada.after.encrypted).toBeUndefined();
  });

  it('plans nothing without a key: there is nothing to encrypt with', () => {
    const w = keylessState();
    expect(w.run(['plan', 'portal', '--detailed-exitcode'], { env: SECRETS })).toMatchObject({ code: 0 });
  });
});
