// Issue 24, points 1–4 and 7: a command given a state that does not exist (a typo in --state, a
// directory that is not there, a PostgreSQL schema never created) says so and exits 1, instead of
// reading it as an empty portal, and creates nothing on the way; only plan takes it as empty.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { dropTestSchemas, newPostgresState, PG_URL } from './helpers/backends.js';
import { workspace } from './helpers/cli.js';

const ADA = 'developer["ada@example.com"]';

const READERS: [string, string[]][] = [
  ['state list', ['state', 'list']],
  ['state show', ['state', 'show', ADA]],
  ['show', ['show']],
  ['history', ['history']],
  ['history verify', ['history', 'verify']],
  ['requests', ['requests']],
];

const WRITERS: [string, string[]][] = [
  ['export (manifest)', ['export']],
  ['export --format deck', ['export', '--format', 'deck']],
  ['export --out DIR', ['export', '--out', 'exported']],
  ['invite', ['invite', ADA, '--public-url', 'https://portal.example.com']],
  ['secret reveal', ['secret', 'reveal', `${ADA}.credential["key-auth:ci"]`]],
];

afterAll(dropTestSchemas);

describe('a command on a missing SQLite state', () => {
  for (const [name, args] of [...READERS, ...WRITERS]) {
    it(`${name}: exits 1 naming the path, says to run apply, and creates nothing`, () => {
      const w = workspace();
      const result = w.run([...args, '--state', 'typo.db']);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`no state at ${join(w.dir, 'typo.db')}`);
      expect(result.stderr).toContain('portalform apply');
      expect(result.stdout).not.toContain('consumers');
      expect(readdirSync(w.dir)).toEqual([]);
    });
  }

  it('state list under a directory that does not exist: exit 1 naming the path', () => {
    const w = workspace();
    const result = w.run(['state', 'list', '--state', '/nonexistent/dir/s.db']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('no state at /nonexistent/dir/s.db');
    expect(existsSync('/nonexistent/dir')).toBe(false);
  });

  it('history verify does not report a verified history of nothing', () => {
    const result = workspace().run(['history', 'verify', '--state', 'missing.db']);
    expect(result.code).toBe(1);
    expect(result.stdout).not.toContain('History verified');
  });

  it('plan takes it as empty, with a note on stderr, and creates nothing', () => {
    const w = workspace();
    w.write(
      'portal.yaml',
      'version: 1\ndevelopers:\n  - email: ada@example.com\n    fullName: Ada\n    status: approved\n',
    );
    const result = w.run(['plan', 'portal.yaml', '--state', 'typo.db']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(`no state found at`);
    expect(result.stdout).toContain('Plan: 1 to create');
    expect(existsSync(join(w.dir, 'typo.db'))).toBe(false);
  });
});

describe('a command on a PostgreSQL schema that does not exist', () => {
  it('state list and export: exit 1 naming the URL, and the schema is not created', async () => {
    const state = newPostgresState();
    const schema = new URL(state).searchParams.get('schema');
    const w = workspace(state);
    for (const args of [
      ['state', 'list'],
      ['export', '--format', 'deck'],
      ['history', 'verify'],
    ]) {
      const result = w.run(args);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`no state at postgres://postgres@127.0.0.1:5432/test?schema=${schema}`);
    }
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    try {
      const found = await client.query('select 1 from information_schema.schemata where schema_name = $1', [schema]);
      expect(found.rowCount).toBe(0);
    } finally {
      await client.end();
    }
  });
});

describe('a state URL of a database portalform does not support', () => {
  it('says the scheme is not supported, never a file error, and never echoes the password', () => {
    const w = workspace();
    w.write('portal.yaml', 'version: 1\n');
    for (const args of [['state', 'list'], ['plan', 'portal.yaml'], ['export']]) {
      const result = w.run([...args, '--state', 'mysql://x:hunter2@y/z']);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain("the state location's scheme mysql:// is not supported");
      expect(result.stderr).not.toMatch(/ENOENT|hunter2/);
    }
    expect(existsSync(join(w.dir, 'mysql:'))).toBe(false);
  });
});
