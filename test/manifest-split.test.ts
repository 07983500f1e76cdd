// A large manifest parsed in chunks of its developers (src/manifest/fastpath/split.ts) must give exactly
// what a whole-file parse gives: the same values, the same position trees, the same line starts;
// and anything the split does not handle must fall back to the whole-file parse.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseValidFile } from '../src/manifest/fastpath/check-file.js';
import { parseManifestFile, MAX_NESTING_DEPTH, type ParsedDocument } from '../src/manifest/parse.js';
import { parseValidFiles } from '../src/manifest/fastpath/parse-pool.js';
import { parseSplitText, splitDevelopers } from '../src/manifest/fastpath/split.js';

const FILE = 'portal.yaml';
const encode = (text: string) => new TextEncoder().encode(text);

function wholeParse(text: string) {
  return parseManifestFile(FILE, encode(text));
}

/** Asserts the split path takes the text (in several chunks) and gives what the whole-file parse gives. */
function expectSameAsWhole(text: string, itemsPerChunk = 7): ParsedDocument {
  const whole = wholeParse(text);
  expect(whole.diagnostics).toEqual([]);
  const split = splitDevelopers(text, itemsPerChunk);
  expect(split).not.toBeNull();
  expect(split!.chunks.length).toBeGreaterThan(1);
  const doc = parseSplitText(FILE, text, itemsPerChunk);
  expect(doc).not.toBeNull();
  expect([doc]).toStrictEqual(whole.documents);
  return doc!;
}

/** Asserts the split declines the text, up front or when parsing a chunk, so it is parsed whole. */
function expectNoSplit(text: string): void {
  expect(parseSplitText(FILE, text, 3)).toBeNull();
}

/** One developer as YAML at `indent`, in one of several formats chosen by `i`. */
function developerYaml(i: number, indent: number): string {
  const pad = ' '.repeat(indent);
  const inner = `${pad}  `;
  const lines: string[] = [];
  switch (i % 9) {
    case 0:
      lines.push(
        `${pad}- email: dev${i}@example.com`,
        `${inner}fullName: "Developer ${i}"`,
        `${inner}status: approved`,
      );
      lines.push(
        `${inner}credentials:`,
        `${inner}  - type: acl`,
        `${inner}    group: g${i % 4}`,
        `${inner}  - { type: key-auth, name: ci }`,
      );
      break;
    case 1: // comments around and inside the item, a trailing comment, a column-0 comment
      lines.push(`# ---- team ${i} ----`, `${pad}# the next developer`, `${pad}- email: dev${i}@example.com # why not`);
      lines.push(
        `${inner}# inside`,
        `${inner}fullName: Dev ${i}`,
        '# column 0 inside the item',
        `${inner}status: pending`,
      );
      break;
    case 2: // block scalars, one with a line that looks like an item, blank lines inside
      lines.push(
        `${pad}- email: dev${i}@example.com`,
        `${inner}note: |`,
        `${inner}  first line`,
        `${inner}  - not an item`,
        '',
        `${inner}  after a blank line`,
      );
      lines.push(
        `${inner}folded: >-`,
        `${inner}  folded`,
        `${inner}  text`,
        `${inner}keep: |+`,
        `${inner}  kept`,
        '',
        `${inner}status: revoked`,
      );
      break;
    case 3: // multi-line quoted and plain scalars
      lines.push(
        `${pad}- email: dev${i}@example.com`,
        `${inner}fullName: "Developer`,
        `${inner}  ${i} double"`,
        `${inner}single: 'one`,
        '',
        `${inner}  two'`,
      );
      lines.push(`${inner}plain: a plain`, `${inner}  scalar on two lines`, `${inner}status: approved`);
      break;
    case 4: // flow collections spanning lines
      lines.push(
        `${pad}- email: dev${i}@example.com`,
        `${inner}meta: { company: "Zuse KG",`,
        `${inner}  team: t${i} }`,
        `${inner}uris: [`,
      );
      lines.push(
        `${inner}    "https://a${i}.example.com",`,
        `${inner}    "https://b${i}.example.com"`,
        `${inner}  ]`,
        `${inner}status: approved`,
      );
      break;
    case 5: // the item as a flow mapping; odd spacing after the dash
      lines.push(
        `${pad}- { email: dev${i}@example.com, fullName: "F ${i}",`,
        `${inner}status: pending }`,
        `${pad}-    email: spaced${i}@example.com`,
        `${pad}     status: approved`,
      );
      break;
    case 6: // the dash alone on its line; quoted keys; blank lines with spaces
      lines.push(`${pad}-`, `${inner}"email": dev${i}@example.com`, `${inner}'status': approved`, '   ', '');
      break;
    case 7: // scalars of every kind
      lines.push(
        `${pad}- email: dev${i}@example.com`,
        `${inner}n: ${i}`,
        `${inner}f: 1.5e3`,
        `${inner}b: true`,
        `${inner}z: null`,
        `${inner}e:`,
        `${inner}hex: 0x1F`,
        `${inner}s: "\\u00e9\\t"`,
      );
      break;
    default: // nested sequences at unusual indents
      lines.push(
        `${pad}- email: dev${i}@example.com`,
        `${inner}credentials:`,
        `${inner}- type: acl`,
        `${inner}  group: compact`,
        `${inner}-   type: jwt`,
        `${inner}    key: k${i}`,
      );
  }
  return lines.join('\n');
}

interface Layout {
  count?: number;
  indent?: number;
  head?: string;
  tail?: string;
  keyLine?: string;
  newline?: '\n' | '\r\n';
  trailingNewline?: boolean;
}

function manifest({
  count = 200,
  indent = 2,
  head = 'version: 1\n',
  tail = '',
  keyLine = 'developers:',
  newline = '\n',
  trailingNewline = true,
}: Layout = {}): string {
  const items = Array.from({ length: count }, (_, i) => developerYaml(i, indent)).join('\n');
  const text = `${head}${keyLine}\n${items}\n${tail}`;
  const ended = trailingNewline ? text : text.replace(/\n+$/, '');
  return newline === '\n' ? ended : ended.replace(/\n/g, '\r\n');
}

describe('split parse of a large manifest', () => {
  it('gives exactly the whole-file document for items in every format', () => {
    const doc = expectSameAsWhole(manifest());
    expect((doc.value as { developers: unknown[] }).developers.length).toBeGreaterThan(200);
  });

  it.each([1, 2, 50, 1000])('does not depend on the chunk size (%i items)', (itemsPerChunk) => {
    const text = manifest({ count: 60 });
    if (itemsPerChunk >= 100) {
      expect(parseSplitText(FILE, text, itemsPerChunk)).toStrictEqual(wholeParse(text).documents[0]);
    } else {
      expectSameAsWhole(text, itemsPerChunk);
    }
  });

  it.each([0, 4, 6])('handles items indented by %i', (indent) => {
    expectSameAsWhole(manifest({ indent }));
  });

  it('handles CRLF line ends, and a file that does not end with a line end', () => {
    expectSameAsWhole(manifest({ newline: '\r\n' }));
    expectSameAsWhole(manifest({ trailingNewline: false }));
    expectSameAsWhole(manifest({ newline: '\r\n', trailingNewline: false, indent: 0 }));
  });

  it('keeps the keys around `developers`: before, after, comments on and after its line', () => {
    const head = '# portal\nportal:\n  credentialTypes: [acl, jwt]\n\nversion: 1\n';
    const tail =
      '# moved developers\nmoved:\n  - from: old@example.com\n    to: new@example.com\nlast: { a: [1, 2] }\n';
    expectSameAsWhole(manifest({ head, tail, keyLine: 'developers:   # all of them\n# before the first\n\n' }));
    expectSameAsWhole(manifest({ head: '', tail: 'version: 1\n', indent: 0 }));
    expectSameAsWhole(manifest({ tail: 'moved:\n- from: a@example.com\n  to: b@example.com\n', indent: 0 }));
    expectSameAsWhole(manifest({ tail: '\n# only comments after the items\n   # indented\n' }));
  });

  it('declines an empty or non-sequence developers value, which is then parsed whole', () => {
    expectNoSplit('version: 1\ndevelopers: []\n');
    expectNoSplit('version: 1\ndevelopers:\nmoved: []\n');
    expectNoSplit('version: 1\ndevelopers:\n');
    expectNoSplit('version: 1\ndevelopers: [{ email: a }]\n');
    expectNoSplit('version: 1\ndevelopers:\n  { email: a }\n');
    expectNoSplit('version: 1\nportal:\n  developers:\n    - a\n');
    expectNoSplit('version: 1\n"developers":\n  - a\n');
  });

  it.each([
    [
      'an anchor and an alias',
      (t: string) => `${t.replace('- email: dev10@example.com', '- &ten\n    email: dev10@example.com')}  - *ten\n`,
    ],
    ['an alias in the tail', (t: string) => `${t.replace('version: 1', 'version: &v 1')}again: *v\n`],
    ['a tag', (t: string) => t.replace('status: approved', 'status: !!str approved')],
    ['several documents', (t: string) => `${t}---\nversion: 1\n`],
    ['a document start marker', (t: string) => `---\n${t}`],
    ['a directive', (t: string) => `%YAML 1.2\n---\n${t}`],
    ['an explicit key', (t: string) => t.replace('status: pending', '? status\n    : pending')],
    ['a tab in indentation', (t: string) => t.replace('\n    status: approved', '\n  \t  status: approved')],
    ['a byte order mark inside', (t: string) => t.replace('dev12@', 'dev12\uFEFF@')],
    ['a flow collection less indented than the items', (t: string) => t.replace(/\n {6}\]\n/, '\n  ]\n')],
    ['an item line at another indent', (t: string) => t.replace('  - email: dev20@', ' - email: dev20@')],
  ])('falls back to the whole-file parse for %s', (_, change) => {
    const text = change(manifest({ count: 40 }));
    expect(text).not.toBe(manifest({ count: 40 }));
    expectNoSplit(text);
  });

  // The items are cut by their lines without lexing: a line that looks like an item start or a
  // top-level key inside a scalar or flow collection must never give another result.
  const open = ['"double', "'single", '[flow,', '{ flow: 1,', '|', '>-', 'plain'];
  const lookalikes = [
    '  - email: lookalike@example.com',
    '- email: lookalike@example.com',
    'moved: []',
    '  # - comment',
    '  ]',
    '  }',
    "  x'",
    '  x"',
    ']',
    '}',
    "x'",
    'x"',
    '\tx',
  ];
  it.each(open.flatMap((opener) => lookalikes.map((line) => [opener, line])))(
    'never differs from the whole file: %s across `%s`',
    (opener, line) => {
      const text = manifest({ count: 30 }).replace('    n: 7\n', `    n: ${opener}\n${line}\n      rest\n`);
      const whole = wholeParse(text);
      for (const itemsPerChunk of [1, 3, 100]) {
        const split = parseSplitText(FILE, text, itemsPerChunk);
        if (split === null) continue;
        expect(whole.diagnostics).toEqual([]);
        expect([split]).toStrictEqual(whole.documents);
      }
    },
  );

  it('declines a chunk with a diagnostic, which the whole-file path then reports', () => {
    const text = manifest({ count: 40 }).replace('    status: revoked', '    status: revoked\n    status: again');
    expect(splitDevelopers(text, 3)).not.toBeNull();
    expect(parseSplitText(FILE, text, 3)).toBeNull();
    expect(wholeParse(text).diagnostics.map((d) => d.message)).toEqual([
      'duplicate key `status`; a key may appear once per mapping',
    ]);
  });

  it('declines a skeleton with a diagnostic (a duplicate top-level key)', () => {
    const text = manifest({ count: 40, tail: 'version: 2\n' });
    expect(splitDevelopers(text, 3)).not.toBeNull();
    expect(parseSplitText(FILE, text, 3)).toBeNull();
    expect(wholeParse(text).diagnostics.length).toBeGreaterThan(0);
  });

  it('keeps the nesting limit: an item nested as deep as allowed splits, one level deeper fails both ways', () => {
    const nested = (levels: number) => {
      let value = 'leaf';
      for (let i = 0; i < levels; i++) value = `{ k: ${value} }`;
      return manifest({ count: 20 }).replace('n: 7', `n: ${value}`);
    };
    let deepest = 0;
    while (wholeParse(nested(deepest + 1)).diagnostics.length === 0) deepest++;
    expect(deepest).toBeGreaterThan(MAX_NESTING_DEPTH - 10);
    expectSameAsWhole(nested(deepest), 3);
    expect(wholeParse(nested(deepest + 1)).diagnostics[0]!.message).toMatch(/nesting deeper/);
    expect(parseSplitText(FILE, nested(deepest + 1), 3)).toBeNull();
  });
});

/** A schema-valid manifest of `count` developers, formatted in several ways. */
function validManifest(count: number): string {
  const lines = ['# generated', 'version: 1', 'portal:', '  credentialTypes: [acl, key-auth, jwt]', 'developers:'];
  for (let i = 0; i < count; i++) {
    if (i % 5 === 0) lines.push(`# developer ${i}`, '');
    if (i % 3 === 0) {
      lines.push(`  - { email: "dev${i}@example.com", fullName: "Developer`, `      ${i}", status: pending }`);
      continue;
    }
    lines.push(
      `  - email: dev${i}@example.com`,
      `    fullName: >-`,
      `      Developer`,
      `      ${i}`,
      `    status: approved`,
      `    credentials:`,
    );
    lines.push(
      `      - { type: acl, group: "g${i % 7}" }`,
      `      - type: key-auth`,
      `        name: ci`,
      `        key: { fromEnv: PORTALFORM_SECRET_${i % 3} }`,
    );
  }
  lines.push('moved:', '  - from: old@example.com', '    to: dev1@example.com');
  return `${lines.join('\n')}\n`;
}

describe('parseValidFiles with the split', () => {
  it('gives the whole-file result for a valid file, and for files it declines', async () => {
    const valid = validManifest(300);
    const declinedHead = valid.replace('version: 1', 'version: &v 1');
    const declinedChunk = valid.replace('  - email: dev200@', '  - &dev200\n    email: dev200@');
    const invalid = valid.replace('status: pending', 'status: unheard-of');
    const jobs = [valid, declinedHead, declinedChunk, invalid].map((text, i) => ({
      path: `f${i}.yaml`,
      bytes: encode(text),
    }));
    expect(splitDevelopers(declinedChunk, 16)).not.toBeNull();
    const results = await parseValidFiles(jobs, { minBytes: 0, itemsPerChunk: 16 });
    for (const i of [0, 1, 2]) {
      expect(results[i]).not.toBeNull();
      expect(results[i]).toStrictEqual(parseValidFile(jobs[i]!));
    }
    expect(results[3]).toBeNull();
    expect(parseValidFile(jobs[3]!)).toBeNull();
  });

  it('declines a file that is not UTF-8 or holds a NUL byte', async () => {
    const bad = new Uint8Array([...encode('version: 1\ndevelopers:\n  - email: a\xff'), 0xff, 0x0a]);
    const nul = encode(validManifest(20).replace('dev1@', 'dev1\0@'));
    expect(
      await parseValidFiles(
        [
          { path: 'a.yaml', bytes: bad },
          { path: 'b.yaml', bytes: nul },
        ],
        { minBytes: 0, itemsPerChunk: 4 },
      ),
    ).toEqual([null, null]);
  });

  const builtPool = path.resolve('dist/src/manifest/fastpath/parse-pool.js');
  it.skipIf(!existsSync(builtPool))(
    'parses the chunks on the built worker pool and gives the whole-file result',
    async () => {
      const { parseValidFiles: parseOnWorkers } = (await import(
        pathToFileURL(builtPool).href
      )) as typeof import('../src/manifest/fastpath/parse-pool.js');
      let text = validManifest(12000);
      expect(text.length).toBeGreaterThan(2 * 1024 * 1024); // enough for the pool to start workers
      text = text.replace('dev3000@', 'dev3000\u00e9@'); // a character outside Latin-1: offsets count UTF-16 units
      const job = { path: FILE, bytes: encode(text) };
      const [onWorkers] = await parseOnWorkers([job], { minBytes: 0, itemsPerChunk: 500 });
      expect(onWorkers).not.toBeNull();
      expect(onWorkers).toStrictEqual(parseValidFile(job));
    },
  );
});
