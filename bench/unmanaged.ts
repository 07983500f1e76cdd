// What self-service leaves in a state: developers who signed up (a tenth of them still pending, the
// access-request queue) and the credentials they made, written straight into the state's tables
// as the service would have, so the plan bench can measure plans with them present (docs/unmanaged.md).
import Database from 'better-sqlite3';
import pg from 'pg';

export interface UnmanagedCounts {
  developers: number;
  credentialsPerDeveloper: number;
}

/** With the 100,000 developers of the bench: 10,000 self-registered ones and 20,000 self-made credentials. */
export function unmanagedFor(managedDevelopers: number): UnmanagedCounts {
  return { developers: Math.max(1, Math.round(managedDevelopers / 10)), credentialsPerDeveloper: 2 };
}

/** The statements, the same on both dialects: a recursive count, string concatenation. */
function statements({ developers, credentialsPerDeveloper }: UnmanagedCounts): string[] {
  const at = `'2026-06-01T00:00:00.000Z'`;
  const series = (n: number) => `with recursive n(i) as (select 1 union all select i + 1 from n where i < ${n})`;
  return [
    `insert into pf_developers (id, email, full_name, status, custom_id, meta, origin, created_at, updated_at, sync_digest, password_hash)
       ${series(developers)}
       select 'self-dev-' || i, 'self' || i || '@signup.example.com', 'Self Registered ' || i,
              case when i % 10 = 0 then 'pending' else 'approved' end, null, '{}', 'self-service', ${at}, ${at}, null, null from n`,
    `insert into pf_credentials (id, developer_id, type, identity, unique_value, fields, secrets, active, origin, created_at, updated_at)
       ${series(developers * credentialsPerDeveloper)}
       select 'self-cred-' || i, 'self-dev-' || (1 + (i - 1) % ${developers}), 'key-auth', 'app-' || (1 + (i - 1) / ${developers}),
              'self-key-digest-' || i, '{"name":"app-' || (1 + (i - 1) / ${developers}) || '"}',
              '{"key":{"digest":"self-key-digest-' || i || '","generated":true}}',
              case when (1 + (i - 1) % ${developers}) % 10 = 0 then 0 else 1 end, 'self-service', ${at}, ${at} from n`,
  ];
}

export function addUnmanagedSqlite(file: string, counts: UnmanagedCounts): void {
  const db = new Database(file);
  try {
    db.transaction(() => {
      for (const s of statements(counts)) db.exec(s);
    })();
  } finally {
    db.close();
  }
}

export async function addUnmanagedPostgres(url: string, schema: string, counts: UnmanagedCounts): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`set search_path to "${schema}"`);
    await client.query('begin');
    for (const statement of statements(counts)) await client.query(statement);
    await client.query('commit');
  } finally {
    await client.end();
  }
}
