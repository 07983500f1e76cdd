// Secret references: what they may reach, what they resolve to, and that no value ever leaks.
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { workspace } from './helpers/cli.js';
import { developerDoc } from './helpers/manifest.js';

const SENTINEL = 'SENTINEL-9f3a-a-long-enough-key';

function keyAuth(ref: string): string {
  return developerDoc('a@example.com', `    credentials:\n      - { type: key-auth, name: ci, key: ${ref} }\n`);
}

describe('fromEnv', () => {
  it('reads a PORTALFORM_SECRET_ variable', async () => {
    const ws = workspace();
    ws.write('a.yaml', keyAuth('{ fromEnv: PORTALFORM_SECRET_CI }'));
    const { desired } = await ws.load({ env: { PORTALFORM_SECRET_CI: SENTINEL } });
    expect(desired?.developers[0].credentials[0].secrets.key).toEqual({
      source: { kind: 'env', name: 'PORTALFORM_SECRET_CI' },
      value: SENTINEL,
    });
  });

  it('refuses a variable outside the PORTALFORM_SECRET_ prefix, saying why', async () => {
    const ws = workspace();
    ws.write('a.yaml', keyAuth('{ fromEnv: HOME }'));
    const { errors } = await ws.load({ env: { HOME: '/root' } });
    expect(errors).toEqual([
      "a.yaml:7:42: error: fromEnv may only read variables named PORTALFORM_SECRET_*, not HOME: a manifest can come from anyone who opens a pull request, and must not read the pipeline's other variables",
    ]);
  });

  it('refuses a missing or empty variable', async () => {
    const ws = workspace();
    ws.write('a.yaml', keyAuth('{ fromEnv: PORTALFORM_SECRET_MISSING }'));
    ws.write(
      'b.yaml',
      keyAuth('{ fromEnv: PORTALFORM_SECRET_EMPTY }').replace('a@example.com', 'b@example.com').replace('ci', 'cb'),
    );
    const { errors } = await ws.load({ env: { PORTALFORM_SECRET_EMPTY: '' } });
    expect(errors).toEqual([
      'a.yaml:7:42: error: environment variable PORTALFORM_SECRET_MISSING is not set',
      'b.yaml:7:42: error: environment variable PORTALFORM_SECRET_EMPTY is empty',
    ]);
  });
});

describe('fromFile', () => {
  it('reads a file relative to the manifest, trimming one trailing newline', async () => {
    const ws = workspace();
    const secret = ws.write('m/secrets/ci.txt', `${SENTINEL}\r\n`);
    ws.write('m/devs/a.yaml', keyAuth('{ fromFile: ../secrets/ci.txt }'));
    const { desired, diagnostics } = await ws.load({ paths: ['m'] });
    expect(diagnostics).toEqual([]);
    expect(desired?.developers[0].credentials[0].secrets.key).toEqual({
      source: { kind: 'file', path: secret },
      value: SENTINEL,
    });
  });

  it('refuses a file outside the manifest path', async () => {
    const ws = workspace();
    ws.write('outside.txt', SENTINEL);
    ws.write('m/a.yaml', keyAuth('{ fromFile: ../outside.txt }'));
    const { errors } = await ws.load({ paths: ['m'] });
    expect(errors).toEqual([
      'm/a.yaml:7:42: error: ../outside.txt resolves to outside.txt, outside the manifest paths and --secrets-dir directories (m); a manifest can come from anyone who opens a pull request, so it may only read files inside them',
    ]);
  });

  it('refuses a symbolic link that points outside', async () => {
    const ws = workspace();
    ws.write('outside.txt', SENTINEL);
    ws.write('m/a.yaml', keyAuth('{ fromFile: link.txt }'));
    fs.symlinkSync(path.join(ws.dir, 'outside.txt'), path.join(ws.dir, 'm', 'link.txt'));
    const { errors } = await ws.load({ paths: ['m'] });
    expect(errors).toEqual([
      expect.stringMatching(/^m\/a\.yaml:7:42: error: link\.txt resolves to outside\.txt, outside the manifest paths/),
    ]);
  });

  it('refuses a file under a linked directory that points outside, and follows links that stay inside', async () => {
    const ws = workspace();
    ws.write('elsewhere/key.txt', SENTINEL);
    ws.write('m/keys/real.txt', 'inside-value-of-a-long-enough-key');
    fs.symlinkSync(path.join(ws.dir, 'elsewhere'), path.join(ws.dir, 'm', 'linked'));
    fs.symlinkSync(path.join(ws.dir, 'm', 'keys', 'real.txt'), path.join(ws.dir, 'm', 'alias.txt'));
    ws.write('m/a.yaml', keyAuth('{ fromFile: linked/key.txt }'));
    const refused = await ws.load({ paths: ['m'] });
    expect(refused.errors).toEqual([
      expect.stringMatching(
        /^m\/a\.yaml:7:42: error: linked\/key\.txt resolves to elsewhere\/key\.txt, outside the manifest paths/,
      ),
    ]);
    ws.write('m/a.yaml', keyAuth('{ fromFile: alias.txt }'));
    const followed = await ws.load({ paths: ['m'] });
    expect(followed.errors).toEqual([]);
    expect(followed.desired!.developers[0]!.credentials[0]!.secrets.key?.value).toBe(
      'inside-value-of-a-long-enough-key',
    );
  });

  it('reads outside the manifest path from a --secrets-dir', async () => {
    const ws = workspace();
    ws.write('vault/ci.txt', SENTINEL);
    ws.write('m/a.yaml', keyAuth('{ fromFile: ../vault/ci.txt }'));
    const { desired, diagnostics } = await ws.load({ paths: ['m'], secretsDirs: ['vault'] });
    expect(diagnostics).toEqual([]);
    expect(desired?.developers[0].credentials[0].secrets.key.value).toBe(SENTINEL);
  });

  it('refuses a --secrets-dir that does not exist', async () => {
    const ws = workspace();
    ws.write('a.yaml', developerDoc('a@example.com'));
    const { errors } = await ws.load({ secretsDirs: ['nope'] });
    expect(errors).toEqual(['error: --secrets-dir nope: no such directory']);
  });

  it('with a file argument, allows its directory', async () => {
    const ws = workspace();
    ws.write('m/ci.txt', SENTINEL);
    ws.write('m/a.yaml', keyAuth('{ fromFile: ci.txt }'));
    const { diagnostics } = await ws.load({ paths: ['m/a.yaml'] });
    expect(diagnostics).toEqual([]);
  });

  it('refuses a directory and a missing file', async () => {
    const ws = workspace();
    fs.mkdirSync(path.join(ws.dir, 'm', 'dir'), { recursive: true });
    ws.write('m/a.yaml', keyAuth('{ fromFile: dir }'));
    ws.write(
      'm/b.yaml',
      keyAuth('{ fromFile: missing.txt }').replace('a@example.com', 'b@example.com').replace('ci', 'cb'),
    );
    const { errors } = await ws.load({ paths: ['m'] });
    expect(errors).toEqual([
      'm/a.yaml:7:42: error: m/dir is a directory, not a file',
      'm/b.yaml:7:42: error: file m/missing.txt not found',
    ]);
  });

  it('reads a jwt public key from a file, and refuses a private key', async () => {
    const ws = workspace();
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    ws.write('keys/public.pem', pem);
    ws.write('keys/private.pem', privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    const jwt = (key: string, file: string) =>
      `      - { type: jwt, key: ${key}, algorithm: ES256, rsaPublicKey: { fromFile: keys/${file} } }\n`;
    ws.write(
      'a.yaml',
      developerDoc('a@example.com', `    credentials:\n${jwt('good', 'public.pem')}${jwt('bad', 'private.pem')}`),
    );
    const { errors } = await ws.load();
    expect(errors).toEqual([
      'a.yaml:8:64: error: rsaPublicKey is not a PEM public key (-----BEGIN PUBLIC KEY----- ... -----END PUBLIC KEY-----)',
    ]);
    ws.write('a.yaml', developerDoc('a@example.com', `    credentials:\n${jwt('good', 'public.pem')}`));
    const { desired } = await ws.load();
    expect(desired?.developers[0].credentials[0].fields).toEqual({
      key: 'good',
      algorithm: 'ES256',
      rsaPublicKey: pem.replace(/\n$/, ''),
    });
  });
});

describe('literal secrets', () => {
  it('are accepted with a warning naming where they are', async () => {
    const ws = workspace();
    const file = ws.write('a.yaml', keyAuth(SENTINEL));
    const { desired, warnings } = await ws.load();
    expect(warnings).toEqual(['a.yaml:7:42: warning: literal secret in manifest; use fromEnv or fromFile']);
    const location = { file, line: 7, column: 42 };
    expect(desired?.developers[0].credentials[0].secrets.key).toEqual({
      source: { kind: 'literal', location },
      value: SENTINEL,
    });
  });
});

describe('secret values', () => {
  it('never appear in a diagnostic', async () => {
    const ws = workspace();
    ws.write('m/secret.txt', SENTINEL);
    ws.write('outside.txt', SENTINEL);
    const credential = (i: number, key: string) => `      - { type: key-auth, name: k${i}, key: ${key} }\n`;
    const creds = [
      SENTINEL,
      '{ fromEnv: PORTALFORM_SECRET_S }',
      '{ fromFile: secret.txt }',
      '{ fromFile: ../outside.txt }',
      '{ fromEnv: HOME }',
    ];
    const text = developerDoc('a@example.com', `    credentials:\n${creds.map((c, i) => credential(i, c)).join('')}`);
    ws.write('m/a.yaml', text);
    ws.write('m/b.yaml', text.replace('a@example.com', 'b@example.com'));
    ws.write(
      'm/c.yaml',
      keyAuth(`{ fromEnv: PORTALFORM_SECRET_S }, ttl: ${SENTINEL}`).replace('a@example.com', 'c@example.com'),
    );
    const { diagnostics, messages } = await ws.load({
      paths: ['m'],
      env: { PORTALFORM_SECRET_S: SENTINEL, HOME: SENTINEL },
    });
    // a and b: a literal warning and two refused references each; three keys of b and two of a
    // repeat a's first key; c's ttl is not an integer.
    expect(diagnostics).toHaveLength(12);
    expect(messages.filter((m) => m.includes(SENTINEL))).toEqual([]);
  });
});
