// The parse cache keys on a digest of the loader's code (src/manifest/fastpath/code-digest.ts):
// a change to any module of the loader, one added to it, or one it imports from elsewhere must
// give another digest, without anyone keeping a list of the modules.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LOADER_DIGEST_FILE, loaderCodeDigest } from '../src/manifest/fastpath/code-digest.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'portalform-loader-digest-'));
fs.cpSync(path.join(ROOT, 'src'), path.join(copy, 'src'), { recursive: true });
const manifestDir = path.join(copy, 'src', 'manifest');
const original = loaderCodeDigest(manifestDir);

afterAll(() => fs.rmSync(copy, { recursive: true, force: true }));

/** The digest with `file` (relative to the copy's src) changed by `edit`, then the file put back. */
function digestWith(file: string, edit: (text: string) => string): string {
  const absolute = path.join(copy, 'src', file);
  const before = fs.readFileSync(absolute, 'utf8');
  fs.writeFileSync(absolute, edit(before));
  try {
    return loaderCodeDigest(manifestDir);
  } finally {
    fs.writeFileSync(absolute, before);
  }
}

const loaderModules = fs
  .readdirSync(path.join(ROOT, 'src', 'manifest'), { recursive: true, withFileTypes: true })
  .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
  .map((entry) => path.relative(path.join(ROOT, 'src'), path.join(entry.parentPath, entry.name)));

describe('the loader code digest', () => {
  it.each(loaderModules)('changes when %s changes', (file) => {
    expect(digestWith(file, (text) => `${text}\n// changed\n`)).not.toBe(original);
  });

  it('is the same again once the change is undone', () => {
    expect(loaderCodeDigest(manifestDir)).toBe(original);
  });

  it('changes when a module is added to the loader, in any folder of it', () => {
    const added = path.join(manifestDir, 'fastpath', 'added.ts');
    fs.writeFileSync(added, 'export const ADDED = 1;\n');
    try {
      expect(loaderCodeDigest(manifestDir)).not.toBe(original);
    } finally {
      fs.rmSync(added);
    }
  });

  it('changes when a module the loader imports from outside its folder changes', () => {
    expect(digestWith('model.ts', (text) => text.replace("'acl'", "'acl-renamed'"))).not.toBe(original);
    expect(digestWith('hash.ts', (text) => `${text}\n// changed\n`)).not.toBe(original);
  });

  it('does not change for a module the loader does not import', () => {
    expect(digestWith('cli/io.ts', (text) => `${text}\n// changed\n`)).toBe(original);
  });

  const written = path.join(ROOT, 'dist', 'src', 'manifest', 'fastpath', LOADER_DIGEST_FILE);
  it.skipIf(!fs.existsSync(written))('is written by the build over the built loader', () => {
    const { digest } = JSON.parse(fs.readFileSync(written, 'utf8')) as { digest: string };
    expect(digest).toBe(loaderCodeDigest(path.join(ROOT, 'dist', 'src', 'manifest')));
  });
});
