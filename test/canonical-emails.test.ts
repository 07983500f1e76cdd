// One canonical form for every email (issue 25): the spellings of one address are one developer in
// manifests, on the command line and in the state, which a migration rewrites (both backends);
// names and identifiers refuse control, bidi and invisible characters; stored text is printed
// escaped, and export leaves out a stored value no manifest may hold.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { canonicalEmail, isValidEmail } from '../src/manifest/email.js';
import { refusedCharacter } from '../src/util/refused-characters.js';
import { BACKENDS, dropTestSchemas } from './helpers/backends.js';
import { workspace } from './helpers/cli.js';
import { runSql, withStateDb } from './helpers/state-db.js';
import { undoApplications } from './helpers/store-app-schema.js';

afterAll(dropTestSchemas);

const NFC = 'josé@exämple.com';
const NFD = 'jose\u0301@exa\u0308mple.com';
const FULL_WIDTH = 'ｊｏｓé＠ｅｘäｍｐｌｅ．ｃｏｍ';
const A_LABEL = 'josé@xn--exmple-cua.com';
const REFUSED = [
  '\u202e',
  '\u202a',
  '\u2066',
  '\u2069',
  '\u200e',
  '\u200f',
  '\u001b',
  '\u0000',
  '\u0085',
  '\u200b',
  '\ufeff',
];

function manifest(...entries: string[]): string {
  return `version: 1\ndevelopers:\n${entries.map((e) => `  - { email: ${JSON.stringify(e)}, fullName: J, status: approved }`).join('\n')}\n`;
}

describe('the canonical form', () => {
  it('makes the four spellings of one address one, stored as the A-label', () => {
    for (const spelling of [NFC, NFD, FULL_WIDTH, A_LABEL, 'JOSÉ@EXÄMPLE.COM']) {
      expect(canonicalEmail(spelling), spelling).toBe(A_LABEL);
      expect(isValidEmail(spelling), spelling).toBe(true);
    }
  });

  it('is idempotent, and the same for the NFC, NFD and upper-case spellings of any address', () => {
    const letter = fc.constantFrom(...'abcxyzéäöüñçßøåœıİÅΩЖж用户0189-.');
    const part = fc.array(letter, { minLength: 1, maxLength: 12 }).map((c) => c.join(''));
    fc.assert(
      fc.property(part, part, (local, domain) => {
        const email = `${local}@${domain}.com`;
        const canonical = canonicalEmail(email);
        expect(canonicalEmail(canonical)).toBe(canonical);
        expect(canonicalEmail(email.normalize('NFD'))).toBe(canonical);
        expect(canonicalEmail(email.normalize('NFC'))).toBe(canonical);
        expect(canonicalEmail(email.toUpperCase())).toBe(canonicalEmail(email.toUpperCase().toLowerCase()));
      }),
      { numRuns: 3000 },
    );
  });
});

describe('the refused characters', () => {
  const text = fc.string({ maxLength: 20 });
  it('refuses a control, bidi or invisible character anywhere, in every kind of value', () => {
    fc.assert(
      fc.property(text, fc.constantFrom(...REFUSED), text, (before, char, after) => {
        for (const kind of ['identifier', 'name', 'free'] as const)
          expect(refusedCharacter(`${before}${char}${after}`, kind), kind).toBeDefined();
        expect(isValidEmail(`a${before}${char}${after}@example.com`)).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  it('allows tab and newline in free text only, and ZWJ and ZWNJ in names only between letters', () => {
    const letters = fc.stringMatching(/^[a-zक्]{1,8}$/);
    fc.assert(
      fc.property(letters, fc.constantFrom('\u200c', '\u200d'), letters, (a, joiner, b) => {
        expect(refusedCharacter(`${a}${joiner}${b}`, 'name')).toBeUndefined();
        expect(refusedCharacter(`${a}${joiner}${b}`, 'identifier')).toBeDefined();
        expect(refusedCharacter(`${a}${joiner} ${b}`, 'name')).toBeDefined();
        expect(refusedCharacter(`${joiner}${a}`, 'name')).toBeDefined();
      }),
    );
    expect(refusedCharacter('line one\n\tline two', 'free')).toBeUndefined();
    expect(refusedCharacter('a\tb', 'name')).toEqual({ char: '\t', index: 1 });
    expect(refusedCharacter('José 用户 😀 ❤️', 'name')).toBeUndefined();
  });
});

describe('emails in manifests and on the command line', () => {
  it('refuses two spellings of one address as a duplicate, naming both places', () => {
    const w = workspace();
    w.write('a.yaml', manifest(NFC));
    w.write('b.yaml', manifest(FULL_WIDTH, NFD));
    const result = w.run(['validate', '.']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`b.yaml:3:14: error: developer ${A_LABEL} is declared twice (also at a.yaml:3:14)`);
    expect(result.stderr).toContain(`b.yaml:4:14: error: developer ${A_LABEL} is declared twice (also at a.yaml:3:14)`);
  });

  it('stores the canonical form, finds it by any spelling, and refuses an address with a bidi control', () => {
    const w = workspace();
    w.write('m.yaml', manifest(FULL_WIDTH));
    expect(w.run(['apply', 'm.yaml', '--auto-approve']).code).toBe(0);
    const listed = w.run(['state', 'list', '--json']);
    expect(JSON.parse(listed.stdout).developers.map((d: { email: string }) => d.email)).toEqual([A_LABEL]);
    for (const spelling of [NFC, NFD, A_LABEL]) {
      const shown = w.run(['state', 'show', `developer[${JSON.stringify(spelling)}]`, '--json']);
      expect(shown.code, shown.stderr).toBe(0);
      expect(JSON.parse(shown.stdout).email).toBe(A_LABEL);
    }
    expect(w.run(['plan', 'm.yaml', '--target', `developer[${JSON.stringify(NFD)}]`]).stdout).toContain('No changes');
    const hostile = w.run(['state', 'show', 'developer["ada\u202e@example.com"]']);
    expect(hostile.code).toBe(1);
    expect(hostile.stderr).toBe(
      'Error: invalid address "developer[\\"ada\\u202e@example.com\\"]": its email holds U+202E, a control, bidirectional or invisible character; remove it\n',
    );
    const refused = w.run(['plan', 'm.yaml', '--replace', 'developer["ada@example.com"].credential["acl:ops\u2066"]']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('its credential identity holds U+2066');
  });
});

describe.each(BACKENDS)('the migration to canonical emails ($name)', (backend) => {
  it('rewrites stored emails, keeps colliding spellings for a plan that deletes the extras, and apply migrates', async () => {
    const w = workspace(backend.newState());
    w.write('m.yaml', manifest('ada@example.com'));
    expect(w.run(['apply', 'm.yaml', '--auto-approve']).code).toBe(0);
    const developer = (id: string, email: string, origin: string, at: string) =>
      `insert into pf_developers (id, email, full_name, status, meta, origin, created_at, updated_at)
       values ('${id}', '${email}', 'N', 'approved', '{}', '${origin}', '${at}', '${at}')`;
    // What the state held before: addresses lower-cased as written.
    await runSql(w, [
      // (and nothing of the migrations after it)
      ...undoApplications(backend.name),
      'drop table pf_mail_throttle',
      `delete from pf_migration where name in ('0010_canonical_emails', '0011_mail_throttle')`,
      developer('nfc', NFC, 'manifest', '2026-01-01T00:00:00Z'),
      developer('nfd', NFD.toLowerCase(), 'self-service', '2026-01-02T00:00:00Z'),
      developer('bob', 'bob@ｅｘａｍｐｌｅ.com', 'self-service', '2026-01-03T00:00:00Z'),
      developer('zoe-m', 'zoë@exämple.com', 'manifest', '2026-01-05T00:00:00Z'),
      developer('zoe-s', 'zoë@xn--exmple-cua.com', 'self-service', '2026-01-04T00:00:00Z'),
      `insert into pf_tombstones (email, deleted_at) values ('eve@exämple.com', '2026-01-01T00:00:00Z')`,
      `insert into pf_login_attempts (email, window_start, failures) values ('bob@ｅｘａｍｐｌｅ.com', '2026-01-01T00:00:00Z', 2)`,
    ]);
    // The tombstone now matches the address the manifests spell another way: the plan refuses.
    w.write('m.yaml', manifest('ada@example.com', NFD, 'zoë@exämple.com', 'EVE@exämple.com'));
    const refused = w.run(['apply', 'm.yaml', '--auto-approve', '--no-color']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      'developer["eve@xn--exmple-cua.com"] deleted their own account through the portal',
    );
    const rows = () =>
      withStateDb(w, async (q) => ({
        developers: (
          (await q('select id, email from pf_developers order by id')) as Array<{ id: string; email: string }>
        )
          .filter((d) => d.email !== 'ada@example.com')
          .map((d) => `${d.id} ${d.email}`),
        tombstones: ((await q('select email from pf_tombstones')) as Array<{ email: string }>).map((t) => t.email),
        attempts: (
          (await q('select email, failures from pf_login_attempts')) as Array<{ email: string; failures: number }>
        ).map((a) => `${a.email} ${Number(a.failures)}`),
      }));
    expect(await rows()).toEqual({
      developers: [
        'bob bob@example.com',
        `nfc ${A_LABEL}`,
        `nfd ${NFD}`,
        'zoe-m zoë@xn--exmple-cua.com',
        'zoe-s zoë@exämple.com',
      ],
      tombstones: ['eve@xn--exmple-cua.com'],
      attempts: ['bob@example.com 2'],
    });

    w.write('m.yaml', manifest('ada@example.com', NFD, 'zoë@exämple.com'));
    const plan = w.run(['plan', 'm.yaml', '--json']);
    const changes = JSON.parse(plan.stdout).changes.map((c: { address: string; op: string }) => `${c.op} ${c.address}`);
    expect(changes).toEqual(
      expect.arrayContaining([`delete developer["${NFD}"]`, 'delete developer["zoë@exämple.com"]']),
    );
    const applied = w.run(['apply', 'm.yaml', '--auto-approve', '--no-color']);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stderr + applied.stdout).toContain(
      `developer["${NFD}"] is a duplicate address of developer["${A_LABEL}"]`,
    );
    expect((await rows()).developers).toEqual([
      'bob bob@example.com',
      `nfc ${A_LABEL}`,
      'zoe-m zoë@xn--exmple-cua.com',
    ]);
    expect(w.run(['plan', 'm.yaml', '--detailed-exitcode']).code).toBe(0);
  });
});
