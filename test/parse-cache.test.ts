// The parse cache: a warm run gives exactly what a cold one gives, a change is never missed, and
// no secret value is ever stored.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultCacheDir, ParseCache } from '../src/manifest/fastpath/cache.js';
import type { DesiredState } from '../src/model.js';
import { workspace } from './helpers/cli.js';
import { developerDoc } from './helpers/manifest.js';

const SENTINEL = 'SENTINEL-cache-7c21-long-enough';

const CACHE = '.test-cache';

function cacheFiles(dir: string): string[] {
  const root = path.join(dir, CACHE);
  if (!fs.existsSync(root)) return [];
  return fs
    .readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

/** The cache's entries, without its MAC key (which lives as long as the cache). */
function cacheEntries(dir: string): string[] {
  return cacheFiles(dir).filter((file) => path.basename(file) !== 'key' && !file.endsWith('last-pruned'));
}

function isPositions(file: string): boolean {
  return file.endsWith('.positions.json');
}

function isValues(file: string): boolean {
  return file.endsWith('.values.json');
}

/** Everything a desired state says, read through its getters (some are computed only when read). */
function plain(desired: DesiredState | null): unknown {
  if (!desired) return desired;
  const developers = desired.developers.map((d) => ({
    email: d.email,
    fullName: d.fullName,
    status: d.status,
    customId: d.customId,
    meta: d.meta,
    sync: d.sync,
    credentials: d.credentials.map((c) => ({
      type: c.type,
      identity: c.identity,
      fields: c.fields,
      secrets: c.secrets,
    })),
  }));
  return JSON.parse(JSON.stringify({ ...desired, developers }));
}

const TWO_DEVELOPERS = `version: 1
developers:
  - email: ada@example.com
    fullName: Ada
    status: approved
    customId: ada-1
    credentials:
      - { type: key-auth, name: ci, key: { fromEnv: PORTALFORM_SECRET_ADA } }
      - { type: basic-auth, username: ada, password: { fromEnv: PORTALFORM_SECRET_ADA_PW } }
  - email: bob@example.com
    fullName: Bob
    status: pending
`;

const env = { PORTALFORM_SECRET_ADA: `${SENTINEL}-key`, PORTALFORM_SECRET_ADA_PW: `${SENTINEL}-pw` };

describe('parse cache', () => {
  it('gives a warm run exactly what a cold run gives, and stores no secret value', async () => {
    const ws = workspace();
    ws.write('devs.yaml', TWO_DEVELOPERS);
    const cold = await ws.load({ env, cacheDir: path.join(ws.dir, CACHE) });
    expect(cold.errors).toEqual([]);
    const entries = cacheFiles(ws.dir);
    expect(entries.map((file) => path.basename(file).replace(/^[0-9a-f]{64}/, 'KEY')).sort()).toEqual([
      'KEY',
      'KEY.json',
      'KEY.positions.json',
      'KEY.values.json',
      'key',
      'last-pruned',
    ]); // KEY: the pointer from the manifest's path; key: the cache's MAC key
    for (const file of entries) expect(fs.statSync(file).mode & 0o077).toBe(0);
    const warm = await ws.load({ env, cacheDir: path.join(ws.dir, CACHE) });
    expect(plain(warm.desired)).toEqual(plain(cold.desired));
    for (const file of entries) expect(fs.readFileSync(file, 'utf8')).not.toContain(SENTINEL);
  });

  it('never returns a stale result: a changed file is parsed again', async () => {
    const ws = workspace();
    ws.write('devs.yaml', TWO_DEVELOPERS);
    await ws.load({ env, cacheDir: path.join(ws.dir, CACHE) });
    ws.write('devs.yaml', TWO_DEVELOPERS.replace('fullName: Bob', 'fullName: Robert'));
    const { desired } = await ws.load({ env, cacheDir: path.join(ws.dir, CACHE) });
    expect(desired!.developers[1]!.fullName).toBe('Robert');
  });

  it('locates errors in cached files exactly as in fresh ones', async () => {
    const ws = workspace();
    ws.write('a.yaml', TWO_DEVELOPERS);
    await ws.load({ env, cacheDir: path.join(ws.dir, CACHE) });
    ws.write('b.yaml', developerDoc('Ada@example.com'));
    const warm = await ws.load({ env, cacheDir: path.join(ws.dir, CACHE) });
    fs.rmSync(path.join(ws.dir, CACHE), { recursive: true });
    const cold = await ws.load({ env, cacheDir: null });
    expect(warm.errors).toEqual(cold.errors);
    expect(warm.errors).toEqual([
      'b.yaml:3:12: error: developer ada@example.com is declared twice (also at a.yaml:3:12); emails are compared case-insensitively',
    ]);
  });

  it("locates errors exactly when a cached entry's positions are damaged, from the file itself", async () => {
    const ws = workspace();
    ws.write('a.yaml', TWO_DEVELOPERS);
    await ws.load({ env, cacheDir: path.join(ws.dir, CACHE) });
    for (const file of cacheFiles(ws.dir).filter(isPositions)) fs.writeFileSync(file, '[[[0, 1, 2], [0]]]'); // shaped like positions, but wrong
    ws.write('b.yaml', developerDoc('Ada@example.com'));
    const warm = await ws.load({ env, cacheDir: path.join(ws.dir, CACHE) });
    expect(warm.errors).toEqual([
      'b.yaml:3:12: error: developer ada@example.com is declared twice (also at a.yaml:3:12); emails are compared case-insensitively',
    ]);
  });

  it('keeps where each wanted developer and credential is written, from a fresh parse and from the cache alike', async () => {
    const ws = workspace();
    ws.write('devs.yaml', TWO_DEVELOPERS);
    const where = (desired: Awaited<ReturnType<typeof ws.load>>['desired']) =>
      desired!.developers
        .flatMap((d) => [d.location, ...d.credentials.map((c) => c.location)])
        .map((l) => `${path.basename(l.file)}:${l.line}:${l.column}`);
    const expected = ['devs.yaml:3:5', 'devs.yaml:9:9', 'devs.yaml:8:9', 'devs.yaml:10:5']; // credentials sorted by type
    expect(where((await ws.load({ env, cacheDir: null })).desired)).toEqual(expected);
    expect(where((await ws.load({ env, cacheDir: path.join(ws.dir, CACHE) })).desired)).toEqual(expected); // parsed, then stored
    expect(where((await ws.load({ env, cacheDir: path.join(ws.dir, CACHE) })).desired)).toEqual(expected); // from the cache
    for (const file of cacheFiles(ws.dir).filter(isPositions)) fs.rmSync(file);
    expect(where((await ws.load({ env, cacheDir: path.join(ws.dir, CACHE) })).desired)).toEqual(expected); // positions lost: parsed again
  });

  it('does not cache a file holding a literal secret', async () => {
    const ws = workspace();
    ws.write(
      'devs.yaml',
      developerDoc('a@example.com', `    credentials:\n      - { type: key-auth, name: ci, key: ${SENTINEL} }\n`),
    );
    const { warnings, desired } = await ws.load({ cacheDir: path.join(ws.dir, CACHE) });
    expect(warnings).toHaveLength(1);
    expect(desired!.developers[0]!.credentials[0]!.secrets.key?.value).toBe(SENTINEL);
    expect(cacheEntries(ws.dir)).toEqual([]);
  });

  it('ignores a corrupt or foreign entry and is safe to delete', async () => {
    const ws = workspace();
    ws.write('devs.yaml', TWO_DEVELOPERS);
    const cold = await ws.load({ env, cacheDir: path.join(ws.dir, CACHE) });
    for (const file of cacheFiles(ws.dir)) fs.writeFileSync(file, '{"format": "something else"');
    expect(plain((await ws.load({ env, cacheDir: path.join(ws.dir, CACHE) })).desired)).toEqual(plain(cold.desired));
    fs.rmSync(path.join(ws.dir, CACHE), { recursive: true });
    expect(plain((await ws.load({ env, cacheDir: path.join(ws.dir, CACHE) })).desired)).toEqual(plain(cold.desired));
  });

  it('never uses an altered entry: it is parsed again', async () => {
    const ws = workspace();
    ws.write('devs.yaml', TWO_DEVELOPERS);
    const cold = await ws.load({ env, cacheDir: path.join(ws.dir, CACHE) });
    const [entry] = cacheFiles(ws.dir).filter((f) => f.endsWith('.json') && !isPositions(f) && !isValues(f));
    const [values] = cacheFiles(ws.dir).filter(isValues);
    const original = { entry: fs.readFileSync(entry!, 'utf8'), values: fs.readFileSync(values!, 'utf8') };
    // An entry is a head line and a line of the documents' summaries; their values are a file beside it.
    const alterValues = (alter: (developer: Record<string, unknown>) => void) => () => {
      const stored = JSON.parse(original.values);
      alter(stored.values[0].developers[1]);
      fs.writeFileSync(values!, JSON.stringify(stored));
    };
    const alterSummary = (alter: (entries: unknown[][]) => void) => () => {
      const [head, summaries] = original.entry.split('\n').map((line) => JSON.parse(line));
      alter(summaries[0].entries);
      fs.writeFileSync(entry!, `${JSON.stringify(head)}\n${JSON.stringify(summaries)}`);
    };
    const alterations = [
      alterValues((d) => (d.status = 'superuser')),
      alterValues((d) => (d.status = 'revoked')),
      alterSummary((entries) => (entries[1]![0] = 'mallory@example.com')), // an email
      alterSummary((entries) => (entries[0]![4] = [])), // the unique values claimed
    ];
    for (const alter of alterations) {
      fs.writeFileSync(entry!, original.entry);
      fs.writeFileSync(values!, original.values);
      alter();
      const warm = await ws.load({ env, cacheDir: path.join(ws.dir, CACHE) });
      expect(plain(warm.desired)).toEqual(plain(cold.desired));
      expect(warm.desired!.developers.map((d) => [d.email, d.status])).toEqual([
        ['ada@example.com', 'approved'],
        ['bob@example.com', 'pending'],
      ]);
    }
  });

  it('checks the set from cached files exactly as from parsed ones, when another file changes too', async () => {
    const ws = workspace();
    const cacheDir = path.join(ws.dir, CACHE);
    const secrets = { PORTALFORM_SECRET_K: 'same-key-auth-key-value-01' };
    ws.write(
      'a.yaml',
      `version: 1
developers:
  - email: Ada@example.com
    fullName: Ada
    status: approved
    customId: shared
    credentials:
      - { type: key-auth, name: ci, key: { fromEnv: PORTALFORM_SECRET_K } }
      - { type: basic-auth, username: ada }
      - { type: hmac-auth, username: ada-hmac }
`,
    );
    ws.write(
      'b.yaml',
      `version: 1
developers:
  - email: ada@example.com
    fullName: Ada again
    status: approved
  - email: bob@example.com
    fullName: Bob
    status: approved
    customId: shared
    credentials:
      - { type: key-auth, name: ci, key: { fromEnv: PORTALFORM_SECRET_K } }
      - { type: basic-auth, username: ada }
`,
    );
    const portal = (types: string) => ws.write('portal.yaml', `version: 1\nportal:\n  credentialTypes: [${types}]\n`);
    portal('key-auth, basic-auth, hmac-auth');
    const cold = await ws.load({ env: secrets, cacheDir: null });
    expect(cold.errors).toHaveLength(4); // ada twice, customId, the key, the username
    await ws.load({ env: secrets, cacheDir }); // stores a.yaml and b.yaml
    expect((await ws.load({ env: secrets, cacheDir })).messages).toEqual(cold.messages);

    // The portal changes: the cached a.yaml's hmac-auth credential is now refused, at its line.
    portal('key-auth, basic-auth');
    const narrowed = await ws.load({ env: secrets, cacheDir: null });
    expect(narrowed.errors.filter((m) => m.includes('hmac-auth is not enabled'))).toEqual([
      expect.stringMatching(
        /^a\.yaml:10:17: error: credential type hmac-auth is not enabled on this portal \(portal\.credentialTypes at portal\.yaml:2:1\)/,
      ),
    ]);
    expect((await ws.load({ env: secrets, cacheDir })).messages).toEqual(narrowed.messages);
  });

  it('carries the portal block of a cached file, and sees a change of that block alone', async () => {
    const ws = workspace();
    const cacheDir = path.join(ws.dir, CACHE);
    const developers = Array.from(
      { length: 30 },
      (_, i) => `  - { email: dev-${i}@example.com, fullName: Dev ${i}, status: pending }\n`,
    ).join('');
    const file = (max: number) =>
      `version: 1\nportal:\n  autoApprove: true\n  selfService: { maxCredentials: ${max} }\ndevelopers:\n${developers}`;
    ws.write('m.yaml', file(3));
    await ws.load({ cacheDir });
    expect(cacheFiles(ws.dir).length).toBeGreaterThan(0);
    const warm = await ws.load({ cacheDir });
    expect(warm.desired!.portal).toMatchObject({ autoApprove: true, selfService: { maxCredentials: 3 } });
    expect(plain(warm.desired)).toEqual(plain((await ws.load({ cacheDir: null })).desired));

    ws.write('m.yaml', file(7));
    const changed = await ws.load({ cacheDir });
    expect(changed.desired!.portal).toMatchObject({ autoApprove: true, selfService: { maxCredentials: 7 } });
    expect(plain(changed.desired)).toEqual(plain((await ws.load({ cacheDir: null })).desired));
    expect((await ws.load({ cacheDir })).desired!.portal.selfService.maxCredentials).toBe(7);
  });

  it('parses only the changed entries of a changed file, and gives exactly what a cold load gives', async () => {
    const ws = workspace();
    const cacheDir = path.join(ws.dir, CACHE);
    const team = (changed: number, email = 'dev-5@example.com') =>
      `version: 1\ndevelopers:\n${Array.from(
        { length: 30 },
        (_, i) =>
          `  - email: ${i === 5 ? email : `dev-${i}@example.com`}\n    fullName: Dev ${i}${i === changed ? ' (changed)' : ''}\n    status: approved\n    credentials:\n      - { type: basic-auth, username: user-${i}, password: { fromEnv: PORTALFORM_SECRET_ADA_PW } }\n`,
      ).join('')}`;
    ws.write('team.yaml', team(-1));
    await ws.load({ env, cacheDir });
    const view = (result: Awaited<ReturnType<typeof ws.load>>) => ({
      desired: plain(result.desired),
      locations: result.desired?.developers.flatMap((d) => [d.location, ...d.credentials.map((c) => c.location)]),
      messages: result.messages,
    });

    ws.write('team.yaml', team(12));
    const reused = await ws.load({ env, cacheDir });
    // The entry stored for the new version has no positions: they were not computed, the file was not parsed whole.
    expect(cacheFiles(ws.dir).filter(isPositions)).toHaveLength(1);
    const cold = await ws.load({ env, cacheDir: null });
    expect(view(reused)).toEqual(view(cold));
    expect(view(await ws.load({ env, cacheDir }))).toEqual(view(cold)); // the new entry, from the cache

    // A changed entry with an error: reported exactly as from a cold load, at its line and column.
    ws.write('team.yaml', team(12, 'not an email'));
    const failed = await ws.load({ env, cacheDir });
    expect(failed.errors).toEqual([
      expect.stringMatching(/^team\.yaml:28:12: error: "not an email" is not a valid email address/),
    ]);
    expect(failed.messages).toEqual((await ws.load({ env, cacheDir: null })).messages);
  });

  it('removes entries unused for 30 days, scanning at most once a day', async () => {
    const ws = workspace();
    const cacheDir = path.join(ws.dir, CACHE);
    ws.write('devs.yaml', TWO_DEVELOPERS);
    await ws.load({ env, cacheDir });
    const stored = cacheEntries(ws.dir);
    expect(stored.length).toBeGreaterThan(0);
    const cache = new ParseCache(cacheDir);
    const day = 86_400_000;
    const old = new Date(Date.now() - 31 * day);
    for (const file of stored) fs.utimesSync(file, old, old);
    cache.prune(Date.now() + day / 2); // a scan ran less than a day ago (the load's): nothing removed
    expect(cacheEntries(ws.dir)).toEqual(stored);
    cache.prune(Date.now() + 2 * day);
    expect(cacheEntries(ws.dir)).toEqual([]);
  });

  it("lives in the user's cache directory, never the working tree, unless PORTALFORM_CACHE_DIR says otherwise", () => {
    expect(defaultCacheDir('/work', { HOME: '/home/ada' })).toBe('/home/ada/.cache/portalform');
    expect(defaultCacheDir('/work', { HOME: '/home/ada', XDG_CACHE_HOME: '/xdg' })).toBe('/xdg/portalform');
    expect(defaultCacheDir('/work', { PORTALFORM_CACHE_DIR: 'off' })).toBeNull();
    expect(defaultCacheDir('/work', { PORTALFORM_CACHE_DIR: '/var/cache/pf' })).toBe('/var/cache/pf');
  });
});
