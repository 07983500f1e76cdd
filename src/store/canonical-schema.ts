// The migration to canonical emails (docs/state.md, "Canonical emails"): every stored address is
// rewritten in the one form it is compared in — developers (and a pending address change),
// tombstones and login counters; never history entries, which record what was. Developers that
// share one canonical form are kept, all of them: the migration cannot delete, so it gives the
// canonical spelling to the one a plan keeps (the one the manifests manage, else the oldest) and
// leaves the extra spellings as they are (one that held the canonical spelling takes the kept one's
// old spelling); a plan deletes them (plan/duplicates.ts). Every email stays unique throughout.
import { canonicalEmail } from '../util/canonical-email.js';
import { compareCodeUnits } from '../util/strings.js';
import type { Kysely } from './kysely.js';

interface DeveloperSpelling {
  id: string;
  email: string;
  origin: string;
  created_at: string;
}

export async function canonicalizeStoredEmails(db: Kysely<any>): Promise<void> {
  await canonicalizeDevelopers(db);
  await canonicalizeKeyedRows(db, 'pf_tombstones', 'deleted_at');
  await canonicalizeKeyedRows(db, 'pf_login_attempts', 'window_start');
  const pending = await db
    .selectFrom('pf_developers')
    .select(['id', 'pending_email'])
    .where('pending_email', 'is not', null)
    .execute();
  for (const row of pending as Array<{ id: string; pending_email: string }>) {
    const canonical = canonicalEmail(row.pending_email);
    if (canonical !== row.pending_email)
      await db.updateTable('pf_developers').set({ pending_email: canonical }).where('id', '=', row.id).execute();
  }
}

async function canonicalizeDevelopers(db: Kysely<any>): Promise<void> {
  const rows = (await db
    .selectFrom('pf_developers')
    .select(['id', 'email', 'origin', 'created_at'])
    .execute()) as DeveloperSpelling[];
  const groups = new Map<string, DeveloperSpelling[]>();
  for (const row of rows) {
    const canonical = canonicalEmail(row.email);
    if (canonical !== row.email) groups.set(canonical, [...(groups.get(canonical) ?? []), row]);
  }
  const byEmail = new Map(rows.map((row) => [row.email, row]));
  for (const [canonical, spellings] of groups) {
    const holder = byEmail.get(canonical);
    const [kept] = [...spellings, ...(holder ? [holder] : [])].sort(keptFirst);
    if (kept === holder) continue;
    const rename = (id: string, email: string) =>
      db.updateTable('pf_developers').set({ email }).where('id', '=', id).execute();
    if (holder) await rename(holder.id, `~${holder.id}`); // out of the way of the unique index
    await rename(kept!.id, canonical);
    if (holder) await rename(holder.id, kept!.email);
  }
}

/** The one the manifests manage, else the oldest: the same choice as the plan's (plan/duplicates.ts). */
function keptFirst(a: DeveloperSpelling, b: DeveloperSpelling): number {
  return (
    (a.origin === 'manifest' ? 0 : 1) - (b.origin === 'manifest' ? 0 : 1) ||
    compareCodeUnits(a.created_at, b.created_at) ||
    compareCodeUnits(a.email, b.email)
  );
}

/**
 * A table keyed by email: each row rewritten in canonical form; where two spellings meet, the row
 * with the later `latest` column stays (the newer tombstone, the current login window).
 */
async function canonicalizeKeyedRows(db: Kysely<any>, table: string, latest: string): Promise<void> {
  const rows = (await db.selectFrom(table).select(['email', latest]).execute()) as Array<Record<string, string>>;
  const byCanonical = new Map<string, Array<Record<string, string>>>();
  for (const row of rows) {
    const canonical = canonicalEmail(row.email!);
    byCanonical.set(canonical, [...(byCanonical.get(canonical) ?? []), row]);
  }
  for (const [canonical, spellings] of byCanonical) {
    if (spellings.length === 1 && spellings[0]!.email === canonical) continue;
    const [newest, ...older] = [...spellings].sort((a, b) => compareCodeUnits(b[latest]!, a[latest]!));
    for (const row of older) await db.deleteFrom(table).where('email', '=', row.email!).execute();
    if (newest!.email !== canonical)
      await db.updateTable(table).set({ email: canonical }).where('email', '=', newest!.email!).execute();
  }
}
