// Racing applies on each backend: every run completes or is refused cleanly, and nothing is lost.
import { spawnSync } from 'node:child_process';
import { hostname, userInfo } from 'node:os';
import SqliteDatabase from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { BACKENDS, dropTestSchemas } from './helpers/backends.js';
import { workspace, type Workspace } from './helpers/cli.js';
import { emails, expectLockRefusal, frozenApply, manifest, start, type Finished } from './helpers/locking.js';

afterAll(dropTestSchemas);

const RACERS = 6;
const BASE = emails('base', 20);
const racer = (i: number): string => `racer${i}@example.com`;

function json<T = any>(text: string): T {
  return JSON.parse(text);
}

/** Each apply's full entry: `history --json` lists summaries, `history show N --json` the changes. */
function applyEntries(w: Workspace): any[] {
  const listed = json(w.run(['history', '--json']).stdout).entries.filter((e: any) => e.kind === 'apply');
  return listed.map((e: any) => {
    const shown = w.run(['history', 'show', String(e.serial), '--json']);
    if (shown.code !== 0) throw new Error(`history show ${e.serial} failed: ${shown.stderr}`);
    return json(shown.stdout);
  });
}

function developerEmails(entry: any, op: 'create' | 'delete'): string[] {
  return entry.changes
    .filter((c: any) => c.kind === 'developer' && c.op === op)
    .map((c: any) => JSON.parse(c.address.slice('developer['.length, -1)));
}

/** The base is applied first (serial 1); then each racer applies the base plus a developer of its own. */
function raceWorkspace(w: Workspace): void {
  w.write('base/m.yaml', manifest(BASE));
  const base = w.run(['apply', 'base', '--auto-approve']);
  expect(base.code, base.stderr).toBe(0);
  for (let i = 0; i < RACERS; i++) w.write(`racer${i}/m.yaml`, manifest([...BASE, racer(i)]));
}

async function race(w: Workspace, extra: string[]): Promise<Finished[]> {
  const runs = Array.from({ length: RACERS }, (_, i) =>
    start(w, ['apply', `racer${i}`, '--auto-approve', '--actor', `racer-${i}`, ...extra]),
  );
  return Promise.all(runs.map((run) => run.done));
}

/**
 * Every racer's manifest differs from whatever state another racer left, so every apply that ran
 * changed something. If two applies had planned against the same state, both would delete the
 * same earlier racer and the state would end with two racers: the chain below would break.
 */
function expectNothingLost(w: Workspace, results: Finished[]): void {
  const winners: string[] = [];
  results.forEach((result, i) => {
    if (result.code === 0) winners.push(racer(i));
    else expectLockRefusal(result);
  });
  const entries = applyEntries(w);
  expect(entries.map((e) => e.serial)).toEqual(Array.from({ length: 1 + winners.length }, (_, i) => i + 1));
  const racerEntries = entries.slice(1);
  const created = racerEntries.map((e) => developerEmails(e, 'create'));
  expect(created.flat().sort()).toEqual([...winners].sort());
  racerEntries.forEach((entry, k) => {
    expect(created[k]).toHaveLength(1);
    expect(entry.actor).toBe(`racer-${created[k]![0]!.match(/\d+/)![0]}`);
    expect(developerEmails(entry, 'delete'), `apply ${entry.serial} saw the one before it`).toEqual(
      k === 0 ? [] : created[k - 1],
    );
  });
  const listing = json(w.run(['state', 'list', '--json']).stdout);
  expect(listing.serial).toBe(1 + winners.length);
  expect(listing.developers.map((d: any) => d.email).sort()).toEqual([...BASE, ...(created.at(-1) ?? [])].sort());
  expect(w.run(['history', 'verify']).code).toBe(0);
}

describe.each(BACKENDS)('concurrent runs on $name', (backend) => {
  const ws = (): Workspace => workspace(backend.newState());

  it(`races ${RACERS} applies without --lock-timeout: each completes or is refused at once, and nothing is lost`, async () => {
    const w = ws();
    raceWorkspace(w);
    expectNothingLost(w, await race(w, []));
  });

  it(`races ${RACERS} applies with --lock-timeout: all complete, one after another`, async () => {
    const w = ws();
    raceWorkspace(w);
    const results = await race(w, ['--lock-timeout', '60s']);
    expect(results.map((r) => r.code)).toEqual(results.map(() => 0));
    expectNothingLost(w, results);
  });

  it('refuses the saved plan that lost the race as stale', async () => {
    const w = ws();
    raceWorkspace(w);
    for (const i of [0, 1]) expect(w.run(['plan', `racer${i}`, '--out', `racer${i}.plan`]).code).toBe(0);
    const results = await Promise.all(
      [0, 1].map((i) => start(w, ['apply', `racer${i}.plan`, '--lock-timeout', '60s']).done),
    );
    const [won, lost] = results[0]!.code === 0 ? results : [results[1]!, results[0]!];
    expect(won!.code, won!.stderr).toBe(0);
    expect(lost!.code).toBe(1);
    expect(lost!.stderr).toMatch(/^Error: Saved plan is stale/m);
    expect(applyEntries(w)).toHaveLength(2);
    expect(json(w.run(['state', 'list', '--json']).stdout).serial).toBe(2);
  });

  // The frozen apply is big only so that the lock is held long enough for the probe to catch it
  // (every 10 ms); a dozen CLI runs follow. On a busy 2-core machine this took near the suites'
  // 60 s default on PostgreSQL, so it has its own limit; the times it asserts are its own.
  it('names the holder to a refused run, waits with --lock-timeout, and lets plans read a snapshot meanwhile', async () => {
    const w = ws();
    w.write('base/m.yaml', manifest(BASE));
    expect(w.run(['apply', 'base', '--auto-approve']).code).toBe(0);
    w.write('big/m.yaml', manifest([...BASE, ...emails('big', 1000)]));
    w.write('other/m.yaml', manifest([...BASE, 'other@example.com']));

    const frozen = await frozenApply(w, 'big');
    const { lock } = frozen;
    try {
      const planned = w.run(['plan', 'other', '--json']);
      expect(planned.code, planned.stderr).toBe(0);
      expect(json(planned.stdout).state.serial).toBe(1);
      expect(json(w.run(['state', 'list', '--json']).stdout).developers).toHaveLength(BASE.length);

      const started = Date.now();
      const refused = w.run(['apply', 'other', '--auto-approve']);
      expect(Date.now() - started, 'refused at once, without waiting').toBeLessThan(4_000);
      expectLockRefusal(refused);
      const who = `${userInfo().username}@${hostname()} (pid ${frozen.run.child.pid}, apply) since ${lock.since}`;
      expect(refused.stderr).toContain(`locked by ${who} (lock ID ${lock.id}`);
      expect(refused.stderr).toMatch(/--lock-timeout/);
      expect(refused.stderr).toContain(`force-unlock ${lock.id}`);

      const waitStarted = Date.now();
      expectLockRefusal(w.run(['apply', 'other', '--auto-approve', '--lock-timeout', '1s']));
      expect(Date.now() - waitStarted).toBeGreaterThanOrEqual(1_000);
    } finally {
      frozen.resume();
    }
    const waiter = start(w, ['apply', 'other', '--auto-approve', '--lock-timeout', '60s']);
    const [held, waited] = await Promise.all([frozen.run.done, waiter.done]);
    expect(held.code, held.stderr).toBe(0);
    expect(waited.code, waited.stderr).toBe(0);
    expect(applyEntries(w).map((e) => e.serial)).toEqual([1, 2, 3]);
    expect(w.run(['history', 'verify']).code).toBe(0);
  }, 180_000);
});

describe('SQLite lock records', () => {
  function initialized(): Workspace {
    const w = workspace();
    w.write('m.yaml', manifest(BASE));
    expect(w.run(['apply', 'm.yaml', '--auto-approve']).code).toBe(0);
    w.write('m.yaml', manifest([...BASE, 'next@example.com']));
    return w;
  }

  function plantLock(w: Workspace, holder: { host: string; pid: number }): string {
    const lockId = 'a5e1c0de-0000-4000-8000-000000000001';
    const db = new SqliteDatabase(w.state);
    try {
      db.prepare('insert into pf_locks (name, lock_id, holder, since) values (?, ?, ?, ?)').run(
        'apply',
        lockId,
        JSON.stringify({ user: 'ci', host: holder.host, pid: holder.pid, operation: 'apply' }),
        '2026-01-01T00:00:00.000Z',
      );
    } finally {
      db.close();
    }
    return lockId;
  }

  it('keeps a lock left on another host until force-unlock clears it', () => {
    const w = initialized();
    const lockId = plantLock(w, { host: 'ci-runner-7', pid: 4242 });

    const refused = w.run(['apply', 'm.yaml', '--auto-approve']);
    expectLockRefusal(refused);
    expect(refused.stderr).toContain(
      `locked by ci@ci-runner-7 (pid 4242, apply) since 2026-01-01T00:00:00.000Z (lock ID ${lockId})`,
    );
    expect(w.run(['plan', 'm.yaml']).code, 'plans do not wait for the lock').toBe(0);

    const unlocked = w.run(['force-unlock', lockId]);
    expect(unlocked.code, unlocked.stderr).toBe(0);
    expect(unlocked.stdout).toContain(lockId);
    expect(w.run(['apply', 'm.yaml', '--auto-approve']).code).toBe(0);
    expect(w.run(['force-unlock', lockId])).toMatchObject({ code: 1, stderr: expect.stringMatching(/not held/) });
  });

  it('takes over, with a warning, a lock whose holder on this host is gone', () => {
    const w = initialized();
    const gone = spawnSync(process.execPath, ['-e', 'process.exit(0)']).pid!;
    plantLock(w, { host: hostname(), pid: gone });

    const applied = w.run(['apply', 'm.yaml', '--auto-approve']);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stderr).toContain(`Warning: taking over the lock left by ci@${hostname()} (pid ${gone}, apply)`);
    expect(json(w.run(['state', 'list', '--json']).stdout).serial).toBe(2);
  });

  it('refuses a lock held by a live process on this host', () => {
    const w = initialized();
    plantLock(w, { host: hostname(), pid: process.pid });
    expectLockRefusal(w.run(['apply', 'm.yaml', '--auto-approve']));
  });
});
