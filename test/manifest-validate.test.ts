// The checks of the manifest set as a whole (docs/manifests.md), one test each.
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { workspace } from './helpers/cli.js';
import { developerDoc } from './helpers/manifest.js';

async function errorsOf(files: Record<string, string>, env: Record<string, string> = {}): Promise<string[]> {
  const ws = workspace();
  for (const [name, text] of Object.entries(files)) ws.write(name, text);
  const { errors, desired } = await ws.load({ env });
  expect(desired === null).toBe(errors.length > 0);
  return errors;
}

function credentials(...lines: string[]): string {
  return `    credentials:\n${lines.map((l) => `      - ${l}\n`).join('')}`;
}

describe('manifest set', () => {
  it('allows one portal block only', async () => {
    const portal = 'version: 1\nportal:\n  credentialTypes: [acl]\n';
    expect(await errorsOf({ 'a.yaml': portal, 'b.yaml': portal })).toEqual([
      'b.yaml:2:1: error: a second `portal` block; only one document of the manifest set may carry it (the first is at a.yaml:2:1)',
    ]);
  });

  it('refuses a developer declared twice, whatever the case, naming both files', async () => {
    const extra = '    customId: ada\n    credentials:\n      - { type: jwt, key: ada }\n';
    expect(
      await errorsOf({
        'a.yaml': developerDoc('Ada@Example.com', extra),
        'b.yaml': developerDoc('ada@example.COM', extra),
      }),
    ).toEqual([
      'b.yaml:3:12: error: developer ada@example.com is declared twice (also at a.yaml:3:12); emails are compared case-insensitively',
    ]);
  });

  it('accepts unicode emails and refuses malformed ones', async () => {
    const good = ['josé@exämple.com', '用户@例子.中国', 'a.b+tag@sub.example.co.uk'];
    const bad = [
      'no-at-sign',
      'a@localhost',
      'a b@example.com',
      'a@@example.com',
      'a@exa mple.com',
      '.a@example.com',
      'a@example..com',
      'a@-example.com',
      '@example.com',
    ];
    const docs = Object.fromEntries(
      [...good, ...bad].map((email, i) => [`d${String(i).padStart(2, '0')}.yaml`, developerDoc(JSON.stringify(email))]),
    );
    const errors = await errorsOf(docs);
    expect(errors).toHaveLength(bad.length);
    expect(errors[0]).toBe(
      'd03.yaml:3:12: error: "no-at-sign" is not a valid email address (expected one @, no spaces, and a domain with a dot, like ada@example.com)',
    );
  });

  it('refuses two credentials with the same identity on one developer', async () => {
    const doc = developerDoc(
      'a@example.com',
      credentials('{ type: key-auth, name: ci }', '{ type: acl, group: ci }', '{ type: key-auth, name: ci }'),
    );
    expect(await errorsOf({ 'a.yaml': doc })).toEqual([
      "a.yaml:9:9: error: developer a@example.com has two credentials key-auth:ci (the first at a.yaml:7:9); a credential's identity must be unique per developer",
    ]);
  });

  it('refuses unique values used by two developers, naming both (never for a secret value)', async () => {
    const a = developerDoc(
      'a@example.com',
      '    customId: shared\n' +
        credentials(
          '{ type: basic-auth, username: u }',
          '{ type: hmac-auth, username: u }',
          '{ type: jwt, key: iss }',
          '{ type: oauth2, name: app-a, clientId: cid }',
          '{ type: key-auth, name: k, key: { fromEnv: PORTALFORM_SECRET_A } }',
        ),
    );
    const b = developerDoc(
      'b@example.com',
      '    customId: shared\n' +
        credentials(
          '{ type: basic-auth, username: u }',
          '{ type: hmac-auth, username: u }',
          '{ type: jwt, key: iss }',
          '{ type: oauth2, name: app-b, clientId: cid }',
          '{ type: key-auth, name: k, key: { fromEnv: PORTALFORM_SECRET_B } }',
        ),
    );
    const errors = await errorsOf(
      { 'a.yaml': a, 'b.yaml': b },
      { PORTALFORM_SECRET_A: 'same-key-auth-key-value-01', PORTALFORM_SECRET_B: 'same-key-auth-key-value-01' },
    );
    expect(errors).toEqual([
      'b.yaml:6:15: error: customId "shared" of developer b@example.com is already used by developer a@example.com at a.yaml:6:15; it must be unique across the portal',
      'b.yaml:8:39: error: basic-auth username "u" of b@example.com\'s basic-auth:u is already used by a@example.com\'s basic-auth:u at a.yaml:8:39; it must be unique across the portal',
      'b.yaml:9:38: error: hmac-auth username "u" of b@example.com\'s hmac-auth:u is already used by a@example.com\'s hmac-auth:u at a.yaml:9:38; it must be unique across the portal',
      'b.yaml:10:27: error: jwt key "iss" of b@example.com\'s jwt:iss is already used by a@example.com\'s jwt:iss at a.yaml:10:27; it must be unique across the portal',
      'b.yaml:11:48: error: oauth2 clientId "cid" of b@example.com\'s oauth2:app-b is already used by a@example.com\'s oauth2:app-a at a.yaml:11:48; it must be unique across the portal',
      'b.yaml:12:41: error: this key-auth key is already in use; it must be unique across the portal: give another value, or omit it to have one generated',
    ]);
  });

  it('refuses one key-auth key used twice by the same developer', async () => {
    const doc = developerDoc(
      'a@example.com',
      credentials(
        '{ type: key-auth, name: one, key: { fromEnv: PORTALFORM_SECRET_K } }',
        '{ type: key-auth, name: two, key: { fromEnv: PORTALFORM_SECRET_K } }',
      ),
    );
    expect(await errorsOf({ 'a.yaml': doc }, { PORTALFORM_SECRET_K: 'a-key-of-over-twenty-characters' })).toEqual([
      'a.yaml:8:43: error: this key-auth key is already in use; it must be unique across the portal: give another value, or omit it to have one generated',
    ]);
  });

  it('refuses credentials on a pending developer', async () => {
    const doc = developerDoc('a@example.com', credentials('{ type: acl, group: g }'), 'pending');
    expect(await errorsOf({ 'a.yaml': doc })).toEqual([
      'a.yaml:6:5: error: developer a@example.com is pending: pending developers cannot hold credentials; approve it first or remove the credentials',
    ]);
  });

  it('refuses credentials on a rejected developer', async () => {
    const doc = developerDoc('a@example.com', credentials('{ type: acl, group: g }'), 'rejected');
    expect(await errorsOf({ 'a.yaml': doc })).toEqual([
      'a.yaml:6:5: error: developer a@example.com is rejected: rejected developers cannot hold credentials; remove the credentials',
    ]);
  });

  it('refuses a credential type the portal has not enabled', async () => {
    const portal = 'version: 1\nportal:\n  credentialTypes: [key-auth]\n';
    const doc = developerDoc('a@example.com', credentials('{ type: acl, group: g }'));
    expect(await errorsOf({ 'a.yaml': doc, 'portal.yaml': portal })).toEqual([
      'a.yaml:7:17: error: credential type acl is not enabled on this portal (portal.credentialTypes at portal.yaml:2:1); enable it or remove the credential',
    ]);
  });

  it('refuses a self-service type the portal has not enabled', async () => {
    const portal =
      'version: 1\nportal:\n  credentialTypes: [key-auth, acl]\n  selfService:\n    credentialTypes: [key-auth, jwt]\n';
    expect(await errorsOf({ 'portal.yaml': portal })).toEqual([
      'portal.yaml:5:33: error: portal.selfService.credentialTypes lists jwt, which portal.credentialTypes does not enable; enable it there or remove it here',
    ]);
  });

  it('derives the self-service types from the enabled ones when the block leaves them out', async () => {
    const ws = workspace();
    ws.write(
      'portal.yaml',
      'version: 1\nportal:\n  credentialTypes: [acl, jwt]\n  autoApprove: true\n  selfService: { maxCredentials: 3 }\n',
    );
    const { desired, errors } = await ws.load();
    expect(errors).toEqual([]);
    expect(desired!.portal).toEqual({
      credentialTypes: ['jwt', 'acl'],
      autoApprove: true,
      allowShortKeys: false,
      selfService: { enabled: true, credentialTypes: ['jwt'], maxCredentials: 3, maxApplications: 10 },
      autoApproveRegistrations: false,
    });
  });

  describe('key-auth key length', () => {
    const keys = (...lines: string[]) => developerDoc('a@example.com', credentials(...lines));
    const tooShort = (at: string) =>
      `${at}: error: this key-auth key is shorter than 20 characters; give a longer one, or omit it to have one generated (for a migration, \`portal.allowShortKeys: true\` accepts shorter keys)`;

    it('refuses a given key shorter than 20 characters, literal, from the environment or from a file', async () => {
      const ws = workspace();
      ws.write(
        'a.yaml',
        keys(
          '{ type: key-auth, name: literal, key: "nineteen-characters" }',
          '{ type: key-auth, name: env, key: { fromEnv: PORTALFORM_SECRET_SHORT } }',
          '{ type: key-auth, name: file, key: { fromFile: short.key } }',
          '{ type: key-auth, name: ok, key: { fromEnv: PORTALFORM_SECRET_TWENTY } }',
          '{ type: key-auth, name: generated }',
        ),
      );
      ws.write('short.key', 'SENTINEL-short\n');
      const { errors, desired, messages } = await ws.load({
        env: { PORTALFORM_SECRET_SHORT: 'ñ'.repeat(19), PORTALFORM_SECRET_TWENTY: 'é'.repeat(20) },
      });
      expect(desired).toBeNull();
      expect(errors).toEqual([tooShort('a.yaml:7:47'), tooShort('a.yaml:8:43'), tooShort('a.yaml:9:44')]);
      expect(messages.join('\n')).not.toContain('SENTINEL-short');
    });

    it('accepts short keys when portal.allowShortKeys allows them, with a warning', async () => {
      const ws = workspace();
      ws.write(
        'a.yaml',
        keys(
          '{ type: key-auth, name: old, key: { fromEnv: PORTALFORM_SECRET_OLD } }',
          '{ type: key-auth, name: older, key: { fromEnv: PORTALFORM_SECRET_OLDER } }',
        ),
      );
      ws.write('portal.yaml', 'version: 1\nportal:\n  allowShortKeys: true\n');
      const { errors, warnings, desired } = await ws.load({
        env: { PORTALFORM_SECRET_OLD: 'abc', PORTALFORM_SECRET_OLDER: 'abcd' },
      });
      expect(errors).toEqual([]);
      expect(desired!.portal.allowShortKeys).toBe(true);
      expect(warnings).toEqual([
        'portal.yaml:3:3: warning: portal.allowShortKeys is true: key-auth keys shorter than 20 characters are accepted for a migration (2 such keys are given here); rotate them to longer ones, then remove the setting',
      ]);
    });

    it('still warns about allowShortKeys when no key is short', async () => {
      const ws = workspace();
      ws.write('portal.yaml', 'version: 1\nportal:\n  allowShortKeys: true\n');
      expect((await ws.load()).warnings).toEqual([
        expect.stringContaining(
          'portal.yaml:3:3: warning: portal.allowShortKeys is true: key-auth keys shorter than 20 characters are accepted for a migration (none is given here)',
        ),
      ]);
    });

    it('refuses short keys when allowShortKeys is false, as when it is left out', async () => {
      const portal = 'version: 1\nportal:\n  allowShortKeys: false\n';
      const doc = keys('{ type: key-auth, name: old, key: { fromEnv: PORTALFORM_SECRET_OLD } }');
      expect(await errorsOf({ 'a.yaml': doc, 'portal.yaml': portal }, { PORTALFORM_SECRET_OLD: 'abc' })).toEqual([
        tooShort('a.yaml:7:43'),
      ]);
    });
  });

  it('requires rsaPublicKey for public-key jwt algorithms, ES* included', async () => {
    const pem = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const doc = developerDoc(
      'a@example.com',
      credentials(
        '{ type: jwt, key: a, algorithm: RS256 }',
        '{ type: jwt, key: b, algorithm: ES256 }',
        '{ type: jwt, key: c, algorithm: EdDSA }',
        '{ type: jwt, key: d, algorithm: HS512 }',
        `{ type: jwt, key: e, algorithm: PS256, rsaPublicKey: ${JSON.stringify(pem)} }`,
      ),
    );
    const message = (alg: string) =>
      `error: jwt algorithm ${alg} verifies tokens with a public key; add rsaPublicKey (the PEM text or { fromFile: PATH })`;
    expect(await errorsOf({ 'a.yaml': doc })).toEqual([
      `a.yaml:7:41: ${message('RS256')}`,
      `a.yaml:8:41: ${message('ES256')}`,
      `a.yaml:9:41: ${message('EdDSA')}`,
    ]);
  });

  it('refuses redirect URIs that are not absolute URLs with a host', async () => {
    const doc = developerDoc(
      'a@example.com',
      credentials(
        '{ type: oauth2, name: app, redirectUris: [https://ok.example/cb, /callback, "mailto:x@example.com", "https://x.example/#frag"] }',
      ),
    );
    expect(await errorsOf({ 'a.yaml': doc })).toEqual([
      'a.yaml:7:74: error: redirect URI "/callback" is not an absolute URL; write it with a scheme and host, like https://app.example.com/callback',
      'a.yaml:7:85: error: redirect URI "mailto:x@example.com" uses the scheme "mailto:"; allowed: https, http for a loopback host, or an app\'s private-use scheme named by a reverse domain (com.example.app:/callback)',
      'a.yaml:7:109: error: redirect URI "https://x.example/#frag" has a fragment (#...), which OAuth 2.0 forbids',
    ]);
  });
});

describe('moved blocks', () => {
  const declared =
    'version: 1\ndevelopers:\n' +
    ['b', 'c', 'd'].map((n) => `  - { email: ${n}@example.com, fullName: ${n}, status: approved }\n`).join('');
  const moved = (...pairs: Array<[string, string]>) =>
    `version: 1\nmoved:\n${pairs.map(([f, t]) => `  - { from: ${f}@example.com, to: ${t}@example.com }\n`).join('')}`;

  it('refuses the same `from` twice', async () => {
    expect(await errorsOf({ 'd.yaml': declared, 'm.yaml': moved(['a', 'b'], ['a', 'c']) })).toEqual([
      'm.yaml:4:13: error: a@example.com is moved twice (first at m.yaml:3:13)',
    ]);
  });

  it('refuses the same `to` twice', async () => {
    expect(await errorsOf({ 'd.yaml': declared, 'm.yaml': moved(['a', 'b'], ['x', 'b']) })).toEqual([
      'm.yaml:4:32: error: two moved blocks move to b@example.com (first at m.yaml:3:32)',
    ]);
  });

  it('refuses a `from` still declared as a developer', async () => {
    expect(await errorsOf({ 'd.yaml': declared, 'm.yaml': moved(['c', 'b']) })).toEqual([
      'm.yaml:3:13: error: c@example.com is moved to b@example.com but is still declared as a developer; remove one or the other',
    ]);
  });

  it('refuses a `to` that is not declared', async () => {
    expect(await errorsOf({ 'd.yaml': declared, 'm.yaml': moved(['a', 'z']) })).toEqual([
      'm.yaml:3:32: error: moved block moves to z@example.com, which is not declared as a developer; declare it under developers',
    ]);
  });

  it('refuses chains', async () => {
    expect(await errorsOf({ 'd.yaml': declared, 'm.yaml': moved(['a', 'x'], ['x', 'b']) })).toEqual([
      'm.yaml:3:32: error: moved block moves to x@example.com, which is not declared as a developer; declare it under developers',
      'm.yaml:4:13: error: moved blocks chain through x@example.com (something moves to it, and it moves to b@example.com); move straight to the final email instead',
    ]);
  });

  it('refuses cycles', async () => {
    const errors = await errorsOf({ 'd.yaml': declared, 'm.yaml': moved(['b', 'c'], ['c', 'b']) });
    expect(errors.filter((e) => e.includes('chain through'))).toHaveLength(2);
  });
});
