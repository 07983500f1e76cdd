// Attack cases for the parse cache: an entry planted or copied by someone else is never used, and
// a cache directory others can write is not used at all (one warning, then a correct plan).
import { createHash, createHmac } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { workspace } from './helpers/cli.js';
import { developerDoc } from './helpers/manifest.js';

const ADA = developerDoc('ada@example.com');
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function entryFiles(cacheDir: string): { entry: string; values: string } {
  const files = fs
    .readdirSync(cacheDir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
  const entry = files.find((f) => /[0-9a-f]{64}\.json$/.test(f))!;
  return { entry, values: entry.replace(/\.json$/, '.values.json') };
}

/**
 * Rewrites the entry of a one-developer file the way an attacker who can write the cache would:
 * an `acl: admins` credential added to its value and its summary, every digest recomputed, and
 * (given a key) sealed the way portalform seals an entry.
 */
function plantAdminsAcl(cacheDir: string, sealWith?: Buffer): void {
  const { entry, values } = entryFiles(cacheDir);
  const stored = JSON.parse(fs.readFileSync(values, 'utf8'));
  stored.values[0].developers[0].credentials = [{ type: 'acl', group: 'admins' }];
  const valuesText = JSON.stringify(stored);
  const [headLine, summaryLine] = fs.readFileSync(entry, 'utf8').split('\n');
  const head = JSON.parse(headLine!);
  const summaries = JSON.parse(summaryLine!);
  summaries[0].entries[0][3] = ['acl'];
  const summariesText = JSON.stringify(summaries);
  const planted = { ...head, valuesDigest: sha256(valuesText), summaryDigest: sha256(summariesText) };
  if (sealWith) {
    const covered = JSON.stringify([
      planted.format,
      planted.key,
      planted.positionsDigest,
      planted.valuesDigest,
      planted.summaryDigest,
    ]);
    planted.mac = createHmac('sha256', sealWith).update(covered).digest('hex');
  }
  fs.writeFileSync(values, valuesText);
  fs.writeFileSync(entry, `${JSON.stringify(planted)}\n${summariesText}`);
}

const credentialsOf = (
  desired: { developers: Array<{ credentials: Array<{ type: string; identity: string }> }> } | null,
) => desired?.developers.flatMap((d) => d.credentials.map((c) => `${c.type}:${c.identity}`));

describe('attack: parse cache poisoning', () => {
  it('a planted entry with recomputed digests that would add acl admins is ignored', async () => {
    const ws = workspace();
    const cacheDir = path.join(ws.dir, 'cache');
    ws.write('m/ada.yaml', ADA);
    const cold = await ws.load({ paths: ['m'], cacheDir });
    expect(credentialsOf(cold.desired)).toEqual([]);
    plantAdminsAcl(cacheDir);
    const warm = await ws.load({ paths: ['m'], cacheDir });
    expect(warm.errors).toEqual([]);
    expect(credentialsOf(warm.desired)).toEqual([]);
  });

  it("an entry sealed under another cache's key (copied from it) is not used", async () => {
    const ws = workspace();
    const theirs = path.join(ws.dir, 'their-cache');
    const ours = path.join(ws.dir, 'our-cache');
    ws.write('m/ada.yaml', ADA);
    await ws.load({ paths: ['m'], cacheDir: theirs });
    plantAdminsAcl(theirs, fs.readFileSync(path.join(theirs, 'key')));
    // Sealed with their key, the planted entry is one their cache accepts...
    expect(credentialsOf((await ws.load({ paths: ['m'], cacheDir: theirs })).desired)).toEqual(['acl:admins']);
    await ws.load({ paths: ['m'], cacheDir: ours });
    for (const file of fs.readdirSync(theirs, { recursive: true }) as string[]) {
      if (/[0-9a-f]{64}/.test(path.basename(file)) && fs.statSync(path.join(theirs, file)).isFile()) {
        fs.cpSync(path.join(theirs, file), path.join(ours, file));
      }
    }
    // ...and ours, with a key of its own, does not.
    const warm = await ws.load({ paths: ['m'], cacheDir: ours });
    expect(credentialsOf(warm.desired)).toEqual([]);
  });

  it('apply never creates what a planted entry says (end to end)', () => {
    const w = workspace();
    const cacheDir = path.join(w.dir, 'cache');
    w.write('m/ada.yaml', ADA);
    expect(w.run(['plan', 'm'], { env: { PORTALFORM_CACHE_DIR: cacheDir } }).code).toBe(0);
    plantAdminsAcl(cacheDir);
    const applied = w.run(['apply', 'm', '--auto-approve'], { env: { PORTALFORM_CACHE_DIR: cacheDir } });
    expect(applied.code).toBe(0);
    expect(applied.stdout).not.toContain('admins');
    const listed = w.run(['state', 'list', '--json'], { env: { PORTALFORM_CACHE_DIR: cacheDir } });
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain('ada@example.com');
    expect(listed.stdout).not.toContain('admins');
  });

  it('a cache directory group or others can write is not used: one warning, a correct plan, nothing written there', async () => {
    const ws = workspace();
    const cacheDir = path.join(ws.dir, 'shared-cache');
    fs.mkdirSync(cacheDir);
    fs.chmodSync(cacheDir, 0o777);
    ws.write('m/ada.yaml', ADA);
    const result = await ws.load({ paths: ['m'], cacheDir });
    expect(result.warnings).toEqual([
      `warning: not using the parse cache at ${cacheDir}: group or others can write it; every file is parsed instead (set PORTALFORM_CACHE_DIR to a private directory of yours, or to off)`,
    ]);
    expect(result.desired?.developers.map((d) => d.email)).toEqual(['ada@example.com']);
    expect(fs.readdirSync(cacheDir)).toEqual([]);
  });

  it('the CLI warns once and plans correctly with a group-writable PORTALFORM_CACHE_DIR', () => {
    const w = workspace();
    const cacheDir = path.join(w.dir, 'shared-cache');
    fs.mkdirSync(cacheDir);
    fs.chmodSync(cacheDir, 0o775);
    w.write('m/ada.yaml', ADA);
    w.write('m/bob.yaml', developerDoc('bob@example.com'));
    const result = w.run(['plan', 'm'], { env: { PORTALFORM_CACHE_DIR: cacheDir } });
    expect(result.code).toBe(0);
    expect((result.stdout + result.stderr).match(/not using the parse cache/g)).toHaveLength(1);
    expect(result.stdout).toContain('Plan: 2 to create');
  });

  it('a cache directory of another user is not used', async () => {
    if (process.getuid?.() !== 0) return; // only root can give a directory away
    const ws = workspace();
    const cacheDir = path.join(ws.dir, 'their-cache');
    fs.mkdirSync(cacheDir, { mode: 0o700 });
    fs.chownSync(cacheDir, 65534, 65534);
    ws.write('m/ada.yaml', ADA);
    const result = await ws.load({ paths: ['m'], cacheDir });
    expect(result.warnings.join('\n')).toContain('it belongs to another user');
    expect(result.desired?.developers.map((d) => d.email)).toEqual(['ada@example.com']);
  });

  it('a key file others can read is not trusted', async () => {
    const ws = workspace();
    const cacheDir = path.join(ws.dir, 'cache');
    ws.write('m/ada.yaml', ADA);
    await ws.load({ paths: ['m'], cacheDir });
    fs.chmodSync(path.join(cacheDir, 'key'), 0o644);
    const result = await ws.load({ paths: ['m'], cacheDir });
    expect(result.warnings.join('\n')).toContain('its key file (key) is not a private file of yours');
    expect(result.errors).toEqual([]);
  });

  it('the key file is made once, 0600, and kept', async () => {
    const ws = workspace();
    const cacheDir = path.join(ws.dir, 'cache');
    ws.write('m/ada.yaml', ADA);
    await ws.load({ paths: ['m'], cacheDir });
    const key = fs.readFileSync(path.join(cacheDir, 'key'));
    expect(key).toHaveLength(32);
    expect(fs.statSync(path.join(cacheDir, 'key')).mode & 0o777).toBe(0o600);
    await ws.load({ paths: ['m'], cacheDir });
    expect(fs.readFileSync(path.join(cacheDir, 'key')).equals(key)).toBe(true);
  });
});
