// Schema errors: located at the offending key or value, with a hint a person can act on.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { workspace } from './helpers/cli.js';
import { developerDoc } from './helpers/manifest.js';

async function errorsOf(text: string): Promise<string[]> {
  const ws = workspace();
  ws.write('m.yaml', text);
  return (await ws.load()).errors;
}

describe('schema', () => {
  it('points at an unknown key and suggests the right one', async () => {
    const text = 'version: 1\ndevelopers:\n  - email: a@example.com\n    fullname: Ada\n    status: approved\n';
    expect(await errorsOf(text)).toEqual([
      'm.yaml:4:5: error: unknown key `fullname` in developers[0]; did you mean `fullName`?',
    ]);
  });

  it('suggests a key of the credential type at hand', async () => {
    const text = developerDoc('a@example.com', '    credentials:\n      - { type: key-auth, nmae: ci }\n');
    expect(await errorsOf(text)).toEqual([
      'm.yaml:7:27: error: unknown key `nmae` in credentials[0]; did you mean `name`?',
    ]);
  });

  it('lists the allowed keys when nothing is close', async () => {
    const text = developerDoc('a@example.com', '    credentials:\n      - { type: acl, group: g, zzzzzz: 1 }\n');
    expect(await errorsOf(text)).toEqual([
      'm.yaml:7:32: error: unknown key `zzzzzz` in credentials[0]; allowed here: type, group',
    ]);
  });

  it('reports a missing required key for the credential type', async () => {
    const text = developerDoc('a@example.com', '    credentials:\n      - type: basic-auth\n');
    expect(await errorsOf(text)).toEqual([
      'm.yaml:7:9: error: credentials[0] is missing required key `username` for a basic-auth credential',
    ]);
  });

  it('suggests a credential type', async () => {
    const text = developerDoc('a@example.com', '    credentials:\n      - { type: keyauth, name: ci }\n');
    expect(await errorsOf(text)).toEqual([
      'm.yaml:7:17: error: `type`: `keyauth` is not allowed; did you mean `key-auth`? allowed: key-auth, basic-auth, oauth2, hmac-auth, jwt, acl',
    ]);
  });

  it('says which type was expected and which was given', async () => {
    const text = developerDoc(
      'a@example.com',
      '    customId: [a]\n    credentials:\n      - { type: key-auth, name: ci, ttl: soon, key: 42 }\n',
    );
    expect(await errorsOf(text)).toEqual([
      'm.yaml:6:15: error: `customId` must be a string, not a list',
      'm.yaml:8:42: error: `ttl` must be an integer, not a string',
      'm.yaml:8:53: error: `key` must be a string or { fromEnv: ... } or { fromFile: ... }, not an integer',
    ]);
  });

  it('refuses a secret reference with two sources, or an unknown one', async () => {
    const text = developerDoc(
      'a@example.com',
      '    credentials:\n      - { type: hmac-auth, username: h, secret: { fromEnv: PORTALFORM_SECRET_X, fromFile: x } }\n      - { type: basic-auth, username: b, password: { fromEnvironment: PORTALFORM_SECRET_X } }\n',
    );
    expect(await errorsOf(text)).toEqual([
      'm.yaml:7:49: error: `secret` takes exactly one of `fromEnv` or `fromFile`',
      'm.yaml:8:54: error: unknown key `fromEnvironment` in `password`; allowed here: fromEnv, fromFile',
    ]);
  });

  it('requires version 1 and a mapping', async () => {
    expect(await errorsOf('version: 2\n')).toEqual(['m.yaml:1:10: error: `version` must be 1']);
    expect(await errorsOf('developers: []\n')).toEqual([
      'm.yaml:1:1: error: the document is missing required key `version`',
    ]);
    expect(await errorsOf('- version: 1\n')).toEqual([
      'm.yaml:1:1: error: a manifest document must be a mapping that starts with `version: 1`, not a list',
    ]);
  });

  it('refuses blank names and duplicate credential types', async () => {
    const text =
      'version: 1\nportal:\n  credentialTypes: [jwt, acl, jwt]\ndevelopers:\n  - { email: a@example.com, fullName: "  ", status: approved }\n';
    expect(await errorsOf(text)).toEqual([
      'm.yaml:3:31: error: `credentialTypes` lists the same item twice (at 0 and 2)',
      'm.yaml:5:39: error: `fullName` must not be blank',
    ]);
  });

  describe('the portal block (docs/portal-service.md#settings)', () => {
    it('accepts every setting', async () => {
      const text =
        'version: 1\nportal:\n  credentialTypes: [key-auth, jwt, acl]\n  autoApprove: true\n  allowShortKeys: false\n' +
        '  selfService: { enabled: false, credentialTypes: [jwt, key-auth], maxCredentials: 0 }\n';
      expect(await errorsOf(text)).toEqual([]);
    });

    it('suggests the right key for a typo, at the top of the block and under selfService', async () => {
      const text = 'version: 1\nportal:\n  autoAprove: true\n  selfService:\n    maxCredential: 3\n';
      expect(await errorsOf(text)).toEqual([
        'm.yaml:3:3: error: unknown key `autoAprove` in `portal`; did you mean `autoApprove`?',
        'm.yaml:5:5: error: unknown key `maxCredential` in `selfService`; did you mean `maxCredentials`?',
      ]);
    });

    it('says which type each setting takes', async () => {
      const text =
        'version: 1\nportal:\n  autoApprove: "yes"\n  allowShortKeys: 1\n  selfService: { enabled: on, maxCredentials: 2.5 }\n';
      expect(await errorsOf(text)).toEqual([
        'm.yaml:3:16: error: `autoApprove` must be a boolean, not a string',
        'm.yaml:4:19: error: `allowShortKeys` must be a boolean, not an integer',
        'm.yaml:5:27: error: `enabled` must be a boolean, not a string',
        'm.yaml:5:47: error: `maxCredentials` must be an integer, not a number',
      ]);
    });

    it('bounds maxCredentials', async () => {
      expect(await errorsOf('version: 1\nportal:\n  selfService: { maxCredentials: -1 }\n')).toEqual([
        'm.yaml:3:34: error: `maxCredentials` must be at least 0',
      ]);
      expect(await errorsOf('version: 1\nportal:\n  selfService: { maxCredentials: 1001 }\n')).toEqual([
        'm.yaml:3:34: error: `maxCredentials` must be at most 1000',
      ]);
    });

    it('refuses acl as a self-service type, saying why', async () => {
      const text = 'version: 1\nportal:\n  selfService:\n    credentialTypes: [key-auth, acl]\n';
      expect(await errorsOf(text)).toEqual([
        'm.yaml:4:33: error: credentialTypes[1]: acl is never self-service: group membership is an authorization decision, made in manifests; remove it',
      ]);
    });

    it('refuses a self-service type listed twice, or one that does not exist', async () => {
      const text = 'version: 1\nportal:\n  selfService:\n    credentialTypes: [jwt, jwt, keyauth]\n';
      expect(await errorsOf(text)).toEqual([
        'm.yaml:4:28: error: `credentialTypes` lists the same item twice (at 0 and 1)',
        'm.yaml:4:33: error: credentialTypes[2]: `keyauth` is not allowed; did you mean `key-auth`? allowed: key-auth, basic-auth, oauth2, hmac-auth, jwt',
      ]);
    });
  });

  it('gives every property of the schema a description', () => {
    const schema = JSON.parse(fs.readFileSync(new URL('../schemas/manifest.schema.json', import.meta.url), 'utf8'));
    const undocumented: string[] = [];
    const walk = (node: unknown, at: string): void => {
      if (Array.isArray(node)) {
        for (const [i, item] of node.entries()) walk(item, `${at}/${i}`);
        return;
      }
      if (typeof node !== 'object' || node === null) return;
      const properties = (node as { properties?: Record<string, { description?: string }> }).properties;
      for (const [name, property] of Object.entries(properties ?? {})) {
        if (!at.includes('/if') && !property.description) undocumented.push(`${at}/properties/${name}`);
      }
      for (const [key, child] of Object.entries(node)) walk(child, `${at}/${key}`);
    };
    walk(schema, '#');
    expect(undocumented).toEqual([]);
  });
});
