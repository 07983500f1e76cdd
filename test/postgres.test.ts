// What only the PostgreSQL state has: URLs, schemas, a server that can be away or drop the
// connection, and a session-scoped advisory lock. The shared workflow runs in the suites
// parametrized over BACKENDS.
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { newPostgresState, PG_URL, POSTGRES_AVAILABLE, dropTestSchemas } from './helpers/backends.js';
import { workspace, type RunResult, type Workspace } from './helpers/cli.js';
import { emails, expectLockRefusal, frozenApply, manifest, start, waitFor } from './helpers/locking.js';

afterAll(dropTestSchemas);

const BASE = emails('base', 10);
const PASSWORD = 'Pa55%2Fw0rd-never-shown'; // as written in the URL; decoded it reads Pa55/w0rd-…

function json<T = any>(text: string): T {
  return JSON.parse(text);
}

function schemaOf(state: string): string {
  return new URL(state).searchParams.get('schema')!;
}

/** One readable line on stderr, never a stack trace. */
function expectOneLineError(result: RunResult, pattern: RegExp): void {
  expect(result.code).toBe(1);
  expect(result.stderr.trimEnd().split('\n'), result.stderr).toHaveLength(1);
  expect(result.stderr).toMatch(pattern);
}

function withBase(w: Workspace): void {
  w.write('base/m.yaml', manifest(BASE));
  w.write('other/m.yaml', manifest([...BASE, 'other@example.com']));
  const applied = w.run(['apply', 'base', '--auto-approve']);
  expect(applied.code, applied.stderr).toBe(0);
}

async function withClient<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

describe.skipIf(!POSTGRES_AVAILABLE)('PostgreSQL state', () => {
  it('runs every command with --state postgresql://…, the flag winning over PORTALFORM_STATE', () => {
    const w = workspace(); // PORTALFORM_STATE points at a SQLite file that must stay untouched
    const url = newPostgresState().replace(/^postgres:/, 'postgresql:');
    const run = (...args: string[]): RunResult => w.run([...args, '--state', url]);
    w.write('m.yaml', manifest(BASE));

    expect(w.run(['validate', 'm.yaml']).code).toBe(0); // validate reads no state: it takes no --state
    expect(json(run('plan', 'm.yaml', '--json').stdout).state).toEqual({ lineage: null, serial: 0 });
    expect(run('apply', 'm.yaml', '--auto-approve').code).toBe(0);
    expect(json(run('state', 'list', '--json').stdout)).toMatchObject({
      serial: 1,
      developers: expect.arrayContaining([expect.objectContaining({ email: BASE[0] })]),
    });
    expect(json(run('show', '--json').stdout)).toMatchObject({ serial: 1 });
    expect(json(run('history', '--json').stdout).entries).toHaveLength(1);
    expect(run('history', 'verify').stdout).toMatch(/History verified: 1 entry/);
    expect(run('export').stdout).toContain(BASE[0]);
    expect(run('plan', 'm.yaml', '--detailed-exitcode').code).toBe(0);
    expect(run('force-unlock', 'no-such-lock')).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/is not held; the state is not locked/),
    });

    // The SQLite file PORTALFORM_STATE names was never created: the readers say there is no state there.
    for (const args of [['state', 'list'], ['history']]) {
      const untouched = w.run(args);
      expect(untouched.code).toBe(1);
      expect(untouched.stderr).toContain(`no state at ${w.state}`);
    }
  });

  it('keeps states in two schemas of one database apart, locks included', async () => {
    const [a, b] = [workspace(newPostgresState()), workspace(newPostgresState())];
    withBase(a);
    b.write('m.yaml', manifest(['solo@example.com']));
    expect(b.run(['apply', 'm.yaml', '--auto-approve']).code).toBe(0);

    const [listA, listB] = [a, b].map((w) => json(w.run(['state', 'list', '--json']).stdout));
    expect(listA.lineage).not.toBe(listB.lineage);
    expect(listA.developers).toHaveLength(BASE.length);
    expect(listB.developers.map((d: any) => d.email)).toEqual(['solo@example.com']);

    a.write('big/m.yaml', manifest([...BASE, ...emails('big', 2000)]));
    const frozen = await frozenApply(a, 'big');
    try {
      b.write('m.yaml', manifest(['solo@example.com', 'duo@example.com']));
      const applied = b.run(['apply', 'm.yaml', '--auto-approve']);
      expect(applied.code, `another schema's lock does not hold this one: ${applied.stderr}`).toBe(0);
    } finally {
      frozen.resume();
    }
    expect((await frozen.run.done).code).toBe(0);
    expect(json(b.run(['history', '--json']).stdout).entries).toHaveLength(2);
    expect(json(a.run(['history', '--json']).stdout).entries).toHaveLength(2);
  });

  it.skipIf(new URL(PG_URL).hostname !== '127.0.0.1')(
    'shares one lock however the server is named in the URL',
    async () => {
      const w = workspace(newPostgresState());
      withBase(w);
      w.write('big/m.yaml', manifest([...BASE, ...emails('big', 2000)]));
      const frozen = await frozenApply(w, 'big');
      try {
        const otherSpelling = new URL(w.state);
        otherSpelling.hostname = 'localhost';
        expectLockRefusal(w.run(['apply', 'other', '--auto-approve', '--state', otherSpelling.toString()]));
      } finally {
        frozen.resume();
      }
      expect((await frozen.run.done).code).toBe(0);
    },
  );

  it('never prints the password of the URL, in results or errors', async () => {
    const url = new URL(newPostgresState());
    if (!url.password) url.password = PASSWORD; // the test server trusts local connections
    const password = url.password;
    const w = workspace(url.toString());
    withBase(w);
    w.write('big/m.yaml', manifest([...BASE, ...emails('big', 2000)]));

    const results: RunResult[] = [w.run(['state', 'list']), w.run(['plan', 'other']), w.run(['history'])];
    const frozen = await frozenApply(w, 'big');
    try {
      results.push(w.run(['apply', 'other', '--auto-approve']), w.run(['force-unlock', frozen.lock.id]));
    } finally {
      frozen.resume();
    }
    const unreachable = new URL(url);
    unreachable.port = '1';
    results.push(w.run(['plan', 'other', '--state', unreachable.toString()]));
    results.push(w.run(['plan', 'other', '--state', `${url.toString().replace(/schema=\w+/, 'schema=no-such-name')}`]));

    expect(results[3]!.stderr).toContain(':***@');
    for (const result of results) {
      for (const spelling of [password, decodeURIComponent(password)]) {
        expect(result.stdout + result.stderr).not.toContain(spelling);
      }
    }
    await frozen.run.done;
  });

  it('fails in one line naming the state when the server is unreachable', () => {
    const url = new URL(newPostgresState());
    url.port = '1';
    const w = workspace(url.toString());
    w.write('m.yaml', manifest(BASE));
    for (const args of [
      ['plan', 'm.yaml'],
      ['apply', 'm.yaml', '--auto-approve'],
      ['state', 'list'],
      ['history', 'verify'],
    ]) {
      expectOneLineError(
        w.run(args),
        /^Error: cannot connect to the PostgreSQL state at postgres:\/\/.*127\.0\.0\.1:1\/.*ECONNREFUSED/,
      );
    }
  });

  it('rolls back an apply whose connection is killed in the middle of its transaction', async () => {
    const w = workspace(newPostgresState());
    withBase(w);
    w.write('big/m.yaml', manifest([...BASE, ...emails('big', 2000)]));
    const before = ['state list', 'history'].map((command) => w.run([...command.split(' '), '--json']).stdout);

    const outcome = await withClient((blocker) =>
      withClient(async (observer) => {
        // Holding the serial row stops the apply at its last write, with everything else written.
        // (pg_stat_activity is watched from another session: a transaction sees a frozen copy.)
        await blocker.query('begin');
        await blocker.query(`select 1 from "${schemaOf(w.state)}".pf_meta where key = 'serial' for update`);
        const blockerPid = (await blocker.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
        const big = start(w, ['apply', 'big', '--auto-approve']);
        const backend = await waitFor('the apply to wait on the serial row', async () => {
          const found = await observer.query<{ pid: number }>(
            `select pid from pg_stat_activity where application_name = 'portalform' and $1 = any(pg_blocking_pids(pid))`,
            [blockerPid],
          );
          return found.rows[0]?.pid ?? null;
        });
        await observer.query('select pg_terminate_backend($1)', [backend]);
        await blocker.query('rollback');
        return big.done;
      }),
    );

    expect(outcome.code).toBe(1);
    expect(outcome.stderr.trimEnd().split('\n'), outcome.stderr).toHaveLength(1);
    expect(outcome.stderr).toMatch(
      /^Error: lost the connection to the PostgreSQL state at .*terminating connection due to administrator command/,
    );
    expect(['state list', 'history'].map((command) => w.run([...command.split(' '), '--json']).stdout)).toEqual(before);
    expect(w.run(['history', 'verify']).code).toBe(0);
    expect(w.run(['apply', 'other', '--auto-approve']).code, 'the lock died with the session').toBe(0);
  });

  it('explains that advisory locks end with their session: force-unlock cannot free a live one and a dead one needs none', async () => {
    expect(workspace().run(['force-unlock', '--help']).stdout).toMatch(/advisory locks end with\s+their session/);
    const w = workspace(newPostgresState());
    withBase(w);
    w.write('big/m.yaml', manifest([...BASE, ...emails('big', 2000)]));
    const frozen = await frozenApply(w, 'big');
    let refused: RunResult;
    try {
      refused = w.run(['force-unlock', frozen.lock.id]);
    } finally {
      frozen.run.child.kill('SIGKILL'); // a crash: the session ends, the lock record stays
    }
    expectOneLineError(
      refused,
      /still held by a live PostgreSQL session \(pid \d+\).*advisory locks end with their session.*pg_terminate_backend\(\d+\)/,
    );
    expect((await frozen.run.done).signal).toBe('SIGKILL');

    const applied = w.run(['apply', 'other', '--auto-approve', '--lock-timeout', '10s']);
    expect(applied.code, applied.stderr).toBe(0);
    expect(json(w.run(['state', 'list', '--json']).stdout).serial).toBe(2);
  });
});
