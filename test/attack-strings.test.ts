// Hostile strings (issue 14, points 4, 7 and 9): a value echoed in a message never reaches a
// terminal, a CI log or a PR comment raw; strings that no state can hold, tags and invisible
// characters in emails are refused where they are written; a clash with a secret value names
// neither its holder nor its credential.
import { describe, expect, it } from 'vitest';
import type { Plan } from '../src/plan/types.js';
import { renderPlanMarkdown } from '../src/render/markdown.js';
import { quoteForMessage } from '../src/util/strings.js';
import { workspace as cliWorkspace, type RunResult } from './helpers/cli.js';
import { developerDoc, workspace } from './helpers/manifest.js';

const ESC = '\u001b';
/** What no output may hold raw: C0 controls but the line end, DEL, C1, bidi controls, zero-width and other invisible characters, separators. */
const RAW_UNSAFE =
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u00ad\u061c\u115f\u1160\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2069\u3164\ufeff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/** A line a hostile value tries to forge in a CI log. */
const FORGED = /^Success!|^\S*: error: forged/m;

function expectSafe(text: string, what: string): void {
  expect(RAW_UNSAFE.exec(text)?.[0], `${what} holds a raw control or invisible character`).toBeUndefined();
  expect(text, `${what} has a forged line`).not.toMatch(FORGED);
}

function messagesOf(result: RunResult): string[] {
  const json = JSON.parse(result.stdout) as {
    error?: string;
    diagnostics?: Array<{ message: string }>;
    warnings?: Array<{ message: string }>;
  };
  return [
    json.error ?? '',
    ...(json.diagnostics ?? []).map((d) => d.message),
    ...(json.warnings ?? []).map((d) => d.message),
  ];
}

describe('quoteForMessage', () => {
  it('escapes controls, ESC, CR, LF, C1, bidi controls, zero-width characters and lone surrogates', () => {
    const hostile = `a${ESC}[2J\r\nSuccess!\u009b31m\u202eevil\u2066\u200b\ufeff\u00a0\u3164\ud800z`;
    const shown = quoteForMessage(hostile);
    expect(shown).toBe('a\\u001b[2J\\r\\nSuccess!\\u009b31m\\u202eevil\\u2066\\u200b\\ufeff\\u00a0\\u3164\\ud800z');
    expectSafe(shown, 'the quoted value');
  });

  it('keeps ordinary text, accents, CJK and emoji as they are', () => {
    expect(quoteForMessage('José 用户 😀 ada@example.com')).toBe('José 用户 😀 ada@example.com');
  });

  it('cuts a long value after 80 characters, saying how long it was', () => {
    expect(quoteForMessage('k'.repeat(200_000), 'code')).toBe(`\`${'k'.repeat(80)}…\` (200000 characters)`);
    // A pair of surrogates is one character: never cut in half.
    expect(quoteForMessage('😀'.repeat(100), 'double')).toBe(`"${'😀'.repeat(80)}…" (100 characters)`);
  });

  it('escapes the delimiters of the quoting style', () => {
    expect(quoteForMessage('say "hi" \\ bye', 'double')).toBe('"say \\"hi\\" \\\\ bye"');
    expect(quoteForMessage('a`b', 'code')).toBe('`a\\u0060b`');
  });
});

describe('hostile values in messages, in text and JSON, of validate and plan', () => {
  const fake = `${ESC}[2J${ESC}[H\nSuccess! 1 developer in 1 file are valid.\r\nx.yaml:1:1: error: forged`;
  const manifests: Record<string, string> = {
    'unknown-key.yaml': developerDoc('a@example.com', `    ${JSON.stringify(`nick${fake}`)}: 1\n`),
    'long-key.yaml': developerDoc('b@example.com', `    ? ${'k'.repeat(200_000)}\n    : 1\n`),
    'from-env.yaml': developerDoc(
      'c@example.com',
      `    credentials:\n      - { type: key-auth, name: ci, key: { fromEnv: ${JSON.stringify(`HOME${fake}`)} } }\n`,
    ),
    'from-env-prefixed.yaml': developerDoc(
      'd@example.com',
      `    credentials:\n      - { type: key-auth, name: ci, key: { fromEnv: ${JSON.stringify(`PORTALFORM_SECRET_${fake}`)} } }\n`,
    ),
    'from-file.yaml': developerDoc(
      'e@example.com',
      `    credentials:\n      - { type: key-auth, name: ci, key: { fromFile: ${JSON.stringify(`secrets/${fake}.txt`)} } }\n`,
    ),
    'duplicate-key.yaml': developerDoc(
      'f@example.com',
      `    meta:\n      ${JSON.stringify(`team${fake}`)}: a\n      ${JSON.stringify(`team${fake}`)}: b\n`,
    ),
    'identity.yaml': developerDoc(
      'g@example.com',
      `    credentials:\n      - { type: acl, group: ${JSON.stringify(`ops\u202e${fake}`)} }\n      - { type: acl, group: ${JSON.stringify(`ops\u202e${fake}`)} }\n`,
    ),
    'email.yaml': developerDoc(JSON.stringify(`h${fake}@example.com`)),
    'customid.yaml': `version: 1\ndevelopers:\n  - { email: i@example.com, fullName: I, status: pending, customId: ${JSON.stringify(`c\u2066${fake}`)} }\n  - { email: j@example.com, fullName: J, status: pending, customId: ${JSON.stringify(`c\u2066${fake}`)} }\n`,
    'redirect.yaml': developerDoc(
      'k@example.com',
      `    credentials:\n      - { type: oauth2, name: app, redirectUris: [${JSON.stringify(`/cb${fake}`)}] }\n`,
    ),
    'meta-type.yaml': developerDoc('l@example.com', `    meta: { ${JSON.stringify(`m${fake}`)}: [1] }\n`),
  };
  const ws = cliWorkspace();
  for (const [file, text] of Object.entries(manifests)) ws.write(`portal/${file}`, text);

  it.for([['validate'], ['plan'], ['plan', '--format', 'markdown']])(
    '%s: every message is escaped and cut, in text',
    (command) => {
      const result = ws.run([...command, 'portal']);
      expect(result.code).toBe(1);
      expect(result.stderr).not.toMatch(/\n\s+at /);
      // One line per error (11 files, one error each, but the duplicate acl group and the unknown key, which also lack nothing else) and the summary: nothing split by a raw newline.
      for (const file of Object.keys(manifests))
        expect(result.stderr, file).toMatch(new RegExp(`^portal/${file.replace('.', '\\.')}:\\d+:\\d+: error: `, 'm'));
      expectSafe(result.stdout + result.stderr, `${command.join(' ')} output`);
      expect(result.stderr).toContain('\\u001b[2J\\u001b[H\\nSuccess!');
      expect(result.stderr).toContain(`\`${'k'.repeat(80)}…\` (200000 characters)`);
      expect(result.stderr.length).toBeLessThan(12_000);
    },
  );

  it.for([
    ['validate', '--json'],
    ['plan', '--json'],
  ])('%s: every message is escaped and cut, in JSON', (command) => {
    const result = ws.run([...command, 'portal']);
    expect(result.code).toBe(1);
    const messages = messagesOf(result);
    // One per file and the summary, and one more for each identity, customId and meta key that holds a refused character.
    expect(messages.length).toBe(Object.keys(manifests).length + 1 + 4);
    for (const message of messages) {
      expectSafe(message, 'a JSON message');
      expect(message.length).toBeLessThan(1000);
    }
    expect(messages.join('\n')).toContain('\\u202e');
    expectSafe(result.stdout + result.stderr, `${command.join(' ')} output`);
  });
});

describe('values with control, bidi and invisible characters', () => {
  // They validated once and were escaped in the plan; names now refuse them where they are written
  // (docs/manifests.md, "Refused characters"), and the refusal is as safe to print as the plan was.
  it('are refused where written, in JSON and text, the message escaped and located', () => {
    const ws = cliWorkspace();
    const fullName = `Ada \u202eecalevol\u202c \u0085\u200b${ESC}[2J`;
    ws.write(
      'devs.yaml',
      developerDoc('ada@example.com').replace('fullName: Someone', `fullName: ${JSON.stringify(fullName)}`),
    );
    const json = ws.run(['plan', 'devs.yaml', '--json']);
    expect(json.code, json.stderr).toBe(1);
    expectSafe(json.stdout + json.stderr, 'plan --json');
    expect(messagesOf(json).join('\n')).toContain('holds U+202E');
    for (const format of ['text', 'markdown']) {
      const result = ws.run(['plan', 'devs.yaml', '--format', format, '--no-color']);
      expect(result.code, result.stderr).toBe(1);
      expectSafe(result.stdout + result.stderr, `plan --format ${format}`);
      expect(result.stderr).toMatch(/^devs\.yaml:\d+:\d+: error: fullName .*\\u202eecalevol\\u202c.* holds U\+202E/m);
    }
  });
});

describe('diagnostics in a PR comment', () => {
  it('escape Markdown and HTML: a quoted value adds no link, image, mention, heading or code', () => {
    const plan = {
      formatVersion: '1',
      state: { lineage: null, serial: 0 },
      changes: [],
      summary: { create: 0, update: 0, delete: 0, transition: 0, move: 0 },
      errors: [
        {
          severity: 'error',
          message:
            'value "![x](https://evil.example/p.png) <img src=x onerror=alert(1)> @acme/admins **done** `code` | cell"',
          location: { file: `x${ESC}.yaml`, line: 1, column: 1 },
        },
      ],
      warnings: [],
    } as unknown as Plan;
    const [comment] = renderPlanMarkdown(plan, { cwd: '/' });
    expect(comment).toContain(
      '\\!\\[x\\](https://evil.example/p.png) \\<img src=x onerror=alert(1)\\> \\@acme/admins \\*\\*done\\*\\* \\`code\\` \\| cell',
    );
    expect(comment).toContain('x\\\\u001b.yaml');
    expect(comment).not.toMatch(/(?<!\\)<img|(?<!\\)@acme|(?<!\\)\*\*done/);
    expectSafe(comment!, 'the comment');
  });
});

describe('hostile strings that would validate', () => {
  const errorsOf = async (extra: string, email = 'a@example.com') => {
    const ws = workspace();
    ws.write('a.yaml', developerDoc(email, extra));
    return (await ws.load()).errors;
  };

  it.for([
    ['a local tag', '!foo Ada', '!foo'],
    ['a js/function tag', '!!js/function Ada', '!!js/function'],
    ['a verbatim tag', '!<tag:evil.example,2026:x> Ada', '!<tag:evil.example,2026:x>'],
    ['the non-specific tag', '! Ada', '!'],
    ['a binary tag', '!!binary QUJD', '!!binary'],
  ])('refuses %s, at the value', async ([, value, tag]) => {
    const ws = workspace();
    ws.write(
      'a.yaml',
      `version: 1\ndevelopers:\n  - email: a@example.com\n    fullName: ${value}\n    status: approved\n`,
    );
    const { errors, desired } = await ws.load();
    expect(desired).toBeNull();
    expect(errors).toEqual([
      expect.stringMatching(
        new RegExp(
          `^a\\.yaml:4:1[0-9]: error: unsupported YAML tag ${tag!.replace(/[!<>.,:]/g, '\\$&')}; write a plain string`.replace(
            '4:1[0-9]',
            '4:\\d+',
          ),
        ),
      ),
    ]);
  });

  it('refuses a custom tag on a mapping, a sequence and a key, and accepts core tags', async () => {
    expect(await errorsOf('    meta: !custom { a: b }\n')).toEqual([
      'a.yaml:6:11: error: unsupported YAML tag !custom; write a plain string, number or boolean',
    ]);
    expect(await errorsOf('    credentials: !!set [a]\n')).toEqual([
      expect.stringMatching(/^a\.yaml:6:\d+: error: unsupported YAML tag !!set;/),
    ]);
    expect(await errorsOf('    meta: { !k team: b }\n')).toEqual([
      expect.stringMatching(/^a\.yaml:6:13: error: unsupported YAML tag !k;/),
    ]);
    expect(await errorsOf('    customId: !!str 42\n    meta: !!map { a: !!str b }\n')).toEqual([]);
  });

  it('refuses a NUL character written as an escape, in a value or a key, at its string', async () => {
    expect(await errorsOf('    customId: "ada\\0"\n')).toEqual([
      'a.yaml:6:15: error: this string holds a NUL character (\\0), which no state can store; remove it',
    ]);
    expect(await errorsOf('    meta: { "te\\0am": x }\n')).toEqual([
      expect.stringMatching(/^a\.yaml:6:13: error: this string holds a NUL character/),
    ]);
  });

  it('refuses lone surrogates, in YAML and in JSON, and keeps a proper pair', async () => {
    expect(await errorsOf('    customId: "Ada \\ud800"\n')).toEqual([
      expect.stringMatching(/^a\.yaml:6:15: error: this string holds a lone surrogate \(U\+D800\)/),
    ]);
    const ws = workspace();
    ws.write(
      'a.json',
      JSON.stringify({
        version: 1,
        developers: [{ email: 'a@example.com', fullName: 'Ada', status: 'approved', meta: { team: 'x\udfff' } }],
      }),
    );
    expect((await ws.load()).errors).toEqual([
      expect.stringMatching(/^a\.json:1:\d+: error: this string holds a lone surrogate \(U\+DFFF\)/),
    ]);
    expect(await errorsOf('    meta: { team: "\\ud83d\\ude00" }\n')).toEqual([]);
  });

  it.for([
    ['a zero-width space', 'ada\u200b@example.com', 'U+200B'],
    ['a right-to-left override', 'ada\u202e@example.com', 'U+202E'],
    ['a bidi isolate in the domain', 'ada@exam\u2067ple.com', 'U+2067'],
    ['a zero-width joiner', 'a\u200dda@example.com', 'U+200D'],
    ['a byte order mark', '\ufeffada@example.com', 'U+FEFF'],
    ['a Hangul filler', 'ada\u3164@example.com', 'U+3164'],
    ['a soft hyphen', 'ada@exam\u00adple.com', 'U+00AD'],
    ['a no-break space', 'ada\u00a0@example.com', 'U+00A0'],
    ['a C1 control', 'ada\u0085@example.com', 'U+0085'],
    ['an ESC', 'ada\u001b@example.com', 'U+001B'],
  ])('refuses an email with %s, naming the character', async ([, email, name]) => {
    const errors = await errorsOf('', JSON.stringify(email));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      /^a\.yaml:3:12: error: ".*" is not a valid email address \(it holds U\+[0-9A-F]{4}, an invisible or control character/,
    );
    expect(errors[0]).toContain(name);
    expectSafe(errors[0]!, 'the message');
  });

  it('warns, without refusing, about an email that mixes scripts, and not about one script or CJK', async () => {
    const ws = workspace();
    ws.write('a.yaml', developerDoc('ada@p\u0430ypal.com')); // a Cyrillic а in a Latin domain
    ws.write('b.yaml', developerDoc('\u0430da@example.com')); // a Cyrillic а in a Latin local part, Latin domain
    ws.write('c.yaml', developerDoc('иван@пример.рф'));
    ws.write('d.yaml', developerDoc('yamada山田たろう@example.jp'));
    ws.write('e.yaml', developerDoc('josé@exämple.com'));
    const { desired, warnings, errors } = await ws.load();
    expect(errors).toEqual([]);
    expect(desired?.developers).toHaveLength(5);
    expect(warnings).toEqual([
      'a.yaml:3:12: warning: email "ada@pаypal.com" mixes Latin and Cyrillic letters in its domain, so it can pass for another address; check that it is the one you mean',
      'b.yaml:3:12: warning: email "аda@example.com" mixes Cyrillic and Latin letters in its local part, so it can pass for another address; check that it is the one you mean',
    ]);
  });

  it('keeps the portal sign-up on the same email rule', async () => {
    const { isValidEmail } = await import('../src/manifest/email.js');
    expect(isValidEmail('ada\u200b@example.com')).toBe(false);
    expect(isValidEmail('ada@p\u0430ypal.com')).toBe(true);
  });
});

describe('a guessing oracle for given keys', () => {
  const victimKey = 'ci-secret-key-of-the-victim-0001';
  const doc = (guesses: string[]) =>
    'version: 1\ndevelopers:\n' +
    '  - { email: victim@example.com, fullName: V, status: approved, credentials: [{ type: key-auth, name: prod, key: { fromEnv: PORTALFORM_SECRET_VICTIM } }] }\n' +
    '  - email: attacker@example.com\n    fullName: A\n    status: approved\n    credentials:\n' +
    guesses.map((key, i) => `      - { type: key-auth, name: guess-${i}, key: ${key} }\n`).join('');

  it('says only that a key is in use, at the guess, naming neither the holder nor its credential', async () => {
    for (const order of ['victim first', 'attacker first']) {
      const ws = workspace();
      const text = doc(['wrong-guess-number-0000001', victimKey, 'wrong-guess-number-0000002']);
      ws.write(
        'a.yaml',
        order === 'victim first' ? text : text.replace(/^( {2}- \{ email: victim.*\n)([\s\S]*)$/m, '$2$1'),
      );
      const { errors } = await ws.load({ env: { PORTALFORM_SECRET_VICTIM: victimKey } });
      expect(errors, order).toHaveLength(1);
      expect(errors[0], order).toMatch(
        /^a\.yaml:\d+:\d+: error: this key-auth key is already in use; it must be unique across the portal/,
      );
      expect(errors[0], order).not.toMatch(/victim|prod|PORTALFORM_SECRET_VICTIM|a\.yaml:3:/);
      expect(errors[0], order).not.toContain(victimKey);
    }
  });

  it('refuses a given key-auth key under 20 characters, which allowShortKeys accepts with a warning in the plan', async () => {
    const ws = cliWorkspace();
    ws.write(
      'portal/devs.yaml',
      developerDoc(
        'a@example.com',
        '    credentials:\n      - { type: key-auth, name: ci, key: { fromEnv: PORTALFORM_SECRET_SHORT } }\n',
      ),
    );
    const env = { PORTALFORM_SECRET_SHORT: 'only-19-characters!' };
    const refused = ws.run(['plan', 'portal'], { env });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('portal/devs.yaml:7:42: error: this key-auth key is shorter than 20 characters');
    ws.write('portal/portal.yaml', 'version: 1\nportal:\n  allowShortKeys: true\n');
    for (const format of ['text', 'markdown']) {
      const planned = ws.run(['plan', 'portal', '--format', format], { env });
      expect(planned.code, planned.stderr).toBe(0);
      const said =
        'portal.allowShortKeys is true: key-auth keys shorter than 20 characters are accepted for a migration (1 such key is given here)';
      expect(format === 'markdown' ? planned.stdout : planned.stderr).toContain(said);
    }
    const json = JSON.parse(ws.run(['plan', 'portal', '--json'], { env }).stdout) as {
      warnings: Array<{ message: string }>;
    };
    expect(json.warnings.map((w) => w.message)).toEqual([expect.stringContaining('portal.allowShortKeys is true')]);
  });
});
