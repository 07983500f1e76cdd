// The layout rules of src/ (docs/architecture.md): no import cycle between files, none between
// folders, no module over 400 lines. scripts/check-architecture.mjs checks them; these tests check
// the checker on small trees, then run it on this one.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/cli.js';

const CHECKER = join(ROOT, 'scripts/check-architecture.mjs');

interface Report {
  files: number;
  fileCycles: { members: string[]; example: string[] }[];
  folderCycles: { members: string[]; example: string[]; because: string[] }[];
  longFiles: { file: string; lines: number }[];
  stateSql: { file: string; line: number; text: string }[];
}

function check(root: string, ...flags: string[]): { code: number | null; report: Report; text: string } {
  const json = spawnSync(process.execPath, [CHECKER, root, '--json', ...flags], { encoding: 'utf8' });
  const text = spawnSync(process.execPath, [CHECKER, root, ...flags], { encoding: 'utf8' });
  expect(json.stderr).toBe('');
  expect(text.status).toBe(json.status);
  return { code: json.status, report: JSON.parse(json.stdout) as Report, text: text.stdout };
}

/** A tree with the given files under its src/. */
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'portalform-architecture-'));
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, 'src', file)), { recursive: true });
    writeFileSync(join(root, 'src', file), content);
  }
  return root;
}

const lines = (count: number): string => 'export const x = 1;\n'.repeat(count);

describe('the architecture checker', () => {
  it('passes a layered tree', () => {
    const root = tree({
      'index.ts': "export { plan } from './plan/index.js';\n",
      'plan/index.ts': "import { read } from '../store/index.js';\nexport const plan = read;\n",
      'store/index.ts': "import { Database } from 'better-sqlite3';\nexport const read = Database;\n",
    });
    const { code, report, text } = check(root);
    expect(report).toMatchObject({ files: 3, fileCycles: [], folderCycles: [], longFiles: [] });
    expect(text).toBe('architecture: 3 modules, no cycles, none over 400 lines\n');
    expect(code).toBe(0);
  });

  it('finds a cycle between files, through every kind of import statement', () => {
    const root = tree({
      'plan/a.ts': "import {\n  b,\n  type B,\n} from './b.js';\nexport const a = b;\n",
      'plan/b.ts': "export * from './c.js';\nexport const b = 1;\n",
      'plan/c.ts': "export async function c() {\n  return (await import('./a.js')).a;\n}\n",
    });
    const { code, report, text } = check(root);
    expect(report.fileCycles).toEqual([
      {
        members: ['src/plan/a.ts', 'src/plan/b.ts', 'src/plan/c.ts'],
        example: ['src/plan/a.ts', 'src/plan/b.ts', 'src/plan/c.ts', 'src/plan/a.ts'],
      },
    ]);
    expect(text).toContain('file cycle (3 files): src/plan/a.ts -> src/plan/b.ts -> src/plan/c.ts -> src/plan/a.ts\n');
    expect(code).toBe(1);
  });

  it('finds a cycle between folders that no two files form, with a file in src/ as a node of its own', () => {
    const root = tree({
      'engine.ts': "import { apply } from './apply/run.js';\nexport const run = apply;\n",
      'apply/run.ts': "import { load } from '../manifest/load.js';\nexport const apply = load;\n",
      'manifest/load.ts': 'export const load = 1;\n',
      'manifest/options.ts': "import type { run } from '../engine.js';\nexport type Options = typeof run;\n",
    });
    const { code, report } = check(root);
    expect(report.fileCycles).toEqual([]);
    expect(report.folderCycles).toEqual([
      {
        members: ['src/apply', 'src/engine.ts', 'src/manifest'],
        example: ['src/apply', 'src/manifest', 'src/engine.ts', 'src/apply'],
        because: [
          'src/apply/run.ts imports src/manifest/load.ts',
          'src/manifest/options.ts imports src/engine.ts',
          'src/engine.ts imports src/apply/run.ts',
        ],
        edges: expect.any(Array),
      },
    ]);
    expect(code).toBe(1);

    // The only way back is a type: without type-only imports the folders are layered.
    expect(check(root, '--runtime-only')).toMatchObject({ code: 0, report: { folderCycles: [] } });
  });

  it('finds a module over 400 lines, and lets one of 400 pass', () => {
    const root = tree({
      'long.ts': lines(401),
      'short.ts': lines(400),
      'nested/long.ts': `${lines(450)}// no final newline`,
    });
    const { code, report, text } = check(root);
    expect(report.longFiles).toEqual([
      { file: 'src/nested/long.ts', lines: 451 },
      { file: 'src/long.ts', lines: 401 },
    ]);
    expect(text).toContain('too long: src/long.ts has 401 lines (at most 400)\n');
    expect(code).toBe(1);
  });

  it('finds a state table or a dialect statement outside src/store/, and lets the store hold them', () => {
    const root = tree({
      'store/sessions.ts':
        "export const q = 'select * from pf_sessions for update';\nexport const p = 'pragma busy_timeout';\n",
      'portal/logins.ts': "export const lock = (q: any) => q.selectFrom('pf_developers').forUpdate();\n",
      'apply/run.ts':
        "// Forget old windows.\nexport const begin = 'BEGIN IMMEDIATE';\nexport const p = 'Pragma busy_timeout = 5';\n",
      'plan/ok.ts':
        "// No table here: a pf-like word such as mypf_x or a wait for updates is not one.\nexport const x = 'pf';\n",
    });
    const { code, report, text } = check(root);
    expect(report.stateSql).toEqual([
      { file: 'src/apply/run.ts', line: 2, text: 'BEGIN IMMEDIATE' },
      { file: 'src/apply/run.ts', line: 3, text: 'Pragma' },
      { file: 'src/portal/logins.ts', line: 1, text: 'pf_developers' },
      { file: 'src/portal/logins.ts', line: 1, text: '.forUpdate(' },
    ]);
    expect(text).toContain('state SQL outside src/store/: src/portal/logins.ts:1 has "pf_developers"\n');
    expect(code).toBe(1);
  });

  it('ignores packages, comments that look like imports and specifiers outside the tree', () => {
    const root = tree({
      'a.ts':
        "// import { b } from './b.js'\nimport pg from 'pg';\nimport info from '../package.json';\nexport const a = [pg, info];\n",
      'b.ts': "import { a } from './a.js';\nexport const b = a;\n",
    });
    expect(check(root)).toMatchObject({ code: 0, report: { fileCycles: [], folderCycles: [] } });
  });

  it('refuses a directory without src/ in one line', () => {
    const result = spawnSync(process.execPath, [CHECKER, `${tmpdir()}/portalform-no-such-tree`], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^check-architecture: .*portalform-no-such-tree\/src is not a directory\n/);
  });
});

/** Repository paths a page names in code spans (`src/plan/scope.ts`, `src/cli/commands/`). */
function pathsNamedIn(markdown: string): string[] {
  return [...markdown.matchAll(/`((?:src|cmd|test|scripts|bench|schemas|examples)\/[^`\s]*)`/g)].map(
    (match) => match[1]!,
  );
}

describe('this tree', () => {
  it('has no import cycle, no folder cycle and no module over 400 lines', () => {
    const { code, text } = check(ROOT);
    expect(text).toMatch(/^architecture: \d+ modules, no cycles, none over 400 lines\n$/);
    expect(code).toBe(0);
  });

  it('holds every file the docs point at', () => {
    const pages = ['README.md', ...readdirSync(join(ROOT, 'docs')).map((name) => `docs/${name}`)];
    const missing = pages.flatMap((page) =>
      pathsNamedIn(readFileSync(join(ROOT, page), 'utf8'))
        .filter((path) => !existsSync(join(ROOT, path)))
        .map((path) => `${page}: ${path}`),
    );
    expect(missing).toEqual([]);
  });
});
