// A full disk during apply: SQLite's `max_page_count` caps the state file, so the apply's writes
// run out of room part-way. The apply must fail with a clear message and leave the state as it was.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { apply, history, listState } from '../src/index.js';

/** Connections opened on `path` may grow the file to at most `pages` pages (the limit is per connection). */
const pageLimit = vi.hoisted(() => ({ path: '', pages: 0 }));

vi.mock('better-sqlite3', async (importOriginal) => {
  const Original = (await importOriginal<{ default: typeof SqliteDatabase }>()).default;
  function LimitedDatabase(filename: string, options?: SqliteDatabase.Options): SqliteDatabase.Database {
    const db = new Original(filename, options);
    if (filename === pageLimit.path) db.pragma(`max_page_count = ${pageLimit.pages}`);
    return db;
  }
  LimitedDatabase.prototype = Original.prototype;
  return { default: LimitedDatabase };
});

const ENV = { PORTALFORM_STATE_KEY: 'full-disk-test-state-key-0123456789' };

function manifest(count: number, prefix: string): string {
  const lines = ['version: 1', 'developers:'];
  for (let i = 0; i < count; i++) {
    lines.push(
      `  - email: ${prefix}${i}@example.com`,
      `    fullName: ${'Developer with a long name '.repeat(4)}${i}`,
      '    status: approved',
    );
    lines.push(
      '    credentials:',
      '      - { type: key-auth, name: ci }',
      `      - { type: hmac-auth, username: ${prefix}-h${i} }`,
    );
  }
  return `${lines.join('\n')}\n`;
}

function pageCount(path: string): number {
  const db = new SqliteDatabase(path, { fileMustExist: true });
  try {
    return Number(db.pragma('page_count', { simple: true }));
  } finally {
    db.close();
  }
}

describe('an apply that fills the disk', () => {
  let dir = '';
  let state = '';

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'portalform-full-disk-'));
    state = join(dir, 'portalform.db');
    writeFileSync(join(dir, 'small.yaml'), manifest(20, 'small'));
    writeFileSync(join(dir, 'big.yaml'), manifest(2000, 'big'));
  });

  afterEach(() => {
    pageLimit.path = '';
    rmSync(dir, { recursive: true, force: true });
  });

  it('fails with a clear message and leaves an existing state unchanged', async () => {
    await apply({ state, paths: ['small.yaml'], cwd: dir, env: ENV });
    const before = { listing: await listState({ state }), history: await history({ state }) };
    Object.assign(pageLimit, { path: state, pages: pageCount(state) + 8 });

    await expect(apply({ state, paths: ['big.yaml'], cwd: dir, env: ENV })).rejects.toThrow(/database or disk is full/);

    pageLimit.path = '';
    expect(await listState({ state })).toEqual(before.listing);
    expect(await history({ state })).toEqual(before.history);
    // Nothing is left half-done: the lock was released and a later apply (with room) succeeds.
    expect((await apply({ state, paths: ['big.yaml'], cwd: dir, env: ENV })).serial).toBe(before.listing.serial + 1);
  });

  it('leaves no state behind when the first apply runs out of room', async () => {
    Object.assign(pageLimit, { path: state, pages: 40 });

    await expect(apply({ state, paths: ['big.yaml'], cwd: dir, env: ENV })).rejects.toThrow(/database or disk is full/);

    expect(existsSync(state)).toBe(false);
  });
});
