// Applications and API registrations end to end through the real CLI (docs/applications.md), on
// SQLite and PostgreSQL: an API, an application with its credential and an approved registration
// created; a registration revoked; a developer's revocation deactivating its applications'
// credentials; a moved application keeping its secrets; deletions taking what hangs off them; and
// the decision mail of registrations as a real SMTP server receives it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startMailSender } from '../src/mail/index.js';
import { openStore } from '../src/store/index.js';
import { BACKENDS, dropTestSchemas } from './helpers/backends.js';
import { workspace, type Workspace } from './helpers/cli.js';
import { startSmtpServer } from './helpers/smtp-server.js';
import { withStateDb } from './helpers/state-db.js';

afterAll(dropTestSchemas);

const STATE_KEY = 'apply-app-cli-state-key-0123456789abcdef';
const ENV = { PORTALFORM_STATE_KEY: STATE_KEY };
const ADA = 'ada@example.com';
const BILLING = `developer["${ADA}"].application["billing"]`;

interface Declared {
  status?: string;
  application?: string | null;
  registration?: string | null;
  moved?: string;
}

/** ada with (unless null) one application holding a generated key-auth credential and a registration to payments. */
function manifest({ status = 'approved', application = 'billing', registration = 'approved', moved }: Declared = {}) {
  const apps =
    application === null
      ? ''
      : `    applications:
      - name: ${application}
        description: Bills customers
        credentials:
          - { type: key-auth, name: prod }
${registration === null ? '' : `        registrations:\n          - { api: payments, status: ${registration} }\n`}`;
  return `version: 1
apis:
  - name: payments
    title: Payments API
developers:
  - email: ${ADA}
    fullName: Ada
    status: ${status}
    credentials:
      - { type: key-auth, name: own }
${status === 'approved' || status === 'revoked' ? apps : ''}${moved ? `moved:\n${moved}` : ''}`;
}

function applyManifest(w: Workspace, declared: Declared = {}, extra: string[] = []) {
  w.write('portal/m.yaml', manifest(declared));
  const run = w.run(['apply', 'portal', '--auto-approve', ...extra], { env: ENV });
  expect(run.code, run.stderr).toBe(0);
  return run;
}

type Row = Record<string, unknown>;
const rows = (w: Workspace, sql: string) => withStateDb(w, (q) => q(sql)) as Promise<Row[]>;

/** Each waiting decision message's changes as `subject: status`, by recipient. */
async function decisionMail(w: Workspace): Promise<Record<string, string[]>> {
  const found = await rows(w, `select recipient, payload from pf_outbox where kind = 'decision'`);
  return Object.fromEntries(
    found.map((r) => [
      r.recipient,
      (JSON.parse(String(r.payload)) as { changes: Array<{ subject: string; status: string }> }).changes.map(
        (c) => `${c.subject}: ${c.status}`,
      ),
    ]),
  );
}

const clearMail = (w: Workspace) => withStateDb(w, (q) => q('delete from pf_outbox'));
const appCredentials = (w: Workspace) =>
  rows(w, 'select id, secrets, unique_value, active from pf_credentials where application_id is not null');

describe.each(BACKENDS)('applications and registrations through the CLI on $name', (backend) => {
  it('creates the API, the application, its credential and the approved registration, and tells the developer', async () => {
    const w = workspace(backend.newState());
    const run = applyManifest(w, {}, ['--secrets-out', 'secrets.json']);
    const generated = JSON.parse(readFileSync(join(w.dir, 'secrets.json'), 'utf8')) as Record<string, { key: string }>;
    const key = generated[`${BILLING}.credential["key-auth:prod"]`]!.key;
    // The generated key reaches the secrets file only: not the output, the history or the state's rows.
    expect(run.stdout + run.stderr).not.toContain(key);
    const history = await rows(w, 'select entry from pf_history');
    const addresses = history.flatMap((r) =>
      (JSON.parse(String(r.entry)) as { changes: Array<{ address: string }> }).changes.map((c) => c.address),
    );
    expect(addresses).toContain(`${BILLING}.registration["payments"]`);
    expect(JSON.stringify(history)).not.toContain(key);
    expect(JSON.stringify(await rows(w, 'select * from pf_credentials'))).not.toContain(key);
    expect(await rows(w, 'select name, title from pf_apis')).toEqual([{ name: 'payments', title: 'Payments API' }]);
    expect(await rows(w, 'select name, description, origin from pf_applications')).toEqual([
      { name: 'billing', description: 'Bills customers', origin: 'manifest' },
    ]);
    const [credential] = await appCredentials(w);
    expect(Number(credential!.active)).toBe(1);
    expect(JSON.parse(String(credential!.secrets)).key).toMatchObject({
      generated: true,
      ciphertext: expect.any(String),
    });
    expect(await rows(w, 'select api, status, origin from pf_registrations')).toEqual([
      { api: 'payments', status: 'approved', origin: 'manifest' },
    ]);
    // A developer the apply creates hears nothing: its invite is its news.
    expect(await decisionMail(w)).toEqual({});

    // Applied again, the same manifests change nothing.
    const again = w.run(['plan', 'portal', '--detailed-exitcode'], { env: ENV });
    expect(again.code, again.stdout + again.stderr).toBe(0);
  });

  it("revokes a registration, telling the developer; revoking the developer deactivates its applications' credentials", async () => {
    const w = workspace(backend.newState());
    applyManifest(w, { registration: 'pending' });
    applyManifest(w, { registration: 'revoked' }); // pending → approved → revoked: one message, "revoked"
    expect(await rows(w, 'select status from pf_registrations')).toEqual([{ status: 'revoked' }]);
    expect(await decisionMail(w)).toEqual({
      [ADA]: ['your application "billing" on the API "Payments API": revoked'],
    });
    await clearMail(w);

    applyManifest(w, { status: 'revoked', registration: 'revoked' });
    expect((await rows(w, 'select active from pf_credentials')).map((r) => Number(r.active))).toEqual([0, 0]);
    expect(await decisionMail(w)).toEqual({ [ADA]: ['your developer account: revoked'] });
    applyManifest(w, { status: 'approved', registration: 'revoked' });
    expect((await rows(w, 'select active from pf_credentials')).map((r) => Number(r.active))).toEqual([1, 1]);
  });

  it('moves an application, keeping its credentials, secrets and registrations', async () => {
    const w = workspace(backend.newState());
    applyManifest(w);
    const before = await appCredentials(w);
    const moved = `  - { from: '${BILLING}', to: 'developer["${ADA}"].application["invoicing"]' }\n`;
    applyManifest(w, { application: 'invoicing', moved });
    expect(await rows(w, 'select name from pf_applications')).toEqual([{ name: 'invoicing' }]);
    expect(await appCredentials(w)).toEqual(before);
    expect(await rows(w, 'select api, status from pf_registrations')).toEqual([
      { api: 'payments', status: 'approved' },
    ]);
    expect(await decisionMail(w)).toEqual({});
  });

  it('deletes an application with its credentials and registrations, mailed as access removed; a deleted developer hears nothing', async () => {
    const w = workspace(backend.newState());
    applyManifest(w);
    applyManifest(w, { application: null });
    expect(await rows(w, 'select id from pf_applications')).toEqual([]);
    expect(await rows(w, 'select id from pf_registrations')).toEqual([]);
    expect(await appCredentials(w)).toEqual([]);
    expect((await decisionMail(w))[ADA]).toContain('your application "billing": access removed');
    await clearMail(w);

    applyManifest(w);
    await clearMail(w);
    w.write('portal/m.yaml', 'version: 1\napis:\n  - name: payments\ndevelopers: []\n');
    const run = w.run(['apply', 'portal', '--auto-approve'], { env: ENV });
    expect(run.code, run.stderr).toBe(0);
    expect(await rows(w, 'select id from pf_developers')).toEqual([]);
    expect(await rows(w, 'select id from pf_applications')).toEqual([]);
    expect(await rows(w, 'select id from pf_credentials')).toEqual([]);
    expect(await rows(w, 'select id from pf_registrations')).toEqual([]);
    expect(await decisionMail(w)).toEqual({});
  });

  it('releases an application a removed entry keeps: its rows stay, the manifests stop managing them, no mail', async () => {
    const w = workspace(backend.newState());
    applyManifest(w);
    const before = await appCredentials(w);
    w.write(
      'portal/m.yaml',
      `${manifest({ application: null })}removed:\n  - { developer: ${ADA}, application: billing, keep: true }\n`,
    );
    const run = w.run(['apply', 'portal', '--auto-approve'], { env: ENV });
    expect(run.code, run.stderr).toBe(0);
    expect(await rows(w, 'select name, origin from pf_applications')).toEqual([
      { name: 'billing', origin: 'released' },
    ]);
    expect((await appCredentials(w)).map((c) => c.id)).toEqual(before.map((c) => c.id));
    expect(await rows(w, 'select status from pf_registrations')).toEqual([{ status: 'approved' }]);
    expect(await decisionMail(w)).toEqual({});
  });

  it('the registration decision as a real SMTP server receives it: what it means, no secret', async () => {
    const smtp = await startSmtpServer();
    const w = workspace(backend.newState());
    const store = openStore(w.state, w.dir);
    try {
      applyManifest(w, { registration: 'pending' });
      applyManifest(w, { registration: 'approved' });
      const sender = startMailSender({
        store,
        publicUrl: 'https://portal.example.com/',
        smtpUrl: smtp.url,
        mailFrom: 'API portal <portal@example.com>',
        logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
        tick: () => () => undefined,
      });
      expect(await sender.runOnce()).toMatchObject({ sent: 1, failed: 0 });
      await sender.stop();
      const [mail] = smtp.received;
      expect(mail!.to).toEqual([ADA]);
      expect(mail!.subject).toBe('Your application may call an API');
      expect(mail!.text).toContain('  - your application "billing" on the API "Payments API": approved');
      expect(mail!.text).toContain('the application’s credentials may call that API');
      const [credential] = await appCredentials(w);
      expect(mail!.raw).not.toContain(JSON.parse(String(credential!.secrets)).key.ciphertext);
    } finally {
      await store.close();
      await smtp.stop();
    }
  });
});
