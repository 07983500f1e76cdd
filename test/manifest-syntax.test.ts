// YAML-level problems and hostile input: each gives a located error, fast, without crashing.
import { describe, expect, it } from 'vitest';
import { workspace } from './helpers/cli.js';
import { developerDoc } from './helpers/manifest.js';

describe('YAML syntax', () => {
  it('reads a file with a byte order mark and CRLF line ends', async () => {
    const ws = workspace();
    ws.write('crlf.yaml', `\uFEFF${developerDoc('a@example.com').replace(/\n/g, '\r\n')}`);
    const { desired, diagnostics } = await ws.load();
    expect(diagnostics).toEqual([]);
    expect(desired?.developers[0]).toMatchObject({
      email: 'a@example.com',
      fullName: 'Someone',
      location: { line: 3, column: 5 },
    });
  });

  it('refuses tabs used as indentation', async () => {
    const ws = workspace();
    ws.write('tabs.yaml', 'version: 1\ndevelopers:\n\t- email: a@example.com\n');
    const { desired, errors } = await ws.load();
    expect(desired).toBeNull();
    expect(errors[0]).toMatch(/^tabs\.yaml:3:1: error: .*[Tt]abs/);
  });

  it('refuses a duplicate key, naming it', async () => {
    const ws = workspace();
    ws.write('dup.yaml', developerDoc('a@example.com', '    fullName: Again\n'));
    const { errors } = await ws.load();
    expect(errors).toEqual(['dup.yaml:6:5: error: duplicate key `fullName`; a key may appear once per mapping']);
  });

  it('refuses bytes that are not UTF-8, at their position', async () => {
    const ws = workspace();
    const utf8 = Buffer.from('# caf\u00e9 in UTF-8\n');
    const latin1 = Buffer.from('version: 1\ndevelopers:\n  - email: caf\u00e9@example.com\n', 'latin1');
    ws.write('latin1.yaml', Buffer.concat([utf8, latin1]));
    const { errors } = await ws.load();
    expect(errors).toEqual(['latin1.yaml:4:15: error: file is not valid UTF-8; save it as UTF-8 text']);
  });

  it('refuses a NUL byte, at its position', async () => {
    const ws = workspace();
    ws.write('nul.yaml', 'version: 1\ndevelopers:\n  - email: a\0@example.com\n');
    const { errors } = await ws.load();
    expect(errors).toEqual(['nul.yaml:3:13: error: file contains a NUL byte; manifests must be UTF-8 text']);
  });

  it('refuses an empty file', async () => {
    const ws = workspace();
    ws.write('empty.yaml', '# only a comment\n');
    const { errors } = await ws.load();
    expect(errors).toEqual([expect.stringMatching(/^empty\.yaml:1:1: error: file has no manifest document/)]);
  });

  it('skips an empty document after a trailing separator', async () => {
    const ws = workspace();
    ws.write('trailing.yaml', `${developerDoc('a@example.com')}---\n# nothing more\n`);
    const { desired, diagnostics } = await ws.load();
    expect(diagnostics).toEqual([]);
    expect(desired?.developers).toHaveLength(1);
  });

  it('refuses an explicit null document', async () => {
    const ws = workspace();
    ws.write('null.yaml', '~\n');
    const { errors } = await ws.load();
    expect(errors).toEqual([
      'null.yaml:1:1: error: a manifest document must be a mapping that starts with `version: 1`, not null',
    ]);
  });

  it('shares aliased values and locates errors inside them at the alias', async () => {
    const ws = workspace();
    ws.write(
      'alias.yaml',
      'version: 1\ndevelopers:\n  - email: a@example.com\n    fullName: A\n    status: approved\n    meta: &meta { team: core }\n  - email: b@example.com\n    fullName: B\n    status: approved\n    meta: *meta\n',
    );
    const { desired, diagnostics } = await ws.load();
    expect(diagnostics).toEqual([]);
    expect(desired?.developers[1].meta).toEqual({ team: 'core' });
  });

  it('refuses an alias bomb quickly', async () => {
    const ws = workspace();
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 12; i++)
      levels.push(
        `${'abcdefghijkl'[i]}: &${'abcdefghijkl'[i]} [${Array(10)
          .fill(`*${'abcdefghijkl'[i - 1]}`)
          .join(', ')}]`,
      );
    ws.write('bomb.yaml', `version: 1\nportal: {}\nbomb:\n${levels.map((l) => `  ${l}`).join('\n')}\n`);
    const started = performance.now();
    const { desired, errors } = await ws.load();
    expect(performance.now() - started).toBeLessThan(500);
    expect(desired).toBeNull();
    expect(errors).toEqual([expect.stringMatching(/^bomb\.yaml:\d+:\d+: error: aliases expand to more than/)]);
  });

  it('refuses an alias without an anchor before it', async () => {
    const ws = workspace();
    ws.write('alias.yaml', 'version: 1\ndevelopers: *nope\n');
    const { errors } = await ws.load();
    expect(errors).toEqual([expect.stringMatching(/^alias\.yaml:2:13: error: .*nope/)]);
  });

  it('refuses deep nesting without overflowing the stack', async () => {
    const ws = workspace();
    ws.write('deep.yaml', `version: 1\nx: ${'['.repeat(10_000)}${']'.repeat(10_000)}\n`);
    ws.write(
      'deep-block.yaml',
      `version: 1\nx:\n${Array.from({ length: 2_000 }, (_, i) => `${' '.repeat(i + 1)}-`).join('\n')} y\n`,
    );
    const { errors } = await ws.load();
    expect(errors).toEqual([
      expect.stringMatching(/^deep-block\.yaml:\d+:\d+: error: nesting deeper than 64 levels/),
      expect.stringMatching(/^deep\.yaml:2:\d+: error: nesting deeper than 64 levels/),
    ]);
  });

  it('survives a 10 MB string', async () => {
    const ws = workspace();
    ws.write('long.yaml', developerDoc('a@example.com', `    meta: { blob: "${'x'.repeat(10_000_000)}" }\n`));
    const { desired, diagnostics } = await ws.load();
    expect(diagnostics).toEqual([]);
    expect(desired?.developers[0].meta.blob).toHaveLength(10_000_000);
  });

  it('refuses custom tags and non-scalar keys', async () => {
    const ws = workspace();
    ws.write('tags.yaml', developerDoc('a@example.com', '    meta: { photo: !!binary aGVsbG8= }\n'));
    ws.write('keys.yaml', developerDoc('b@example.com', '    meta: { [a, b]: c }\n'));
    const { errors } = await ws.load();
    expect(errors).toEqual([
      'keys.yaml:6:13: error: mapping keys must be plain strings',
      'tags.yaml:6:29: error: unsupported YAML tag !!binary; write a plain string, number or boolean',
    ]);
  });

  it('keeps a `__proto__` key as data', async () => {
    const ws = workspace();
    ws.write('proto.yaml', developerDoc('a@example.com', '    meta: { __proto__: x }\n'));
    const { desired } = await ws.load();
    const meta = desired!.developers[0].meta;
    expect(Object.getPrototypeOf(meta)).toBe(Object.prototype);
    expect(Object.keys(meta)).toEqual(['__proto__']);
  });
});
