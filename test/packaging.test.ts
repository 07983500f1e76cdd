// What `npm pack` ships: the built library and CLI, the schema, the README and docs/ — and none of
// the bench, the tests, the TypeScript sources, CI scripts or the examples' secrets.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './helpers/cli.js';

interface PackedFile {
  path: string;
}

const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  main: string;
  types: string;
  bin: Record<string, string>;
};

/** `npm pack` without its lifecycle scripts: `prepare` would rebuild dist/ under the other tests. */
function npmPack(args: string[], cwd = ROOT): string {
  const result = spawnSync('npm', ['pack', '--ignore-scripts', '--json', ...args], { cwd, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`npm pack failed (${result.status}): ${result.stderr}`);
  return result.stdout;
}

let packed: string[] = [];

beforeAll(() => {
  if (!existsSync(join(ROOT, manifest.bin.portalform))) throw new Error('dist/ is missing: run `npm run build` first');
  const [report] = JSON.parse(npmPack(['--dry-run'])) as [{ files: PackedFile[] }];
  packed = report.files.map((file) => file.path);
});

describe('the npm package', () => {
  it('ships the CLI, the library entry point and its types', () => {
    expect(packed).toContain('package.json');
    expect(packed).toContain(manifest.main);
    expect(packed).toContain(manifest.types);
    for (const bin of Object.values(manifest.bin)) expect(packed).toContain(bin);
  });

  it('ships what the built code reads at run time: the schema, its compiled validator, the parse worker', () => {
    expect(packed).toContain('schemas/manifest.schema.json');
    expect(packed).toContain('dist/src/manifest/schema-validator.cjs');
    expect(packed).toContain('dist/src/manifest/fastpath/parse-worker.js');
  });

  it('ships the README and every page of docs/', () => {
    expect(packed).toContain('README.md');
    const pages = readdirSync(join(ROOT, 'docs')).filter((name) => name.endsWith('.md'));
    expect(pages.length).toBeGreaterThan(0);
    for (const page of pages) expect(packed).toContain(`docs/${page}`);
  });

  it('ships no bench, tests, sources, CI scripts, examples or databases', () => {
    const unwanted = packed.filter(
      (path) =>
        /^(dist\/bench|dist\/test|bench|test|src|cmd|scripts|examples|\.ci|node_modules)\//.test(path) ||
        (path.endsWith('.ts') && !path.endsWith('.d.ts')) ||
        /(^|\/)(\.env[^/]*|[^/]*\.(db|db-wal|db-shm|db-journal|pem|key|secret|password))$/.test(path),
    );
    expect(unwanted).toEqual([]);
  });

  it('runs from the unpacked tarball alone', () => {
    const dir = mkdtempSync(join(tmpdir(), 'portalform-pack-'));
    const [tarball] = JSON.parse(npmPack(['--pack-destination', dir])) as [{ filename: string }];
    const untar = spawnSync('tar', ['-xzf', join(dir, tarball.filename), '-C', dir], { encoding: 'utf8' });
    expect(untar.stderr).toBe('');
    // The dependencies, as an install would provide them; everything else comes from the tarball.
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'package', 'node_modules'), 'dir');
    cpSync(join(ROOT, 'examples/quickstart'), join(dir, 'quickstart'), { recursive: true });

    const result = spawnSync(
      process.execPath,
      [join(dir, 'package', manifest.bin.portalform), 'validate', 'quickstart'],
      {
        cwd: dir,
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '', HOME: dir, PORTALFORM_CACHE_DIR: 'off' },
      },
    );
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(
      /^Success! \d+ developers(, \d+ APIs?)?( and \d+ applications?)? in \d+ files are valid\.\n$/,
    );
    expect(result.status).toBe(0);
  });
});
