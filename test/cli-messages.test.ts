// Issue 24, points 22 and 23: the launcher without its bundle (mid-rebuild) says one line, and
// the help text points at the docs a user has, never at a SPEC they do not.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, workspace } from './helpers/cli.js';
import { tempDir } from './helpers/temp.js';

describe('the launcher without the CLI bundle', () => {
  it('prints one line saying to run npm run build, not a stack trace', () => {
    const dir = join(tempDir('portalform-launcher-'), 'dist', 'cmd');
    mkdirSync(dir, { recursive: true });
    for (const file of ['portalform.js', 'package.json']) copyFileSync(join(ROOT, 'dist/cmd', file), join(dir, file));
    const result = spawnSync(process.execPath, [join(dir, 'portalform.js'), 'state', 'list'], { encoding: 'utf8' });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      `Error: ${join(dir, 'portalform-cli.js')} is missing: run \`npm run build\` to build portalform\n`,
    );
  });
});

describe('help text', () => {
  it('cites the docs, never the SPEC', () => {
    const w = workspace();
    for (const command of [['serve'], ['plan'], ['export'], ['history'], ['state', 'list']]) {
      const help = w.run([...command, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).not.toMatch(/SPEC/);
    }
    expect(w.run(['serve', '--help']).stdout.replace(/\s+/g, ' ')).toContain('docs/portal-service.md');
  });
});
