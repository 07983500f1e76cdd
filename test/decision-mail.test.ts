// An apply's decision mail (docs/portal-service.md, "Mail"), through the real CLI on both backends:
// one message per developer whose status the apply changed, with its final status only; none to a
// developer it creates or deletes (whose waiting messages go with it); none from a failed apply;
// an apply whose mail cannot be queued still succeeds and says so; the message as a real SMTP
// server receives it.
import { writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { renderMessage, startMailSender } from '../src/mail/index.js';
import { openStore } from '../src/store/index.js';
import { BACKENDS, dropTestSchemas } from './helpers/backends.js';
import { workspace, type Workspace } from './helpers/cli.js';
import { startSmtpServer } from './helpers/smtp-server.js';
import { runSql, withStateDb } from './helpers/state-db.js';

afterAll(dropTestSchemas);

const SENTINEL_KEY = 'sentinel-key-3f9c2a7e41d8b6c0a95e7f1d2b4c6a8e';
const PUBLIC_URL = 'https://portal.example.com';

type Statuses = Record<string, string>;

/** A manifest of developers by name (`ada` is ada@example.com); an approved or revoked one has a key-auth credential. */
function manifest(statuses: Statuses): string {
  const entries = Object.entries(statuses).map(
    ([name, status]) =>
      `  - email: ${name}@example.com\n    fullName: ${name[0]!.toUpperCase()}${name.slice(1)}\n    status: ${status}\n` +
      (status === 'approved' || status === 'revoked'
        ? `    credentials:\n      - { type: key-auth, name: main, key: ${SENTINEL_KEY}-${name} }\n`
        : ''),
  );
  return `version: 1\ndevelopers:\n${entries.join('')}`;
}

function applyStatuses(w: Workspace, statuses: Statuses, extra: string[] = []) {
  w.write('portal/m.yaml', manifest(statuses));
  const run = w.run(['apply', 'portal', '--auto-approve', ...extra]);
  expect(run.code, run.stderr).toBe(0);
  return run;
}

interface Stored {
  to: string;
  status: string;
  developerId: string | null;
  payload: Record<string, unknown>;
}

/** The outbox's decision messages, by recipient. */
async function decisions(w: Workspace): Promise<Stored[]> {
  const rows = (await withStateDb(w, (q) =>
    q(`select recipient, developer_id, payload, status from pf_outbox where kind = 'decision'`),
  )) as Array<{ recipient: string; developer_id: string | null; payload: string; status: string }>;
  return rows
    .map((r) => ({ to: r.recipient, status: r.status, developerId: r.developer_id, payload: JSON.parse(r.payload) }))
    .sort((a, b) => a.to.localeCompare(b.to));
}

/** Recipient and final status of each waiting decision message. */
async function told(w: Workspace): Promise<Array<[string, unknown]>> {
  return (await decisions(w)).map((d) => [d.to, (d.payload.changes as Array<{ status: string }>)[0]!.status]);
}

function statusesOf(w: Workspace): Record<string, string> {
  const run = w.run(['state', 'list', '--json']);
  expect(run.code, run.stderr).toBe(0);
  const listed = JSON.parse(run.stdout) as { developers: Array<{ email: string; id?: string; status: string }> };
  return Object.fromEntries(listed.developers.map((d) => [d.email, d.status]));
}

describe.each(BACKENDS)('decision mail after an apply on $name', (backend) => {
  it('tells each developer whose status changed its final status, once; a created developer hears nothing', async () => {
    const w = workspace(backend.newState());
    const created = applyStatuses(w, { ada: 'pending', bob: 'pending', cy: 'pending', dan: 'approved' });
    expect(await decisions(w)).toEqual([]);
    expect(created.stdout).not.toContain('by mail');

    // approve, reject, pending → revoked (two steps, one message), revoke
    const run = applyStatuses(w, { ada: 'approved', bob: 'rejected', cy: 'revoked', dan: 'revoked' });
    expect(run.stdout).toContain('4 developers will be told of their new status by mail');
    expect(await told(w)).toEqual([
      ['ada@example.com', 'approved'],
      ['bob@example.com', 'rejected'],
      ['cy@example.com', 'revoked'],
      ['dan@example.com', 'revoked'],
    ]);
    const ada = (await decisions(w))[0]!;
    // What the row says: the developer, its name and the change; never a secret, a token or a link.
    expect(ada.payload).toEqual({
      kind: 'decision',
      to: 'ada@example.com',
      developerId: ada.developerId,
      fullName: 'Ada',
      changes: [{ subject: 'your developer account', status: 'approved' }],
    });
    const stored = JSON.stringify(await decisions(w));
    expect(stored).not.toContain(SENTINEL_KEY);
    expect(stored).not.toMatch(/token|https?:\/\//);

    // approve again: one more message, to dan alone; an apply that changes no status sends none
    applyStatuses(w, { ada: 'approved', bob: 'rejected', cy: 'revoked', dan: 'approved' });
    applyStatuses(w, { ada: 'approved', bob: 'rejected', cy: 'revoked', dan: 'approved', eve: 'approved' });
    expect((await told(w)).filter(([to]) => to === 'dan@example.com')).toEqual([
      ['dan@example.com', 'revoked'],
      ['dan@example.com', 'approved'],
    ]);
    expect(await decisions(w)).toHaveLength(5);

    const listed = w.run(['outbox', '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    const messages = JSON.parse(listed.stdout).messages as Array<{ kind: string; to: string; status: string }>;
    expect(messages.map((m) => [m.kind, m.status])).toEqual(Array(5).fill(['decision', 'waiting']));
    expect(listed.stdout).not.toContain(SENTINEL_KEY);
  });

  it('mails nothing to a deleted developer and drops its waiting message (the outbox row goes with it)', async () => {
    const w = workspace(backend.newState());
    applyStatuses(w, { ada: 'pending', bob: 'pending' });
    applyStatuses(w, { ada: 'approved', bob: 'approved' });
    expect(await told(w)).toEqual([
      ['ada@example.com', 'approved'],
      ['bob@example.com', 'approved'],
    ]);
    const adaId = (await decisions(w))[0]!.developerId!;

    applyStatuses(w, { bob: 'revoked' }); // ada deleted, bob revoked: one new message, bob's
    expect(await told(w)).toEqual([
      ['bob@example.com', 'approved'],
      ['bob@example.com', 'revoked'],
    ]);
    const left = await withStateDb(w, (q) => q(`select id from pf_outbox where developer_id = '${adaId}'`));
    expect(left).toEqual([]);

    // --replace deletes and creates anew: the new developer's news is its invite, not a decision
    const replaced = w.run(['apply', 'portal', '--auto-approve', '--replace', 'developer["bob@example.com"]']);
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(await decisions(w)).toEqual([]);
  });

  it('mails nothing from a failed apply, and the same as a fresh plan from a saved one', async () => {
    const w = workspace(backend.newState());
    applyStatuses(w, { ada: 'pending', bob: 'pending' });
    // Fails after every step ran, inside the transaction: the secrets file cannot be written.
    w.write(
      'portal/m.yaml',
      `${manifest({ bob: 'pending', ada: 'approved' })}      - { type: key-auth, name: generated }\n`,
    );
    const failed = w.run(['apply', 'portal', '--auto-approve', '--secrets-out', 'missing/dir/secrets.json']);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/ENOENT.*missing\/dir\/secrets\.json/);
    expect(statusesOf(w)['ada@example.com']).toBe('pending');
    expect(await decisions(w)).toEqual([]);

    w.write('portal/m.yaml', manifest({ ada: 'approved', bob: 'revoked' }));
    const planned = w.run(['plan', 'portal', '--out', 'reviewed.plan']);
    expect(planned.code, planned.stderr).toBe(0);
    const applied = w.run(['apply', 'reviewed.plan']);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toContain('2 developers will be told of their new status by mail');
    expect(await told(w)).toEqual([
      ['ada@example.com', 'approved'],
      ['bob@example.com', 'revoked'],
    ]);
  });

  it('still applies when the mail cannot be queued, and says why on stderr', async () => {
    const w = workspace(backend.newState());
    applyStatuses(w, { ada: 'pending' });
    await runSql(
      w,
      backend.name === 'postgres'
        ? [
            `create function refuse_outbox() returns trigger language plpgsql as $$
               begin raise exception 'the outbox is refused by the test'; end $$`,
            'create trigger refuse_outbox before insert on pf_outbox for each row execute function refuse_outbox()',
          ]
        : [
            `create trigger refuse_outbox before insert on pf_outbox
               begin select raise(abort, 'the outbox is refused by the test'); end`,
          ],
    );
    w.write('portal/m.yaml', manifest({ ada: 'approved' }));
    const run = w.run(['apply', 'portal', '--auto-approve']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('Apply complete!');
    expect(run.stdout).not.toContain('by mail');
    expect(run.stderr).toMatch(/Warning: the apply is complete, but its decision mail could not be queued \(/);
    expect(run.stderr).toMatch(
      /\(.*the outbox is refused by the test.*\): 1 developer will not be told of their new status/,
    );
    expect(statusesOf(w)['ada@example.com']).toBe('approved');
    expect(await decisions(w)).toEqual([]);
  });

  it('mails a developer the apply moves and decides on at its new address', async () => {
    const w = workspace(backend.newState());
    applyStatuses(w, { ada: 'pending', bob: 'approved' });
    w.write(
      'portal/m.yaml',
      manifest({ adele: 'approved', bob: 'approved' }).replace(
        'developers:',
        'moved:\n  - { from: ada@example.com, to: adele@example.com }\ndevelopers:',
      ),
    );
    const run = w.run(['apply', 'portal', '--auto-approve']);
    expect(run.code, run.stderr).toBe(0);
    expect(await told(w)).toEqual([['adele@example.com', 'approved']]);
    expect((await decisions(w))[0]!.payload.fullName).toBe('Adele');
  });

  it.skipIf(backend.name !== 'postgres')('gives up on a busy state after a short wait, and says so', async () => {
    const w = workspace(backend.newState());
    applyStatuses(w, { ada: 'pending' });
    w.write('portal/m.yaml', manifest({ ada: 'approved' }));
    // Another writer holds the outbox for the whole apply: the apply's own transaction does not need it.
    const run = await withStateDb(w, async (q) => {
      await q('begin');
      await q('lock table pf_outbox in access exclusive mode');
      const result = w.run(['apply', 'portal', '--auto-approve']);
      await q('rollback');
      return result;
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(
      'decision mail could not be queued (the state is busy: another writer held it for over 5 s): ' +
        '1 developer will not be told of their new status by mail',
    );
    expect(statusesOf(w)['ada@example.com']).toBe('approved');
    expect(await decisions(w)).toEqual([]);
  });

  it('reads well as a real SMTP server receives it: what the status means, whom to ask, no secret', async () => {
    const smtp = await startSmtpServer();
    const w = workspace(backend.newState());
    const store = openStore(w.state, w.dir);
    const logs: string[] = [];
    const log = (message: string) => logs.push(message);
    try {
      applyStatuses(w, { ada: 'pending', bob: 'approved', cy: 'pending' });
      applyStatuses(w, { ada: 'approved', bob: 'revoked', cy: 'rejected' });
      const sender = startMailSender({
        store,
        publicUrl: `${PUBLIC_URL}/`,
        smtpUrl: smtp.url,
        mailFrom: 'API portal <portal@example.com>',
        logger: { info: log, warn: log, error: log },
        tick: () => () => undefined,
      });
      expect(await sender.runOnce()).toMatchObject({ sent: 3, failed: 0 });
      await sender.stop();
      expect(await decisions(w)).toEqual([]); // sent messages are deleted
      const mail = Object.fromEntries(smtp.received.map((m) => [m.to[0]!, m]));
      if (process.env.SHOW_DECISION_MAIL) writeFileSync(process.env.SHOW_DECISION_MAIL, JSON.stringify(mail, null, 2));

      const ada = mail['ada@example.com']!;
      expect(ada.subject).toBe('Your developer portal access was approved');
      expect(ada.text).toMatch(/^Hello Ada,\r?\n\r?\n/);
      expect(ada.text).toContain('  - your developer account: approved');
      expect(ada.text).toContain(`you can sign in at ${PUBLIC_URL} with this address and your password`);
      expect(ada.html).toContain(`<a href="${PUBLIC_URL}/"`);

      const bob = mail['bob@example.com']!;
      expect(bob.subject).toBe('Your developer portal access was revoked');
      expect(bob.text).toContain('  - your developer account: revoked');
      expect(bob.text).toContain('You can no longer sign in, and your credentials stopped working');
      expect(bob.text).toContain('ask the team that runs this developer portal for your organisation');
      expect(bob.text).not.toContain('Sign in');
      expect(bob.html).toContain('<li>your developer account: revoked</li>');

      const cy = mail['cy@example.com']!;
      expect(cy.subject).toBe('Your developer portal access request was declined');
      expect(cy.text).toContain('your request for access was declined');
      expect(cy.text).toContain('ask the team that runs this developer portal for your organisation');

      for (const received of smtp.received) {
        expect(received.raw).not.toContain(SENTINEL_KEY);
        expect(received.raw).not.toMatch(/token=/);
        expect(received.html).toMatch(/^<!doctype html>/);
      }
      expect(logs.join('\n')).not.toContain(SENTINEL_KEY);
    } finally {
      await store.close();
      await smtp.stop();
    }
  });
});

describe('the decision message', () => {
  it('names each change and says what each status means; one subject for several changes', async () => {
    const mail = await renderMessage(
      {
        kind: 'decision',
        to: 'ada@example.com',
        developerId: 'd',
        fullName: 'Ada',
        changes: [
          { subject: 'your developer account', status: 'approved' },
          { subject: 'billing-app on the Orders API', status: 'access removed' },
        ],
      },
      PUBLIC_URL,
      async () => {
        throw new Error('a decision carries no link token');
      },
    );
    expect(mail.subject).toBe('News about your access');
    expect(mail.text).toContain(
      '  - your developer account: approved\n  - billing-app on the Orders API: access removed',
    );
    expect(mail.text).toContain('Approved: you can sign in');
    expect(mail.text).toContain('Access removed: it no longer gives you access.');
    expect(mail.html).toContain('<li>billing-app on the Orders API: access removed</li>');
  });
});
