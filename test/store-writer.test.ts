// The state writer batches inserts into multi-row statements, as many rows to a statement as the
// backend's parameter limit allows for the table's column count, on SQLite and PostgreSQL alike.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore, StateWriter, type CredentialRowInput, type DeveloperRowInput } from '../src/store/index.js';
import type { KyselyPlugin, ValuesNode } from 'kysely';
import { BACKENDS, dropTestSchemas } from './helpers/backends.js';

afterAll(dropTestSchemas);

const HOLDER = { user: 'test', host: 'test', pid: process.pid, operation: 'test' };
const NOW = '2026-01-01T00:00:00.000Z';

function developers(count: number): DeveloperRowInput[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `d${i}`,
    email: `dev${i}@example.com`,
    fullName: `Dev ${i}`,
    status: 'approved',
    customId: null,
    meta: { n: String(i) },
    origin: 'manifest',
  }));
}

function credentials(count: number): CredentialRowInput[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `c${i}`,
    developerId: `d${i}`,
    type: 'acl',
    identity: `g${i}`,
    uniqueValue: null,
    fields: { group: `g${i}` },
    secrets: {},
    active: true,
    origin: 'manifest',
  }));
}

/** Records, per insert statement, its table, how many rows it carries and how many parameters. */
function insertRecorder(): {
  plugin: KyselyPlugin;
  statements: Array<{ table: string; rows: number; params: number }>;
} {
  const statements: Array<{ table: string; rows: number; params: number }> = [];
  const plugin: KyselyPlugin = {
    transformQuery({ node }) {
      if (node.kind === 'InsertQueryNode' && node.values?.kind === 'ValuesNode') {
        const rows = (node.values as ValuesNode).values;
        statements.push({
          table: node.into!.table.identifier.name,
          rows: rows.length,
          params: rows.reduce((n, row) => n + row.values.length, 0),
        });
      }
      return node;
    },
    async transformResult({ result }) {
      return result;
    },
  };
  return { plugin, statements };
}

describe.each(BACKENDS)('state writer on $name', (backend) => {
  const dir = mkdtempSync(join(tmpdir(), 'portalform-writer-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    // developers have 11 columns (email_verified since the mail migration), credentials 12 (application_id since 0012)
    { maxParams: 25, developerBatches: [2, 2, 1], credentialBatches: [2, 2, 1] },
    { maxParams: 24, developerBatches: [2, 2, 1], credentialBatches: [2, 2, 1] },
    { maxParams: 22, developerBatches: [2, 2, 1], credentialBatches: [1, 1, 1, 1, 1] },
    { maxParams: 21, developerBatches: [1, 1, 1, 1, 1], credentialBatches: [1, 1, 1, 1, 1] },
    { maxParams: 5, developerBatches: [1, 1, 1, 1, 1], credentialBatches: [1, 1, 1, 1, 1] },
  ])(
    'inserts in statements of at most $maxParams parameters',
    async ({ maxParams, developerBatches, credentialBatches }) => {
      const store = openStore(backend.newState() ?? join(dir, `state-${maxParams}.db`), dir);
      try {
        const { plugin, statements } = insertRecorder();
        const state = await store.withWriteSession(
          HOLDER,
          0,
          () => undefined,
          async (session) => {
            await session.transaction(async () => {
              const writer = new StateWriter(session.conn.withPlugin(plugin), maxParams);
              await writer.insertDevelopers(developers(5), NOW);
              await writer.insertCredentials(credentials(5), NOW);
            });
            return session.read();
          },
        );
        const batches = (table: string) => statements.filter((s) => s.table === table);
        expect(batches('pf_developers').map((s) => s.rows)).toEqual(developerBatches);
        expect(batches('pf_credentials').map((s) => s.rows)).toEqual(credentialBatches);
        // A row wider than the limit still goes, alone in its statement.
        for (const s of statements) expect(s.rows === 1 || s.params <= maxParams).toBe(true);
        expect(state.developers.map((d) => [d.email, d.meta, d.credentials.map((c) => c.identity)])).toEqual(
          developers(5).map((d, i) => [d.email, d.meta, [`g${i}`]]),
        );
      } finally {
        await store.close();
      }
    },
  );

  it('sends no statement for no rows', async () => {
    const store = openStore(backend.newState() ?? join(dir, 'state-empty.db'), dir);
    try {
      const { plugin, statements } = insertRecorder();
      await store.withWriteSession(
        HOLDER,
        0,
        () => undefined,
        (session) =>
          session.transaction(async () => {
            const writer = new StateWriter(session.conn.withPlugin(plugin), 100);
            await writer.insertDevelopers([], NOW);
            await writer.insertCredentials([], NOW);
          }),
      );
      expect(statements).toEqual([]);
    } finally {
      await store.close();
    }
  });
});
