// The apply transaction's steps of APIs, applications and registrations (docs/applications.md),
// run as an apply runs them (commitApply, then the decision mail) on a real migrated state, SQLite
// and PostgreSQL: each step's rows, application credentials' secrets kept as a developer's are,
// the history entry without secrets, all-or-nothing, and the decision mail of registrations.
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { queueDecisionMail } from '../src/apply/decision-mail.js';
import { renderMessage, type DecisionChange } from '../src/mail/index.js';
import { commitApply } from '../src/apply/transaction.js';
import {
  apiAddress,
  applicationAddress,
  credentialAddress,
  developerAddress,
  registrationAddress,
} from '../src/model.js';
import { summarize, type Action, type Change, type Plan } from '../src/plan/types.js';
import { Vault } from '../src/secrets/vault.js';
import { openStore } from '../src/store/index.js';
import { BACKENDS, dropTestSchemas } from './helpers/backends.js';
import { workspace, type Workspace } from './helpers/cli.js';
import { withStateDb } from './helpers/state-db.js';

afterAll(dropTestSchemas);

const STATE_KEY = 'apply-app-executor-state-key-0123456789abcdef';
const HOLDER = { user: 'test', host: 'test', pid: process.pid, operation: 'apply' };
const ADA = 'ada@example.com';
const BOB = 'bob@example.com';

/** ada and bob approved, each with a key-auth credential of their own. */
function baseState(w: Workspace): void {
  w.write(
    'portal/m.yaml',
    `version: 1
developers:
  - email: ${ADA}
    fullName: Ada
    status: approved
    credentials:
      - { type: key-auth, name: own }
  - email: ${BOB}
    fullName: Bob
    status: approved
`,
  );
  const run = w.run(['apply', 'portal', '--auto-approve'], { env: { PORTALFORM_STATE_KEY: STATE_KEY } });
  expect(run.code, run.stderr).toBe(0);
}

function changeOf(action: Action): Change {
  const [kind, verb] = action.do.split('.') as [Change['kind'], string];
  const op = (
    verb === 'transition' ? (action as { to: string }).to.replace('approved', 'approve').replace(/ed$/, '') : verb
  ) as Change['op'];
  return { address: addressOf(action), kind, op, before: null, after: null, action };
}

function addressOf(action: Action): string {
  switch (action.do) {
    case 'api.create':
      return apiAddress(action.api.name);
    case 'api.update':
    case 'api.delete':
      return apiAddress(action.name);
    case 'api.move':
      return apiAddress(action.to);
    case 'application.create':
      return applicationAddress(action.email, action.application.name);
    case 'application.update':
    case 'application.delete':
      return applicationAddress(action.email, action.name);
    case 'application.move':
      return applicationAddress(action.email, action.to);
    case 'registration.create':
    case 'registration.transition':
    case 'registration.update':
    case 'registration.delete':
      return registrationAddress(action.email, action.application, action.api);
    case 'credential.create':
    case 'credential.update':
    case 'credential.delete':
    case 'credential.activation':
      return credentialAddress(action.email, action.type, action.identity, action.application);
    case 'developer.create':
      return developerAddress(action.developer.email);
    case 'developer.move':
      return developerAddress(action.to);
    case 'portal.update':
      return 'portal';
    default:
      return developerAddress(action.email);
  }
}

/** Applies the steps as `apply` does, then queues the decision mail; returns what was generated and mailed. */
async function applySteps(
  w: Workspace,
  actions: Action[],
): Promise<{ generated: Record<string, Record<string, string>>; mailed: number }> {
  const store = openStore(w.state, w.dir);
  const secretsOut = join(w.dir, `secrets-${randomUUID()}.json`);
  try {
    const committed = await store.withWriteSession(
      HOLDER,
      0,
      () => undefined,
      async (session) => {
        const state = await session.read();
        const changes = actions.map(changeOf);
        const plan: Plan = {
          formatVersion: '1',
          state: { lineage: state.lineage, serial: state.serial },
          changes,
          summary: summarize(changes),
          errors: [],
          warnings: [],
          manifestDigest: 'test',
          paths: [],
          secretsDirs: [],
          generates: [],
        };
        const vault = Vault.open(state.lineage!, state.meta, STATE_KEY);
        return commitApply(
          {
            plan,
            state,
            lineage: state.lineage!,
            vault,
            desired: null,
            options: { secretsOut },
            inSync: null,
            saved: false,
          },
          session,
        );
      },
    );
    const mailed = await queueDecisionMail(store, committed, (message) => {
      throw new Error(message);
    });
    const generated = existsSync(secretsOut) ? JSON.parse(readFileSync(secretsOut, 'utf8')) : {};
    expect(Object.keys(generated)).toEqual(committed.generated);
    return { generated, mailed };
  } finally {
    await store.close();
  }
}

type Row = Record<string, unknown>;
const rows = (w: Workspace, sql: string) => withStateDb(w, (q) => q(sql)) as Promise<Row[]>;

/** The decision messages waiting in the outbox: recipient and changes. */
async function decisionMail(w: Workspace): Promise<Array<{ to: unknown; changes: unknown }>> {
  const found = await rows(
    w,
    `select recipient, payload from pf_outbox where kind = 'decision' order by created_at, recipient`,
  );
  return found.map((r) => ({
    to: r.recipient,
    changes: (JSON.parse(String(r.payload)) as { changes: unknown }).changes,
  }));
}

const PAYMENTS = {
  name: 'payments',
  title: 'Payments API',
  description: null,
  autoApproveRegistrations: null,
  aclGroups: [],
};
const createBilling: Action[] = [
  { do: 'api.create', api: PAYMENTS },
  {
    do: 'application.create',
    email: ADA,
    application: { name: 'billing', description: 'Bills', descriptionManaged: true },
  },
  {
    do: 'credential.create',
    email: ADA,
    application: 'billing',
    type: 'key-auth',
    identity: 'prod',
    fields: { name: 'prod' },
    secrets: { key: { mode: 'generate' } },
  },
  { do: 'registration.create', email: ADA, application: 'billing', api: 'payments', status: 'approved' },
];
const registration = { email: ADA, application: 'billing', api: 'payments' };

describe.each(BACKENDS)('apply of applications and registrations on $name', (backend) => {
  it('creates an API, an application with a credential and an approved registration, and tells the developer', async () => {
    const w = workspace(backend.newState());
    baseState(w);
    const { generated, mailed } = await applySteps(w, createBilling);
    const address = credentialAddress(ADA, 'key-auth', 'prod', 'billing');
    expect(Object.keys(generated)).toEqual([address]);
    const key = generated[address]!.key!;
    expect(key.length).toBeGreaterThanOrEqual(32);

    const [api] = await rows(w, 'select name, title from pf_apis');
    expect(api).toMatchObject({ name: 'payments', title: 'Payments API' });
    const [app] = await rows(w, 'select id, name, description, origin from pf_applications');
    expect(app).toMatchObject({ name: 'billing', description: 'Bills', origin: 'manifest' });
    const credential = (await rows(w, `select * from pf_credentials where application_id is not null`))[0]!;
    expect(credential.application_id).toBe(app!.id);
    expect(Number(credential.active)).toBe(1);
    // Kept as a developer's: a digest and the value encrypted under the state key, never the value.
    const secrets = JSON.parse(String(credential.secrets)) as Record<string, Record<string, unknown>>;
    expect(secrets.key).toMatchObject({ generated: true, digest: expect.any(String), ciphertext: expect.any(String) });
    expect(credential.unique_value).toBe(secrets.key!.digest);
    const [reg] = await rows(w, 'select application_id, api, status, origin from pf_registrations');
    expect(reg).toEqual({ application_id: app!.id, api: 'payments', status: 'approved', origin: 'manifest' });

    // The history entry records each change, and no secret.
    const [entry] = await rows(w, 'select entry from pf_history order by seq desc limit 1');
    const recorded = JSON.parse(String(entry!.entry)) as { changes: Array<{ address: string }> };
    expect(recorded.changes.map((c) => c.address)).toEqual([
      apiAddress('payments'),
      applicationAddress(ADA, 'billing'),
      address,
      registrationAddress(ADA, 'billing', 'payments'),
    ]);
    expect(String(entry!.entry)).not.toContain(key);
    expect(String(entry!.entry)).not.toContain(String(secrets.key!.ciphertext));
    expect(JSON.stringify(await rows(w, 'select * from pf_credentials'))).not.toContain(key);

    // A registration created approved is news for its developer.
    expect(mailed).toBe(1);
    expect(await decisionMail(w)).toEqual([
      {
        to: ADA,
        changes: [
          {
            subject: 'your application "billing" on the API "Payments API"',
            status: 'approved',
            about: 'registration',
          },
        ],
      },
    ]);
  });

  it('revokes a registration, and a pending → revoked path is told once as revoked', async () => {
    const w = workspace(backend.newState());
    baseState(w);
    await applySteps(w, [
      ...createBilling,
      {
        do: 'application.create',
        email: BOB,
        application: { name: 'shop', description: null, descriptionManaged: false },
      },
      { do: 'registration.create', email: BOB, application: 'shop', api: 'payments', status: 'pending' },
    ]);
    await withStateDb(w, (q) => q('delete from pf_outbox'));
    const { mailed } = await applySteps(w, [
      { do: 'registration.transition', ...registration, from: 'approved', to: 'revoked' },
      {
        do: 'registration.transition',
        email: BOB,
        application: 'shop',
        api: 'payments',
        from: 'pending',
        to: 'approved',
      },
      {
        do: 'registration.transition',
        email: BOB,
        application: 'shop',
        api: 'payments',
        from: 'approved',
        to: 'revoked',
      },
    ]);
    expect((await rows(w, 'select status from pf_registrations order by status')).map((r) => r.status)).toEqual([
      'revoked',
      'revoked',
    ]);
    expect(mailed).toBe(2);
    const mail = await decisionMail(w);
    expect(mail.map((m) => [m.to, (m.changes as Array<{ status: string }>).map((c) => c.status)])).toEqual([
      [ADA, ['revoked']],
      [BOB, ['revoked']],
    ]);
  });

  it("revoking a developer deactivates its applications' credentials with its own, and approving activates them", async () => {
    const w = workspace(backend.newState());
    baseState(w);
    await applySteps(w, createBilling);
    const active = async () =>
      (await rows(w, `select active from pf_credentials order by identity`)).map((r) => Number(r.active));
    expect(await active()).toEqual([1, 1]);
    const { mailed } = await applySteps(w, [
      { do: 'developer.transition', email: ADA, from: 'approved', to: 'revoked' },
      { do: 'credential.activation', email: ADA, type: 'key-auth', identity: 'own', active: false },
      {
        do: 'credential.activation',
        email: ADA,
        application: 'billing',
        type: 'key-auth',
        identity: 'prod',
        active: false,
      },
    ]);
    expect(await active()).toEqual([0, 0]);
    expect(mailed).toBe(1);
    await applySteps(w, [{ do: 'developer.transition', email: ADA, from: 'revoked', to: 'approved' }]);
    expect(await active()).toEqual([1, 1]);
  });

  it('moves an application keeping its credentials, secrets and registrations', async () => {
    const w = workspace(backend.newState());
    baseState(w);
    await applySteps(w, createBilling);
    const before = await rows(
      w,
      'select id, secrets, unique_value from pf_credentials where application_id is not null',
    );
    await applySteps(w, [{ do: 'application.move', email: ADA, from: 'billing', to: 'invoicing' }]);
    expect((await rows(w, 'select name from pf_applications')).map((r) => r.name)).toEqual(['invoicing']);
    expect(
      await rows(w, 'select id, secrets, unique_value from pf_credentials where application_id is not null'),
    ).toEqual(before);
    expect(await rows(w, 'select api, status from pf_registrations')).toEqual([
      { api: 'payments', status: 'approved' },
    ]);
    // A later step names it by its new name.
    await applySteps(w, [
      {
        do: 'registration.transition',
        email: ADA,
        application: 'invoicing',
        api: 'payments',
        from: 'approved',
        to: 'revoked',
      },
    ]);
    expect(await rows(w, 'select status from pf_registrations')).toEqual([{ status: 'revoked' }]);
  });

  it('deletes an application with its credentials and registrations, mailed as access removed', async () => {
    const w = workspace(backend.newState());
    baseState(w);
    await applySteps(w, createBilling);
    await withStateDb(w, (q) => q('delete from pf_outbox'));
    const { mailed } = await applySteps(w, [
      { do: 'registration.delete', ...registration },
      { do: 'credential.delete', email: ADA, application: 'billing', type: 'key-auth', identity: 'prod' },
      { do: 'application.delete', email: ADA, name: 'billing' },
    ]);
    expect(await rows(w, 'select id from pf_applications')).toEqual([]);
    expect(await rows(w, 'select id from pf_registrations')).toEqual([]);
    expect((await rows(w, 'select identity from pf_credentials')).map((r) => r.identity)).toEqual(['own']);
    expect(mailed).toBe(1);
    expect(await decisionMail(w)).toEqual([
      {
        to: ADA,
        changes: [
          {
            subject: 'your application "billing" on the API "Payments API"',
            status: 'access removed',
            about: 'registration',
          },
          { subject: 'your application "billing"', status: 'access removed', about: 'application' },
        ],
      },
    ]);
  });

  it('deletes a developer with its applications, their credentials and registrations, and mails it nothing', async () => {
    const w = workspace(backend.newState());
    baseState(w);
    await applySteps(w, createBilling);
    await withStateDb(w, (q) => q('delete from pf_outbox'));
    const { mailed } = await applySteps(w, [
      { do: 'registration.delete', ...registration },
      { do: 'application.delete', email: ADA, name: 'billing' },
      { do: 'developer.delete', email: ADA },
    ]);
    expect(await rows(w, 'select id from pf_applications')).toEqual([]);
    expect(await rows(w, 'select id from pf_registrations')).toEqual([]);
    expect(await rows(w, `select id from pf_credentials`)).toEqual([]);
    expect(mailed).toBe(0);
    expect(await decisionMail(w)).toEqual([]);
  });

  it('deletes an API with every registration to it, each registration mailed as access removed', async () => {
    const w = workspace(backend.newState());
    baseState(w);
    await applySteps(w, createBilling);
    await withStateDb(w, (q) => q('delete from pf_outbox'));
    const { mailed } = await applySteps(w, [{ do: 'api.delete', name: 'payments' }]);
    expect(await rows(w, 'select name from pf_apis')).toEqual([]);
    expect(await rows(w, 'select id from pf_registrations')).toEqual([]);
    expect((await rows(w, 'select name from pf_applications')).map((r) => r.name)).toEqual(['billing']);
    expect(mailed).toBe(1);
    expect(((await decisionMail(w))[0]!.changes as Array<{ status: string }>).map((c) => c.status)).toEqual([
      'access removed',
    ]);
  });

  it('moves an API with its registrations; steps before the move already name it by its new name', async () => {
    const w = workspace(backend.newState());
    baseState(w);
    await applySteps(w, [
      ...createBilling,
      {
        do: 'application.create',
        email: BOB,
        application: { name: 'shop', description: null, descriptionManaged: false },
      },
      { do: 'registration.create', email: BOB, application: 'shop', api: 'payments', status: 'approved' },
    ]);
    await withStateDb(w, (q) => q('delete from pf_outbox'));
    await applySteps(w, [
      { do: 'registration.delete', email: BOB, application: 'shop', api: 'charges' },
      { do: 'api.move', from: 'payments', to: 'charges' },
      {
        do: 'registration.transition',
        email: ADA,
        application: 'billing',
        api: 'charges',
        from: 'approved',
        to: 'revoked',
      },
    ]);
    expect(await rows(w, 'select name from pf_apis')).toEqual([{ name: 'charges' }]);
    expect(await rows(w, 'select api, status from pf_registrations')).toEqual([{ api: 'charges', status: 'revoked' }]);
    expect(await decisionMail(w)).toEqual([
      {
        to: ADA,
        changes: [
          { subject: 'your application "billing" on the API "Payments API"', status: 'revoked', about: 'registration' },
        ],
      },
      {
        to: BOB,
        changes: [
          {
            subject: 'your application "shop" on the API "Payments API"',
            status: 'access removed',
            about: 'registration',
          },
        ],
      },
    ]);
  });

  it('writes nothing when a step fails: the whole apply is one transaction', async () => {
    const w = workspace(backend.newState());
    baseState(w);
    const tables = async () =>
      JSON.stringify(
        await Promise.all(
          ['pf_apis', 'pf_applications', 'pf_credentials', 'pf_registrations', 'pf_history'].map((t) =>
            rows(w, `select count(*) as n from ${t}`),
          ),
        ),
      );
    const before = await tables();
    // The registration names an API no step created: its row cannot be written.
    await expect(
      applySteps(w, [
        ...createBilling,
        { do: 'registration.create', email: ADA, application: 'billing', api: 'nowhere', status: 'approved' },
      ]),
    ).rejects.toThrow();
    expect(await tables()).toBe(before);
    expect(await decisionMail(w)).toEqual([]);
  });
});

describe('the decision message of applications and registrations', () => {
  const render = (changes: DecisionChange[]) =>
    renderMessage(
      { kind: 'decision', to: ADA, developerId: 'd', fullName: 'Ada', changes },
      'https://portal.example.com',
      async () => {
        throw new Error('a decision carries no link token');
      },
    );

  it('says what a registration decision means for the application, apart from the account', async () => {
    const mail = await render([
      { subject: 'your developer account', status: 'approved' },
      { subject: 'your application "billing" on the API "Payments API"', status: 'approved', about: 'registration' },
      { subject: 'your application "shop" on the API "Payments API"', status: 'revoked', about: 'registration' },
      { subject: 'your application "old"', status: 'access removed', about: 'application' },
    ]);
    expect(mail.subject).toBe('News about your access');
    expect(mail.text).toContain(
      '  - your developer account: approved\n' +
        '  - your application "billing" on the API "Payments API": approved\n' +
        '  - your application "shop" on the API "Payments API": revoked\n' +
        '  - your application "old": access removed',
    );
    expect(mail.text).toContain('Approved: you can sign in');
    expect(mail.text).toContain('Approved registration: the application’s credentials may call that API');
    expect(mail.text).toContain('Revoked registration: the application’s credentials can no longer call that API');
    expect(mail.text).toContain('Access removed: the application or registration was deleted');
    expect(mail.text).not.toContain('You can no longer sign in'); // the account was not revoked
  });

  it('gives a lone registration decision a subject of its own', async () => {
    const mail = await render([
      { subject: 'your application "billing" on the API "Payments API"', status: 'rejected', about: 'registration' },
    ]);
    expect(mail.subject).toBe('Your application’s API registration was declined');
    expect(mail.text).toContain('Rejected registration: the application may not call that API');
    expect(mail.text).not.toContain('Sign in');
  });
});
