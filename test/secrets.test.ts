// Secrets: never stored or shown in plain text, generated when omitted, rotated on purpose.
import { chmodSync, existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyCredential } from '../src/index.js';
import { BACKENDS, dropTestSchemas, type BackendCase } from './helpers/backends.js';
import { workspace, type Workspace } from './helpers/cli.js';
import { dumpTables, runSql, STATE_TABLES } from './helpers/state-db.js';

afterAll(dropTestSchemas);

const KEY_SENTINEL = 'SENTINEL-key-7f3a9c-long-enough';
const PASSWORD_SENTINEL = 'SENTINEL-password-41be';
const LITERAL_SENTINEL = 'SENTINEL-literal-d00d';
const SENTINELS = [KEY_SENTINEL, PASSWORD_SENTINEL, LITERAL_SENTINEL];
const STATE_KEY = 'correct horse battery staple, but longer 0123';
const ADA = 'developer["ada@example.com"]';
const KEY = `${ADA}.credential["key-auth:ci"]`;
const HMAC = `${ADA}.credential["hmac-auth:ada-hmac"]`;
const BASIC = `${ADA}.credential["basic-auth:ada"]`;

const MANIFEST = `version: 1
developers:
  - email: ada@example.com
    fullName: Ada
    status: approved
    credentials:
      - { type: key-auth, name: ci, key: { fromEnv: PORTALFORM_SECRET_ADA_KEY } }
      - { type: basic-auth, username: ada, password: { fromFile: pw.txt } }
      - { type: oauth2, name: app, clientSecret: "${LITERAL_SENTINEL}" }
      - { type: hmac-auth, username: ada-hmac }
      - { type: key-auth, name: other, key: { fromEnv: PORTALFORM_SECRET_OTHER } }
`;

function setup(backend: BackendCase, stateKey: string | null = STATE_KEY) {
  const w = workspace(backend.newState());
  w.write('m/ada.yaml', MANIFEST);
  w.write('m/pw.txt', `${PASSWORD_SENTINEL}\n`);
  const env: Record<string, string> = {
    PORTALFORM_SECRET_ADA_KEY: KEY_SENTINEL,
    PORTALFORM_SECRET_OTHER: 'other-key-value-long-enough-1',
  };
  if (stateKey) env.PORTALFORM_STATE_KEY = stateKey;
  const run = (args: string[], extra: Record<string, string> = {}) => w.run(args, { env: { ...env, ...extra } });
  return { w, env, run };
}

/** Everything the state's database holds, as text: the raw SQLite files, or every PostgreSQL row. */
async function stateBytes(w: Workspace): Promise<string> {
  if (w.state.startsWith('postgres')) return dumpTables(w, [...STATE_TABLES, 'pf_locks']);
  return readdirSync(w.dir)
    .filter((f) => f.startsWith('portalform.db'))
    .map((f) => readFileSync(join(w.dir, f)).toString('latin1'))
    .join('\n');
}

describe.each(BACKENDS)('secrets on $name', (backend) => {
  it('never shows or stores a secret value: every command, format and file', async () => {
    const { w, run } = setup(backend);
    const outputs: string[] = [];
    const record = (args: string[]) => {
      const result = run(args);
      outputs.push(result.stdout, result.stderr);
      return result;
    };
    const validated = record(['validate', 'm']);
    expect(validated.code).toBe(0);
    expect(validated.stderr).toMatch(/m\/ada\.yaml:9:\d+: warning: .*literal secret/i);
    for (const format of ['text', 'json']) expect(record(['plan', 'm', '--format', format]).code).toBe(0);
    expect(record(['apply', 'm', '--auto-approve', '--secrets-out', 'generated.json']).code).toBe(0);
    expect(record(['plan', 'm', '--out', 'saved.plan']).code).toBe(0);
    for (const args of [
      ['show'],
      ['show', 'saved.plan'],
      ['show', 'saved.plan', '--json'],
      ['state', 'list'],
      ['state', 'list', '--json'],
      ['history'],
      ['history', '--json'],
      ['history', 'verify'],
    ]) {
      expect(record(args).code, args.join(' ')).toBe(0);
    }
    // a failing run must not print the value either: two developers share one key-auth key
    w.write(
      'm/clash.yaml',
      `version: 1\ndevelopers:\n  - { email: b@example.com, fullName: B, status: approved, credentials: [{ type: key-auth, name: x, key: { fromEnv: PORTALFORM_SECRET_ADA_KEY } }] }\n`,
    );
    const clash = record(['plan', 'm']);
    expect(clash.code).toBe(1);
    expect(clash.stderr).toMatch(/key/);

    const files = [
      readFileSync(join(w.dir, 'saved.plan'), 'latin1'),
      readFileSync(join(w.dir, 'generated.json'), 'utf8'),
      await stateBytes(w),
    ];
    for (const sentinel of SENTINELS) {
      for (const text of [...outputs, ...files]) expect(text).not.toContain(sentinel);
    }
    expect(statSync(join(w.dir, 'saved.plan')).mode & 0o777).toBe(0o600);
    expect(statSync(join(w.dir, 'generated.json')).mode & 0o777).toBe(0o600);
    if (backend.name === 'sqlite') expect(statSync(join(w.dir, 'portalform.db')).mode & 0o777).toBe(0o600);
  });

  it('generates omitted secrets once, keeps them across re-plans, and reveals them on purpose (recorded)', () => {
    const { w, run } = setup(backend);
    expect(run(['apply', 'm', '--auto-approve', '--secrets-out', 'out.json']).code).toBe(0);
    const generated = JSON.parse(readFileSync(join(w.dir, 'out.json'), 'utf8'));
    expect(Object.keys(generated)).toEqual([HMAC]);
    expect(generated[HMAC].secret).toMatch(/^[A-Za-z0-9]{32,}$/);
    expect(run(['plan', 'm', '--detailed-exitcode']).code).toBe(0);

    const revealed = run(['secret', 'reveal', HMAC, '--json']);
    expect(revealed.code, revealed.stderr).toBe(0);
    expect(JSON.parse(revealed.stdout).secrets).toEqual({ secret: generated[HMAC].secret });
    const history = JSON.parse(run(['history', '--json']).stdout).entries;
    expect(history.map((e: any) => e.kind)).toEqual(['apply', 'reveal']);
    expect(history[1]).toMatchObject({ address: HMAC, fields: ['secret'] });
    expect(JSON.stringify(history)).not.toContain(generated[HMAC].secret);
    expect(run(['history', 'verify']).code).toBe(0);
  });

  it('without a state key: stores digests only, demands --secrets-out for generated values, refuses reveal', async () => {
    const { w, run } = setup(backend, null);
    const refused = run(['apply', 'm', '--auto-approve']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/--secrets-out/);
    expect(run(['state', 'list', '--json'])).toMatchObject({ code: 1, stderr: expect.stringMatching(/no state at/) });
    expect(run(['apply', 'm', '--auto-approve', '--secrets-out', 'out.json']).code).toBe(0);
    expect(existsSync(join(w.dir, 'out.json'))).toBe(true);
    expect(run(['secret', 'reveal', KEY])).toMatchObject({ code: 1, stderr: expect.stringMatching(/state key/) });
    expect(await stateBytes(w)).not.toMatch(/v1\.[A-Za-z0-9+/]{20,}/); // no ciphertext without a key
  });

  it('refuses a wrong or missing state key once values are encrypted, changing nothing', async () => {
    const { w, run } = setup(backend);
    expect(run(['apply', 'm', '--auto-approve', '--secrets-out', 'out.json']).code).toBe(0);
    const before = await dumpTables(w, STATE_TABLES);
    const wrong = run(['apply', 'm', '--auto-approve'], { PORTALFORM_STATE_KEY: 'x'.repeat(40) });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/does not match/);
    expect(run(['plan', 'm'], { PORTALFORM_STATE_KEY: '' }).stderr).toMatch(/PORTALFORM_STATE_KEY/);
    expect(run(['plan', 'm'], { PORTALFORM_STATE_KEY: 'short' }).stderr).toMatch(/at least 32/);
    expect(await dumpTables(w, STATE_TABLES)).toBe(before);
  });

  it('fails to decrypt a ciphertext copied to another credential', async () => {
    const { w, run } = setup(backend);
    expect(run(['apply', 'm', '--auto-approve', '--secrets-out', 'out.json']).code).toBe(0);
    await runSql(w, [
      `update pf_credentials set secrets = (select secrets from pf_credentials where identity = 'other') where identity = 'ci'`,
    ]);
    const revealed = run(['secret', 'reveal', KEY]);
    expect(revealed.code).toBe(1);
    expect(revealed.stderr).toMatch(/failed to decrypt/);
    expect(revealed.stdout).not.toContain('other-key-value-long-enough-1');
  });

  it('rotates exactly the targeted generated secret; a changed source rotates a given one', () => {
    const { run } = setup(backend);
    expect(run(['apply', 'm', '--auto-approve', '--secrets-out', 'out.json']).code).toBe(0);
    const reveal = (address: string) => JSON.parse(run(['secret', 'reveal', address, '--json']).stdout).secrets;
    const hmacBefore = reveal(HMAC);
    const oauthBefore = reveal(`${ADA}.credential["oauth2:app"]`);

    const planned = JSON.parse(run(['plan', 'm', '--rotate', HMAC, '--json']).stdout);
    expect(planned.changes).toEqual([
      expect.objectContaining({
        address: HMAC,
        op: 'update',
        after: expect.objectContaining({ secret: '(sensitive value changed)' }),
      }),
    ]);
    expect(run(['apply', 'm', '--auto-approve', '--rotate', HMAC, '--secrets-out', 'rotated.json']).code).toBe(0);
    expect(reveal(HMAC)).not.toEqual(hmacBefore);
    expect(reveal(`${ADA}.credential["oauth2:app"]`)).toEqual(oauthBefore);
    expect(run(['plan', 'm', '--detailed-exitcode']).code).toBe(0);

    // a saved plan carries the rotation
    const rotatedOnce = reveal(HMAC);
    expect(run(['plan', 'm', '--rotate', HMAC, '--out', 'rotate.plan']).code).toBe(0);
    expect(run(['apply', 'rotate.plan']).code).toBe(0);
    expect(reveal(HMAC)).not.toEqual(rotatedOnce);

    const changed = JSON.parse(
      run(['plan', 'm', '--json'], { PORTALFORM_SECRET_ADA_KEY: 'a-new-key-value-long-enough' }).stdout,
    );
    expect(changed.changes.map((c: any) => [c.address, c.after.key])).toEqual([[KEY, '(sensitive value changed)']]);
    expect(run(['plan', 'm', '--rotate', KEY]).stderr).toMatch(/change it at its source/);
  });

  it('refuses a saved plan whose secret source changed since planning', () => {
    const { run } = setup(backend);
    expect(run(['apply', 'm', '--auto-approve', '--secrets-out', 'out.json']).code).toBe(0);
    expect(
      run(['plan', 'm', '--out', 'p.plan'], { PORTALFORM_SECRET_ADA_KEY: 'planned-key-value-long-enough' }).code,
    ).toBe(0);
    const refused = run(['apply', 'p.plan'], { PORTALFORM_SECRET_ADA_KEY: 'another-key-value-long-enough' });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/changed since the plan was made/);
    expect(run(['apply', 'p.plan'], { PORTALFORM_SECRET_ADA_KEY: 'planned-key-value-long-enough' }).code).toBe(0);
  });

  it('verifies a basic-auth password against its stored hash, with no key at all', async () => {
    const { w, run } = setup(backend);
    expect(run(['apply', 'm', '--auto-approve', '--secrets-out', 'out.json']).code).toBe(0);
    const options = { state: w.state, env: {} };
    expect(await verifyCredential(BASIC, PASSWORD_SENTINEL, options)).toBe(true);
    expect(await verifyCredential(BASIC, 'wrong password', options)).toBe(false);
    expect(
      await verifyCredential(KEY, KEY_SENTINEL, { state: w.state, env: { PORTALFORM_STATE_KEY: STATE_KEY } }),
    ).toBe(true);
  });
});

describe('state file permissions', () => {
  it('warns when the state file is readable by others', () => {
    const { w, run } = setup(BACKENDS[0]!);
    expect(run(['apply', 'm', '--auto-approve', '--secrets-out', 'out.json']).code).toBe(0);
    expect(run(['state', 'list']).stderr).not.toMatch(/readable by other users/);
    chmodSync(join(w.dir, 'portalform.db'), 0o644);
    expect(run(['state', 'list']).stderr).toMatch(/readable by other users.*chmod 600/);
  });
});

describe('a failed apply and the secrets file', () => {
  it('leaves an existing --secrets-out file untouched and no generated value behind', async () => {
    const { w, run } = setup(BACKENDS[0]!);
    expect(run(['apply', 'm', '--auto-approve', '--secrets-out', 'out.json']).code).toBe(0);
    const before = readFileSync(join(w.dir, 'out.json'), 'utf8');
    // The database refuses the history entry, after every change of the apply has been written.
    await runSql(w, [
      `create trigger refuse_history before insert on pf_history begin select raise(abort, 'simulated failure'); end`,
    ]);
    w.write(
      'm/more.yaml',
      `version: 1\ndevelopers:\n  - { email: b@example.com, fullName: B, status: approved, credentials: [{ type: hmac-auth, username: b-hmac }] }\n`,
    );
    const failed = run(['apply', 'm', '--auto-approve', '--secrets-out', 'out.json']);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/simulated failure/);
    expect(readFileSync(join(w.dir, 'out.json'), 'utf8')).toBe(before);
    expect(readdirSync(join(w.dir)).filter((f) => f.includes('pending'))).toEqual([]);
    expect(JSON.parse(run(['state', 'list', '--json']).stdout).developers.map((d: any) => d.email)).toEqual([
      'ada@example.com',
    ]);
  });
});
