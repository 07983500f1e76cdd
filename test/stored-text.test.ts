// Stored text that predates the refused-character rules (issue 25): every command that prints it
// escapes it, the approval entry `requests` prints always passes `validate`, and export leaves out
// a value no manifest may hold, saying so. The service refuses such values, naming the field, and
// takes every spelling of one address as one account.
import { afterEach, describe, expect, it } from 'vitest';
import { workspace, type Workspace } from './helpers/cli.js';
import { PASSWORD, type PortalServer, startPortal } from './helpers/pages-server.js';
import { runSql } from './helpers/state-db.js';

/** What no output may hold raw: C0 controls but the line end, DEL, C1, bidi controls, zero-width characters. */
const RAW_UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/;
/** `Mal` ESC `[2J` NUL RLO `yrol` PDF NEL, as SQL (a NUL would end the statement's text). */
const HOSTILE_NAME = "'Mal' || char(27) || '[2J' || char(0, 8238) || 'yrol' || char(8236, 133)";
const HOSTILE_EMAIL = 'mallory\u202e@example.com';

async function hostileSignups(): Promise<Workspace> {
  const w = workspace();
  w.write('m.yaml', 'version: 1\ndevelopers:\n  - { email: ada@example.com, fullName: Ada, status: approved }\n');
  expect(w.run(['apply', 'm.yaml', '--auto-approve', '--actor', 'ci\u202e\u001b[2J']).code).toBe(0);
  const signup = (id: string, email: string, name: string, at: string, verified = 1) =>
    `insert into pf_developers (id, email, full_name, status, meta, origin, email_verified, created_at, updated_at)
     values ('${id}', '${email}', ${name}, 'pending', '{"team":"a\u202eb"}', 'self-service', ${verified}, '${at}', '${at}')`;
  await runSql(w, [
    signup('mal', 'mal@example.com', HOSTILE_NAME, '2026-01-01T00:00:00Z'),
    signup('mallory', HOSTILE_EMAIL, "'Mallory'", '2026-01-02T00:00:00Z'),
    // Unverified sign-ups are listed apart, commented out, and left out of exports: escaped there too.
    signup('eve', 'eve\u202e@example.com', HOSTILE_NAME, '2026-01-03T00:00:00Z', 0),
  ]);
  return w;
}

describe('stored text with control, bidi and invisible characters', () => {
  it('is escaped by requests, state list and state show, in text and JSON', async () => {
    const w = await hostileSignups();
    for (const args of [
      ['requests'],
      ['requests', '--json'],
      ['state', 'list'],
      ['state', 'list', '--json'],
      ['state', 'show', 'developer["mal@example.com"]'],
      ['state', 'show', 'developer["mal@example.com"]', '--json'],
      ['history'],
      ['history', 'show', '1'],
    ]) {
      const result = w.run([...args, '--no-color']);
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
      expect(RAW_UNSAFE.exec(result.stdout + result.stderr)?.[0], args.join(' ')).toBeUndefined();
    }
    expect(w.run(['requests']).stdout).toContain('mallory\\u202e@example.com');
    expect(w.run(['history']).stdout).toContain('ci\\u202e\\u001b[2J');
    expect(w.run(['state', 'show', 'developer["mal@example.com"]']).stdout).toContain('\\u202eyrol\\u202c');
  });

  it('gives approval entries that always pass validate', async () => {
    const w = await hostileSignups();
    const entries = w.run(['requests', '--format', 'manifest']);
    expect(entries.code).toBe(0);
    expect(RAW_UNSAFE.exec(entries.stdout)?.[0]).toBeUndefined();
    expect(entries.stdout).toContain('- email: mal@example.com\n  status: approved');
    expect(entries.stdout).toContain('cannot be approved by a manifest');
    expect(entries.stdout).toContain('# eve\\u202e@example.com has not verified their address');
    const indented = entries.stdout.replace(/^/gm, '  ');
    w.write('approve.yaml', `version: 1\ndevelopers:\n${indented}`);
    const validate = w.run(['validate', 'approve.yaml']);
    expect(validate.code, validate.stderr).toBe(0);
  });

  it('is left out of an export, with a comment and a warning, and the export validates', async () => {
    const w = await hostileSignups();
    const exported = w.run(['export', '--include-unmanaged', '--no-color']);
    expect(exported.code, exported.stderr).toBe(0);
    expect(RAW_UNSAFE.exec(exported.stdout + exported.stderr)?.[0]).toBeUndefined();
    expect(exported.stdout).toContain('# fullName left out: the stored value holds U+001B');
    expect(exported.stdout).not.toContain('mallory');
    expect(exported.stderr).toContain('developer "mallory\\u202e@example.com" is left out of the export');
    expect(exported.stderr).toContain('developer "mal@example.com": fullName left out');
    w.write('export/portal.yaml', exported.stdout);
    const validate = w.run(['validate', 'export']);
    expect(validate.code, validate.stderr).toBe(0);
  });
});

interface Problem {
  errors: Array<{ field: string; message: string }>;
}

describe('the service, over HTTP', () => {
  let portal: PortalServer | undefined;
  afterEach(async () => {
    await portal?.close();
    portal = undefined;
  });

  const register = (body: Record<string, string>) =>
    fetch(`${portal!.url}/api/v1/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ password: PASSWORD, ...body }),
    });

  it('takes the four spellings of one address as one account, and refuses a name or email with a bidi control', async () => {
    portal = await startPortal('developers:\n  - { email: ada@example.com, fullName: Ada, status: approved }\n', {
      listen: true,
    });
    const first = await register({ email: 'josé@exämple.com', fullName: 'José' });
    expect(first.status, await first.clone().text()).toBe(201);
    expect(((await first.json()) as { email: string }).email).toBe('josé@xn--exmple-cua.com');
    for (const email of ['jose\u0301@exa\u0308mple.com', 'ｊｏｓé＠ｅｘäｍｐｌｅ．ｃｏｍ', 'JOSÉ@xn--exmple-cua.com']) {
      const again = await register({ email, fullName: 'José' });
      expect(again.status, email).toBe(409);
    }
    const name = await register({ email: 'eve@example.com', fullName: 'Eve \u202eevil' });
    expect(name.status).toBe(400);
    const nameProblem = (await name.json()) as Problem;
    expect(nameProblem.errors).toEqual([expect.objectContaining({ field: 'fullName' })]);
    expect(JSON.stringify(nameProblem)).not.toMatch(RAW_UNSAFE);
    const email = await register({ email: 'eve\u200b@example.com', fullName: 'Eve' });
    expect(email.status).toBe(400);
    expect(((await email.json()) as Problem).errors).toEqual([expect.objectContaining({ field: 'email' })]);
  });
});
