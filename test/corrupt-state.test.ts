// Corrupt or foreign state and plan files: each is refused with a clear message, and the state
// file is left exactly as it was, byte for byte.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { runCli, workspace, type Workspace } from './helpers/cli.js';

const NO_STACK_TRACE = /\n\s+at /;

const PENDING = 'version: 1\ndevelopers:\n  - { email: ada@example.com, fullName: Ada, status: pending }\n';
const APPROVED = PENDING.replace('pending', 'approved');

/** Every command that opens the state, the writing one included. */
const STATE_COMMANDS = [
  ['plan', 'm.yaml'],
  ['apply', 'm.yaml', '--auto-approve'],
  ['state', 'list'],
  ['history', 'verify'],
  ['history'],
  ['show'],
  ['export'],
];

function seeded(): Workspace {
  const w = workspace();
  w.write('m.yaml', PENDING);
  const applied = w.run(['apply', 'm.yaml', '--auto-approve']);
  expect(applied.code, applied.stderr).toBe(0);
  return w;
}

/** Runs the commands (side by side) and checks each is refused with `message`, the state file's bytes untouched. */
async function expectRefusedUnchanged(w: Workspace, commands: string[][], message: RegExp): Promise<void> {
  const before = readFileSync(w.state);
  const results = await Promise.all(
    commands.map((args) => runCli(args, { cwd: w.dir, env: { PORTALFORM_STATE: w.state } })),
  );
  results.forEach((result, i) => {
    const command = `portalform ${commands[i]!.join(' ')}`;
    expect(result.code, command).toBe(1);
    expect(result.stderr, command).toMatch(message);
    expect(result.stderr, command).not.toMatch(NO_STACK_TRACE);
  });
  expect(readFileSync(w.state).equals(before), 'the state file changed').toBe(true);
}

function tamper(path: string, statements: string): void {
  const db = new SqliteDatabase(path);
  try {
    db.exec(statements);
  } finally {
    db.close();
  }
}

describe('a corrupt state file', () => {
  it('is refused when truncated', async () => {
    const w = seeded();
    const bytes = readFileSync(w.state);
    for (const length of [100, Math.floor(bytes.length / 2), bytes.length - 4096]) {
      writeFileSync(w.state, bytes.subarray(0, length));
      await expectRefusedUnchanged(
        w,
        STATE_COMMANDS,
        /is not a readable portalform state: (database disk image is malformed|file is not a database)/,
      );
    }
  });

  it('is refused when it holds garbage', async () => {
    const w = workspace();
    w.write('m.yaml', PENDING);
    writeFileSync(w.state, randomBytes(16_384), { mode: 0o600 });
    await expectRefusedUnchanged(w, STATE_COMMANDS, /is not a readable portalform state: file is not a database/);
  });

  it('is refused when it is another application’s SQLite database', async () => {
    const w = workspace();
    w.write('m.yaml', PENDING);
    tamper(
      w.state,
      'create table invoices (id integer primary key, amount real); insert into invoices (amount) values (12.5);',
    );
    await expectRefusedUnchanged(w, STATE_COMMANDS, /is not a portalform state: .*invoices/);
  });
});

describe('a state written by a newer portalform', () => {
  it('is refused by every command, asking for an upgrade', async () => {
    const w = seeded();
    tamper(
      w.state,
      "insert into pf_migration (name, timestamp) values ('9999_from_the_future', '2100-01-01T00:00:00.000Z');",
    );
    await expectRefusedUnchanged(
      w,
      STATE_COMMANDS,
      /was written by a newer portalform \(schema 9999_from_the_future\); upgrade portalform/,
    );
  });
});

describe('a saved plan that does not belong to the state', () => {
  it('is refused when it was made for another state (lineage)', async () => {
    const other = seeded();
    other.write('m.yaml', APPROVED);
    expect(other.run(['plan', 'm.yaml', '--out', 'other.plan']).code).toBe(0);

    const w = seeded();
    w.write('other.plan', readFileSync(join(other.dir, 'other.plan'), 'utf8'));
    await expectRefusedUnchanged(
      w,
      [['apply', 'other.plan']],
      /Saved plan does not match this state: it was made for lineage/,
    );
  });

  it('is refused when made on no state and a state was created since', async () => {
    const early = workspace();
    early.write('m.yaml', PENDING);
    expect(early.run(['plan', 'm.yaml', '--out', 'early.plan']).code).toBe(0);
    expect(existsSync(early.state)).toBe(false);
    const w = seeded();
    w.write('early.plan', readFileSync(join(early.dir, 'early.plan'), 'utf8'));
    await expectRefusedUnchanged(
      w,
      [['apply', 'early.plan']],
      /Saved plan does not match this state: it was made when no state existed/,
    );
  });

  it('is refused when edited by hand (its digest no longer matches)', async () => {
    const w = seeded();
    w.write('m.yaml', APPROVED);
    expect(w.run(['plan', 'm.yaml', '--out', 'approve.plan']).code).toBe(0);
    const planText = readFileSync(join(w.dir, 'approve.plan'), 'utf8');
    expect(planText).toContain('"approved"');
    w.write('edited.plan', planText.replaceAll('"approved"', '"revoked"'));
    const digestMismatch = /edited\.plan was modified after it was made \(its digest does not match\); make a new plan/;
    await expectRefusedUnchanged(
      w,
      [
        ['apply', 'edited.plan'],
        ['show', 'edited.plan'],
      ],
      digestMismatch,
    );
  });

  it('is refused when truncated', async () => {
    const w = seeded();
    w.write('m.yaml', APPROVED);
    expect(w.run(['plan', 'm.yaml', '--out', 'approve.plan']).code).toBe(0);
    w.write('cut.plan', readFileSync(join(w.dir, 'approve.plan'), 'utf8').slice(0, 200));
    await expectRefusedUnchanged(
      w,
      [
        ['apply', 'cut.plan'],
        ['show', 'cut.plan'],
      ],
      /cut\.plan is not a readable saved plan/,
    );
  });
});
