// Loading a manifest set: discovery, the desired state built from it, and source positions.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultPortalSettings } from '../src/portal-settings.js';
import { formatDiagnostic } from '../src/manifest/index.js';
import { workspace } from './helpers/cli.js';
import { developerDoc } from './helpers/manifest.js';

describe('desired state', () => {
  it('normalizes developers and credentials, fills defaults and sorts', async () => {
    const ws = workspace();
    ws.write(
      'devs.yaml',
      [
        'version: 1',
        'developers:',
        '  - email: Zed@Example.com',
        '    fullName: Zed',
        '    status: approved',
        '    customId: zed-1',
        '    meta: { team: core }',
        '    credentials:',
        '      - { type: oauth2, name: app }',
        '      - { type: jwt, key: zed-issuer }',
        '      - { type: acl, group: b }',
        '      - { type: acl, group: a }',
        '      - { type: key-auth, name: ci, key: { fromEnv: PORTALFORM_SECRET_ZED }, ttl: 60 }',
        '  - email: ada@example.com',
        '    fullName: Ada',
        '    status: pending',
        'moved:',
        '  - { from: Zed@Old.Example, to: zed@example.com }',
        '',
      ].join('\n'),
    );
    const { desired, diagnostics } = await ws.load({
      env: { PORTALFORM_SECRET_ZED: 'zed-ci-key-of-twenty-characters' },
    });
    expect(diagnostics).toEqual([]);
    expect(desired?.credentialTypes).toEqual(['key-auth', 'basic-auth', 'oauth2', 'hmac-auth', 'jwt', 'acl']);
    // No portal block: the settings are the defaults (docs/portal-service.md#settings).
    expect(desired?.portal).toEqual(defaultPortalSettings());
    expect(desired?.portal.selfService.credentialTypes).toEqual([
      'key-auth',
      'basic-auth',
      'oauth2',
      'hmac-auth',
      'jwt',
    ]);
    expect(desired?.developers.map((d) => d.email)).toEqual(['ada@example.com', 'zed@example.com']);
    const zed = desired!.developers[1];
    expect(zed).toMatchObject({ fullName: 'Zed', status: 'approved', customId: 'zed-1', meta: { team: 'core' } });
    expect(desired!.developers[0]).toMatchObject({ customId: null, meta: {}, credentials: [] });
    expect(zed.credentials.map((c) => `${c.type}:${c.identity}`)).toEqual([
      'acl:a',
      'acl:b',
      'jwt:zed-issuer',
      'key-auth:ci',
      'oauth2:app',
    ]);
    const byType = Object.fromEntries(zed.credentials.map((c) => [`${c.type}:${c.identity}`, c]));
    expect(byType['jwt:zed-issuer'].fields).toEqual({ key: 'zed-issuer', algorithm: 'HS256' });
    expect(byType['oauth2:app'].fields).toEqual({
      name: 'app',
      clientType: 'confidential',
      hashSecret: false,
      redirectUris: [],
    });
    expect(byType['key-auth:ci'].fields).toEqual({ name: 'ci', ttl: 60 });
    expect(byType['key-auth:ci'].secrets).toEqual({
      key: { source: { kind: 'env', name: 'PORTALFORM_SECRET_ZED' }, value: 'zed-ci-key-of-twenty-characters' },
    });
    expect(desired?.moved).toEqual([
      {
        from: 'zed@old.example',
        to: 'zed@example.com',
        location: { file: path.join(ws.dir, 'devs.yaml'), line: 18, column: 5 },
      },
    ]);
    expect(desired?.files).toEqual([path.join(ws.dir, 'devs.yaml')]);
    expect(desired?.manifestDigest).toMatch(/^[0-9a-f]{64}$/);
  });

  it('takes credentialTypes from the portal block', async () => {
    const ws = workspace();
    ws.write('portal.yaml', 'version: 1\nportal:\n  credentialTypes: [jwt, acl]\n');
    const { desired } = await ws.load();
    expect(desired?.credentialTypes).toEqual(['jwt', 'acl']);
  });

  it('leaves secrets empty when resolveSecrets is false', async () => {
    const ws = workspace();
    ws.write(
      'a.yaml',
      developerDoc(
        'a@example.com',
        '    credentials:\n      - { type: basic-auth, username: a, password: { fromEnv: PORTALFORM_SECRET_UNSET } }\n',
      ),
    );
    const { desired, diagnostics } = await ws.load({ resolveSecrets: false });
    expect(diagnostics).toEqual([]);
    expect(desired?.developers[0].credentials[0].secrets).toEqual({});
  });

  it('digests relative paths and contents, so moving the whole set keeps the digest', async () => {
    const a = workspace();
    const b = workspace();
    for (const ws of [a, b]) ws.write('m/devs.yaml', developerDoc('a@example.com'));
    const [da, db] = [(await a.load()).desired, (await b.load()).desired];
    expect(da?.manifestDigest).toBe(db?.manifestDigest);
    b.write('m/devs.yaml', developerDoc('b@example.com'));
    expect((await b.load()).desired?.manifestDigest).not.toBe(da?.manifestDigest);
  });
});

describe('discovery', () => {
  it('finds yaml, yml and json files recursively, sorted, skipping dot entries and node_modules', async () => {
    const ws = workspace();
    ws.write('b/two.yml', developerDoc('two@example.com'));
    ws.write('a/one.yaml', developerDoc('one@example.com'));
    ws.write(
      'c.json',
      JSON.stringify({ version: 1, developers: [{ email: 'three@example.com', fullName: 'T', status: 'approved' }] }),
    );
    ws.write('.hidden/x.yaml', 'garbage: [');
    ws.write('node_modules/pkg/x.yaml', 'garbage: [');
    ws.write('notes.txt', 'not a manifest');
    const { desired, diagnostics } = await ws.load();
    expect(diagnostics).toEqual([]);
    expect(desired?.files.map((f) => path.relative(ws.dir, f))).toEqual(['a/one.yaml', 'b/two.yml', 'c.json']);
  });

  it('takes a file argument whatever its extension', async () => {
    const ws = workspace();
    ws.write('devs.manifest', developerDoc('a@example.com'));
    const { desired } = await ws.load({ paths: ['devs.manifest'] });
    expect(desired?.developers.map((d) => d.email)).toEqual(['a@example.com']);
  });

  it('reports a missing path', async () => {
    const ws = workspace();
    const { desired, errors } = await ws.load({ paths: ['nope'] });
    expect(desired).toBeNull();
    expect(errors).toEqual(['error: nope: no such file or directory']);
  });

  it('refuses a directory without manifests rather than planning to delete everything', async () => {
    const ws = workspace();
    ws.write('readme.md', '# nothing');
    const { desired, errors } = await ws.load();
    expect(desired).toBeNull();
    expect(errors[0]).toMatch(/no manifest files/);
  });

  it('ends on a symbolic link loop and loads each file once', async () => {
    const ws = workspace();
    ws.write('d/devs.yaml', developerDoc('a@example.com'));
    fs.symlinkSync('..', path.join(ws.dir, 'd', 'loop'));
    const { desired, diagnostics } = await ws.load({ paths: ['.', 'd/devs.yaml'] });
    expect(diagnostics).toEqual([]);
    expect(desired?.files).toHaveLength(1);
  });
});

describe('source positions', () => {
  it('locates values in the second document of a YAML file', async () => {
    const ws = workspace();
    const file = ws.write(
      'multi.yaml',
      [
        'version: 1',
        'developers:',
        '  - { email: a@example.com, fullName: A, status: approved }',
        '---',
        '# second document',
        'version: 1',
        'developers:',
        '  - email: b@example.com',
        '    fullName: B',
        '    status: approvd',
        '    credentials:',
        '      -   type: acl',
        '          group: g',
        '',
      ].join('\n'),
    );
    const bad = await ws.load();
    expect(bad.errors).toEqual([
      'multi.yaml:10:13: error: `status`: `approvd` is not allowed; did you mean `approved`? allowed: pending, approved, rejected, revoked',
    ]);
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('approvd', 'approved'));
    const { desired } = await ws.load();
    const b = desired!.developers[1];
    expect(b.location).toEqual({ file, line: 8, column: 5 });
    expect(b.credentials[0].location).toEqual({ file, line: 12, column: 11 });
    expect(desired!.developers[0].location).toEqual({ file, line: 3, column: 5 });
  });

  it('locates values in a JSON file', async () => {
    const ws = workspace();
    ws.write(
      'devs.json',
      '{\n  "version": 1,\n  "developers": [\n    {\n      "email": "a@example.com",\n      "fullName": "A",\n      "status": 7\n    }\n  ]\n}\n',
    );
    const { errors } = await ws.load();
    expect(errors).toEqual([
      'devs.json:7:17: error: `status`: `7` is not allowed; allowed: pending, approved, rejected, revoked',
    ]);
  });

  it('accepts a JSON file indented with tabs', async () => {
    const ws = workspace();
    ws.write('devs.json', '{\n\t"version": 1,\n\t"developers": []\n}\n');
    expect((await ws.load()).diagnostics).toEqual([]);
  });

  it('formats a diagnostic relative to cwd only when inside it', () => {
    const d = {
      severity: 'error' as const,
      message: 'bad',
      location: { file: '/tmp/x/devs.yaml', line: 2, column: 3 },
    };
    expect(formatDiagnostic(d, '/tmp/x')).toBe('devs.yaml:2:3: error: bad');
    expect(formatDiagnostic(d, '/srv')).toBe('/tmp/x/devs.yaml:2:3: error: bad');
    expect(formatDiagnostic({ severity: 'warning', message: 'hm' })).toBe('warning: hm');
  });
});
