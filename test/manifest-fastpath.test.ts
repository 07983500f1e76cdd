// The loader's fast path, through its one entry (src/manifest/fastpath/index.ts): per file, its
// checked documents or "parse it fully"; a cached document's value and positions are read from
// disk by an explicit call, and only then.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256 } from '../src/hash.js';
import type { ManifestFile } from '../src/manifest/desired.js';
import { PARSE_FULLY, readFastPath, type LazyDocument } from '../src/manifest/fastpath/index.js';
import { locate } from '../src/manifest/positions.js';
import { workspace } from './helpers/cli.js';
import { developerDoc } from './helpers/manifest.js';

function manifestFile(file: string, text: string, contentHash = sha256(Buffer.from(text))): ManifestFile {
  return { path: file, bytes: Buffer.from(text), sha256: contentHash };
}

function documentsOf(result: LazyDocument[] | typeof PARSE_FULLY): LazyDocument[] {
  if (result === PARSE_FULLY) throw new Error('expected documents');
  return result;
}

describe('readFastPath', () => {
  it('gives a clean file its checked documents with their summaries, and a file with a diagnostic "parse fully"', async () => {
    const ws = workspace();
    const clean = manifestFile(path.join(ws.dir, 'clean.yaml'), developerDoc('ada@example.com'));
    const broken = manifestFile(path.join(ws.dir, 'broken.yaml'), 'version: 1\ndevelopers: [\n');
    const [documents, fully] = await readFastPath([clean, broken], null);
    expect(fully).toBe(PARSE_FULLY);
    const [doc] = documentsOf(documents!);
    expect(doc!.summary?.entries.map((e) => e.email)).toEqual(['ada@example.com']);
    expect((doc!.value.load() as { developers: Array<{ email: string }> }).developers[0]!.email).toBe(
      'ada@example.com',
    );
    expect(locate(clean.path, doc!.positions.read(), '/developers/0/email')).toEqual({
      file: clean.path,
      line: 3,
      column: 12,
    });
  });

  it("reads a cached document's value and positions when they are asked for, not before", async () => {
    const ws = workspace();
    const cacheDir = path.join(ws.dir, '.cache');
    const file = path.join(ws.dir, 'devs.yaml');
    const before = developerDoc('ada@example.com');
    await readFastPath([manifestFile(file, before)], cacheDir);
    // The same content hash with other bytes: whatever is parsed again now shows which was read when.
    const after = `# a comment moves every line\n${developerDoc('bob@example.com')}`;
    const [cached] = await readFastPath([manifestFile(file, after, sha256(Buffer.from(before)))], cacheDir);
    const [doc] = documentsOf(cached!);
    expect(doc!.summary?.entries.map((e) => e.email)).toEqual(['ada@example.com']); // from the entry
    const parts = fs
      .readdirSync(cacheDir, { recursive: true })
      .map(String)
      .filter((f) => /\.(values|positions)\.json$/.test(f));
    expect(parts).toHaveLength(2);
    for (const part of parts) fs.rmSync(path.join(cacheDir, part));
    // Neither was read yet: with the entry's parts gone, they come from the file as it is now.
    expect((doc!.value.load() as { developers: Array<{ email: string }> }).developers[0]!.email).toBe(
      'bob@example.com',
    );
    expect(locate(file, doc!.positions.read(), '/developers/0/email').line).toBe(4);
  });
});
