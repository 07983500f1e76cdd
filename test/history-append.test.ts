import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appendEntry, GENESIS_HASH, verifyChain } from '../src/history.js';
import { openStore } from '../src/store/index.js';
import { plural } from '../src/util/plural.js';
import { tempDir } from './helpers/temp.js';

const holder = { user: 'test', host: 'test', pid: process.pid, operation: 'test' };

describe('appendEntry', () => {
  it('links the first entry to the genesis hash and each next one to the last, in a chain verify accepts', async () => {
    const store = openStore(join(tempDir('portalform-history-'), 'portalform.db'), process.cwd());
    try {
      const rows = await store.withWriteSession(
        holder,
        0,
        () => undefined,
        async (session) => {
          for (const serial of [0, 1]) {
            await session.transaction((w) =>
              appendEntry(w, 'apply', {
                kind: 'apply',
                serial,
                at: '2026-01-01T00:00:00Z',
                actor: 'ada',
                address: 'x',
              }),
            );
          }
          return session.readHistory();
        },
      );
      expect(rows.map((r) => r.prevHash)).toEqual([GENESIS_HASH, rows[0]!.hash]);
      expect(verifyChain(rows)).toEqual({ ok: true, entries: 2, head: rows[1]!.hash });
    } finally {
      await store.close();
    }
  });

  it('refuses an entry on a chain its kind does not belong to, writing nothing', async () => {
    const store = openStore(join(tempDir('portalform-history-'), 'portalform.db'), process.cwd());
    try {
      const rows = await store.withWriteSession(
        holder,
        0,
        () => undefined,
        async (session) => {
          const wrong = session.transaction((w) =>
            appendEntry(w, 'apply', { kind: 'reveal', serial: 0, at: '2026-01-01T00:00:00Z', actor: 'ada' }),
          );
          await expect(wrong).rejects.toThrow('a reveal entry does not belong to the apply chain');
          return session.readHistory();
        },
      );
      expect(rows).toEqual([]);
    } finally {
      await store.close();
    }
  });
});

describe('plural', () => {
  it('counts one without an s, any other number with one, or with the plural given', () => {
    expect([0, 1, 2].map((n) => plural(n, 'developer'))).toEqual(['0 developers', '1 developer', '2 developers']);
    expect([1, 3].map((n) => plural(n, 'entry', 'entries'))).toEqual(['1 entry', '3 entries']);
  });
});
