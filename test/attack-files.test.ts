// Attack cases for the files a manifest may reach: a fromFile that races a symbolic-link swap, a
// FIFO, links in the manifest tree that lead outside it, and paths under /proc that used to hang.
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveSecret, type SecretContext } from '../src/manifest/secrets.js';
import { runBounded, workspace } from './helpers/cli.js';
import { developerDoc } from './helpers/manifest.js';
import { tempDir } from './helpers/temp.js';

const INSIDE = 'inside-value-0123456789';
const OUTSIDE = 'OUTSIDE-the-roots-value';

/**
 * Swaps `link` between two targets as fast as it can, in a process of its own, until killed; it says
 * "swapping" on stdout once it has swapped both ways.
 */
function startSwapper(link: string, targets: [string, string]) {
  const script = `
    const fs = require('node:fs');
    const [link, a, b] = process.argv.slice(1);
    const temp = link + '.swap';
    for (let i = 0; ; i++) {
      try { fs.rmSync(temp, { force: true }); fs.symlinkSync(i % 2 ? a : b, temp); fs.renameSync(temp, link); } catch {}
      if (i === 1) process.stdout.write('swapping\\n');
    }`;
  return spawn(process.execPath, ['-e', script, link, ...targets], { stdio: ['ignore', 'pipe', 'ignore'] });
}

describe('attack: fromFile races a symbolic-link swap', () => {
  it('never reads a file outside the roots, whatever the timing (0 of many resolutions)', async () => {
    const base = fs.realpathSync(tempDir('portalform-race-'));
    const root = path.join(base, 'manifests');
    const outside = path.join(base, 'outside');
    fs.mkdirSync(path.join(root, 'real'), { recursive: true });
    fs.mkdirSync(outside);
    fs.writeFileSync(path.join(root, 'real', 'secret.txt'), INSIDE);
    fs.writeFileSync(path.join(outside, 'secret.txt'), OUTSIDE);
    const link = path.join(root, 'keys');
    fs.symlinkSync(path.join(root, 'real'), link);
    const swapper = startSwapper(link, [path.join(root, 'real'), outside]);
    const outcomes = { inside: 0, outside: 0, refused: 0 };
    try {
      await once(swapper.stdout!, 'data');
      const site = {
        file: path.join(root, 'a.yaml'),
        locate: () => ({ file: path.join(root, 'a.yaml'), line: 1, column: 1 }),
      };
      for (let i = 0; i < 10_000; i++) {
        // A context per resolution: nothing is remembered from one to the next, as in separate plans.
        const ctx: SecretContext = {
          env: {},
          cwd: root,
          roots: [root],
          readFiles: new Map(),
          realDirectories: new Map(),
        };
        const resolution = resolveSecret({ fromFile: 'keys/secret.txt' }, site, ctx);
        if (resolution.value?.value === OUTSIDE) outcomes.outside++;
        else if (resolution.value?.value === INSIDE) outcomes.inside++;
        else outcomes.refused++;
        expect(JSON.stringify(resolution.diagnostic ?? '')).not.toContain(OUTSIDE);
      }
    } finally {
      swapper.kill('SIGKILL');
    }
    expect(outcomes.outside).toBe(0);
    // Both positions of the link were seen: the race was really run.
    expect(outcomes.inside).toBeGreaterThan(0);
    expect(outcomes.refused).toBeGreaterThan(0);
  });
});

const MANIFEST = `version: 1
developers:
  - email: ada@example.com
    fullName: Ada
    status: approved
`;

function keyAuthFrom(file: string): string {
  return `${MANIFEST}    credentials:\n      - { type: key-auth, name: ci, key: { fromFile: ${file} } }\n`;
}

/** A workspace with manifests in m/ and a state of its own. */
function cliSetup() {
  const dir = fs.realpathSync(tempDir('portalform-files-'));
  fs.mkdirSync(path.join(dir, 'm'));
  const env = { PORTALFORM_STATE: path.join(dir, 'state.db'), PORTALFORM_CACHE_DIR: 'off' };
  return {
    dir,
    m: path.join(dir, 'm'),
    run: (args: string[], extra: Record<string, string> = {}) =>
      runBounded(args, { cwd: dir, env: { ...env, ...extra } }),
  };
}

describe('attack: special files', () => {
  it('a FIFO given to fromFile inside the roots is refused as not a regular file, without hanging', () => {
    const w = cliSetup();
    execFileSync('mkfifo', [path.join(w.m, 'pipe')]);
    fs.writeFileSync(path.join(w.m, 'ada.yaml'), keyAuthFrom('pipe'));
    const result = w.run(['validate', 'm']);
    expect(result.timedOut).toBe(false);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/m\/ada\.yaml:\d+:\d+: error: m\/pipe is not a regular file/);
  });

  it('a FIFO outside the roots is refused for where it is, never opened', () => {
    const w = cliSetup();
    const fifo = path.join(w.dir, 'outside-pipe');
    execFileSync('mkfifo', [fifo]);
    fs.writeFileSync(path.join(w.m, 'ada.yaml'), keyAuthFrom('../outside-pipe'));
    const result = w.run(['validate', 'm']);
    expect(result.timedOut).toBe(false);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/resolves to outside-pipe, outside the manifest paths/);
  });

  it('a FIFO named like a manifest in the tree is refused at its path, without hanging', () => {
    const w = cliSetup();
    fs.writeFileSync(path.join(w.m, 'ada.yaml'), MANIFEST);
    execFileSync('mkfifo', [path.join(w.m, 'pipe.yaml')]);
    const result = w.run(['validate', 'm']);
    expect(result.timedOut).toBe(false);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('m/pipe.yaml:1:1: error: cannot read this manifest file: it is not a regular file');
  });
});

describe('attack: links in the manifest tree', () => {
  it('a manifest linked to /proc/self/environ is refused, and nothing of the environment is echoed', () => {
    const w = cliSetup();
    fs.writeFileSync(path.join(w.m, 'ada.yaml'), MANIFEST);
    fs.symlinkSync('/proc/self/environ', path.join(w.m, 'env.yaml'));
    const result = w.run(['plan', 'm'], { PORTALFORM_SECRET_CANARY: 'CANARY-e1b2-not-for-your-eyes' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'm/env.yaml:1:1: error: cannot read this manifest file: it is a symbolic link to a place outside the manifest paths',
    );
    expect(result.stdout + result.stderr).not.toContain('CANARY');
    expect(result.stdout + result.stderr).not.toContain('PATH=');
  });

  it('a linked directory outside the paths is not walked (a warning says so); its developers are not planned', () => {
    const w = cliSetup();
    const outside = path.join(w.dir, 'elsewhere');
    fs.mkdirSync(outside);
    fs.writeFileSync(path.join(outside, 'eve.yaml'), MANIFEST.replace('ada@example.com', 'eve@example.com'));
    fs.writeFileSync(path.join(w.m, 'ada.yaml'), MANIFEST);
    fs.symlinkSync(outside, path.join(w.m, 'team'));
    const result = w.run(['plan', 'm']);
    expect(result.code).toBe(0);
    expect(result.stdout + result.stderr).toContain(
      'm/team:1:1: warning: this directory is a symbolic link to a place outside the manifest paths given on the command line: not searched for manifests',
    );
    expect(result.stdout).toContain('ada@example.com');
    expect(result.stdout).not.toContain('eve@example.com');
  });

  it('a directory link to a --secrets-dir still serves fromFile through it', async () => {
    const ws = workspace();
    ws.write('vault/ci.txt', 'a-long-enough-key-from-the-vault');
    ws.write('m/ada.yaml', keyAuthFrom('secrets/ci.txt'));
    fs.symlinkSync(path.join(ws.dir, 'vault'), path.join(ws.dir, 'm', 'secrets'));
    const { errors, warnings, desired } = await ws.load({ paths: ['m'], secretsDirs: ['vault'] });
    expect(errors).toEqual([]);
    expect(warnings).toEqual([expect.stringContaining('m/secrets:1:1: warning: this directory is a symbolic link')]);
    expect(desired!.developers[0]!.credentials[0]!.secrets.key?.value).toBe('a-long-enough-key-from-the-vault');
  });

  it('links that stay inside the paths are followed as before', async () => {
    const ws = workspace();
    ws.write('shared/ada.yaml', developerDoc('ada@example.com'));
    fs.symlinkSync(path.join(ws.dir, 'shared', 'ada.yaml'), path.join(ws.dir, 'ada-link.yaml'));
    fs.symlinkSync(path.join(ws.dir, 'shared'), path.join(ws.dir, 'shared-link'));
    const { errors, desired } = await ws.load({ paths: ['.'] });
    expect(errors).toEqual([]);
    expect(desired?.developers.map((d) => d.email)).toEqual(['ada@example.com']);
  });
});

describe('attack: paths that used to hang', () => {
  it('PORTALFORM_CACHE_DIR under /proc: the plan goes on without the cache, with one warning', () => {
    const w = cliSetup();
    fs.writeFileSync(path.join(w.m, 'ada.yaml'), MANIFEST);
    const result = w.run(['plan', 'm'], { PORTALFORM_CACHE_DIR: '/proc/x' });
    expect(result.timedOut).toBe(false);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('developer "ada@example.com"');
    expect(result.stderr.match(/parse cache/g)).toHaveLength(1);
  });

  it('plan --out-dir under /proc fails with one message', () => {
    const w = cliSetup();
    fs.writeFileSync(path.join(w.m, 'ada.yaml'), MANIFEST);
    const result = w.run(['plan', 'm', '--format', 'markdown', '--out-dir', '/proc/x']);
    expect(result.timedOut).toBe(false);
    expect(result.code).toBe(1);
    // Besides the note that there is no state yet, one error.
    expect(
      result.stderr
        .trim()
        .split('\n')
        .filter((line) => !line.startsWith('Note: ')),
    ).toEqual(['Error: cannot write the plan to --out-dir /proc/x: the directory cannot be created there']);
  });
});
