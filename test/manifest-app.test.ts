// Issue 26, point 1: the loader fills the desired state's APIs, each developer's applications (their
// credentials built and their secrets resolved as a developer's are) and the portal's settings of
// docs/applications.md; a developer's sync digest covers its applications.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isCacheable } from '../src/manifest/fastpath/cache.js';
import { parseSplitText, splitDevelopers } from '../src/manifest/fastpath/split.js';
import { parseManifestFile } from '../src/manifest/parse.js';
import { findSchemaFile } from '../src/manifest/schema.js';
import type { DesiredDeveloper, DesiredState } from '../src/model.js';
import { developerDigest } from '../src/plan/digest.js';
import { Vault } from '../src/secrets/vault.js';
import { workspace } from './helpers/cli.js';

const KEY = 'an-application-key-of-enough-characters';

const PORTAL = `version: 1
portal:
  autoApproveRegistrations: true
  selfService: { maxApplications: 3 }
apis:
  - name: payments
    title: Payments API
    description: Charge cards and refunds.
    autoApproveRegistrations: false
    aclGroups: [partners]
  - { name: ledger }
`;

const developers = (description = 'Billing service', secret = 'secrets/billing.secret') => `version: 1
developers:
  - email: Ada@Example.com
    fullName: Ada
    status: approved
    credentials:
      - { type: key-auth, name: own }
    applications:
      - name: billing
        description: ${description}
        credentials:
          - { type: key-auth, name: prod, key: { fromEnv: PORTALFORM_SECRET_BILLING } }
          - { type: hmac-auth, username: billing-signer, secret: { fromFile: ${secret} } }
          - { type: basic-auth, username: billing-user, password: a-literal-password }
          - { type: oauth2, name: web, clientId: billing-web }
        registrations:
          - { api: payments, status: approved }
          - { api: ledger, status: pending }
      - name: analytics
  - { email: bob@example.com, fullName: Bob, status: approved }
`;

function setUp(files: Record<string, string> = {}) {
  const ws = workspace();
  ws.write('m/portal.yaml', PORTAL);
  ws.write('m/developers.yaml', developers());
  ws.write('m/secrets/billing.secret', 'hmac-secret-from-a-file\n');
  ws.write('m/secrets/other.secret', 'another-hmac-secret\n');
  for (const [path, text] of Object.entries(files)) ws.write(path, text);
  const load = (env: Record<string, string> = { PORTALFORM_SECRET_BILLING: KEY }) => ws.load({ paths: ['m'], env });
  return { ws, load };
}

const ada = (desired: DesiredState | null) => desired!.developers.find((d) => d.email === 'ada@example.com')!;

describe('the desired state of APIs and applications', () => {
  it('holds the declared APIs by name, the portal settings, and no API when none is declared', async () => {
    const { desired, errors } = await setUp().load();
    expect(errors).toEqual([]);
    expect(desired!.apis!.map(({ location: _, ...api }) => api)).toEqual([
      { name: 'ledger', title: null, description: null, autoApproveRegistrations: null, aclGroups: [] },
      {
        name: 'payments',
        title: 'Payments API',
        description: 'Charge cards and refunds.',
        autoApproveRegistrations: false,
        aclGroups: ['partners'],
      },
    ]);
    expect(desired!.apis![1]!.location).toMatchObject({ line: 6, column: 5 });
    expect(desired!.portal.autoApproveRegistrations).toBe(true);
    expect(desired!.portal.selfService.maxApplications).toBe(3);

    const ws = workspace();
    ws.write('m.yaml', 'version: 1\ndevelopers:\n  - { email: a@example.com, fullName: A, status: approved }\n');
    const bare = (await ws.load()).desired!;
    expect(bare.apis).toEqual([]);
    expect(bare.portal.autoApproveRegistrations).toBe(false);
    expect(bare.portal.selfService.maxApplications).toBe(10);
    expect(bare.developers[0]!.applications).toEqual([]);
  });

  it("builds each application's credentials as a developer's, secrets resolved from the environment, a file or the text", async () => {
    const { desired, warnings } = await setUp().load();
    expect(warnings).toEqual(['m/developers.yaml:14:67: warning: literal secret in manifest; use fromEnv or fromFile']);
    const developer = ada(desired);
    expect(developer.credentials.map((c) => `${c.type}:${c.identity}`)).toEqual(['key-auth:own']);
    expect(developer.applications!.map((a) => [a.name, a.description])).toEqual([
      ['analytics', null],
      ['billing', 'Billing service'],
    ]);
    const billing = developer.applications![1]!;
    expect(billing.location).toMatchObject({ file: expect.stringMatching(/developers\.yaml$/), line: 9, column: 9 });
    expect(billing.credentials.map((c) => [c.type, c.identity, c.fields, c.location.line])).toEqual([
      ['basic-auth', 'billing-user', { username: 'billing-user' }, 14],
      ['hmac-auth', 'billing-signer', { username: 'billing-signer' }, 13],
      ['key-auth', 'prod', { name: 'prod' }, 12],
      [
        'oauth2',
        'web',
        { name: 'web', clientId: 'billing-web', clientType: 'confidential', hashSecret: false, redirectUris: [] },
        15,
      ],
    ]);
    const secret = (type: string, field: string) => billing.credentials.find((c) => c.type === type)!.secrets[field];
    expect(secret('key-auth', 'key')).toEqual({
      source: { kind: 'env', name: 'PORTALFORM_SECRET_BILLING' },
      value: KEY,
    });
    expect(secret('hmac-auth', 'secret')).toMatchObject({ source: { kind: 'file' }, value: 'hmac-secret-from-a-file' });
    expect(secret('basic-auth', 'password')).toMatchObject({
      source: { kind: 'literal' },
      value: 'a-literal-password',
    });
    expect(billing.registrations.map((r) => [r.api, r.status, r.location.line])).toEqual([
      ['ledger', 'pending', 18],
      ['payments', 'approved', 17],
    ]);
  });

  it('refuses an application secret it cannot resolve, at the reference', async () => {
    const { errors } = await setUp().load({});
    expect(errors).toEqual([
      'm/developers.yaml:12:48: error: environment variable PORTALFORM_SECRET_BILLING is not set',
    ]);
  });

  it('reads a cached file as it read it first, applications and all', async () => {
    const { ws } = setUp();
    const text = `version: 1
apis: [{ name: payments }]
developers:
  - email: ada@example.com
    fullName: Ada
    status: approved
    applications:
      - name: billing
        credentials: [{ type: key-auth, name: prod, key: { fromEnv: PORTALFORM_SECRET_BILLING } }]
        registrations: [{ api: payments, status: approved }]
`;
    ws.write('cached.yaml', text);
    const load = () => ws.load({ paths: ['cached.yaml'], env: { PORTALFORM_SECRET_BILLING: KEY } });
    const shape = (d: DesiredDeveloper) =>
      d.applications!.map((a) => ({
        name: a.name,
        credentials: a.credentials.map((c) => [c.type, c.identity, c.secrets.key?.value, c.location.line]),
        registrations: a.registrations.map((r) => [r.api, r.status, r.location.line]),
      }));
    const first = await load();
    const second = await load();
    expect(first.errors).toEqual([]);
    expect(second.errors).toEqual([]);
    expect(shape(second.desired!.developers[0]!)).toEqual(shape(first.desired!.developers[0]!));
    expect(shape(second.desired!.developers[0]!)).toEqual([
      { name: 'billing', credentials: [['key-auth', 'prod', KEY, 9]], registrations: [['payments', 'approved', 10]] },
    ]);
    expect(second.desired!.developers[0]!.sync).toEqual(first.desired!.developers[0]!.sync);
    expect(readdirSync(join(ws.dir, '.cache'), { recursive: true }).length).toBeGreaterThan(0);
  });

  it('never caches a file whose application credential holds a literal secret', () => {
    const parsed = (credential: string) =>
      parseManifestFile(
        'm.yaml',
        new TextEncoder().encode(
          `version: 1\ndevelopers:\n  - email: a@example.com\n    status: approved\n    applications:\n      - name: app\n        credentials: [${credential}]\n`,
        ),
      ).documents;
    expect(isCacheable(parsed('{ type: key-auth, name: k, key: { fromEnv: PORTALFORM_SECRET_K } }'))).toBe(true);
    expect(isCacheable(parsed('{ type: key-auth, name: k, key: a-literal-key-in-the-file }'))).toBe(false);
  });

  it('parses a large file in chunks of developers to what a whole parse gives, applications and a later apis block included', () => {
    let text = 'version: 1\ndevelopers:\n';
    for (let n = 0; n < 20; n++)
      text += `  - email: dev${n}@example.com\n    fullName: Dev ${n}\n    status: approved\n    applications:\n      - name: app-${n}\n        credentials:\n          - { type: key-auth, name: k }\n        registrations:\n          - { api: payments, status: approved }\n`;
    text += 'apis:\n  - { name: payments }\n';
    const whole = parseManifestFile('m.yaml', new TextEncoder().encode(text));
    expect(whole.diagnostics).toEqual([]);
    expect(splitDevelopers(text, 6)!.chunks.length).toBeGreaterThan(1);
    expect([parseSplitText('m.yaml', text, 6)]).toStrictEqual(whole.documents);
  });
});

describe("a developer's sync digest", () => {
  const vault = Vault.open('manifest-app-lineage', {}, null);
  const digests = async (loaded: Promise<{ desired: DesiredState | null }>) => {
    const { desired } = await loaded;
    return Object.fromEntries(desired!.developers.map((d) => [d.email, developerDigest(d, vault)]));
  };

  it('changes with its application, and with the secrets of its application credentials, and only its own', async () => {
    const { ws, load } = setUp();
    const before = await digests(load());
    expect(await digests(load())).toEqual(before);

    ws.write('m/developers.yaml', developers('Billing, renamed'));
    const described = await digests(load());
    expect(described['ada@example.com']).not.toBe(before['ada@example.com']);
    expect(described['bob@example.com']).toBe(before['bob@example.com']);

    ws.write('m/developers.yaml', developers());
    expect(await digests(load())).toEqual(before);
    const rekeyed = await digests(load({ PORTALFORM_SECRET_BILLING: `${KEY}-rotated` }));
    expect(rekeyed['ada@example.com']).not.toBe(before['ada@example.com']);
    expect(rekeyed['bob@example.com']).toBe(before['bob@example.com']);

    ws.write('m/secrets/billing.secret', 'hmac-secret-rotated-in-its-file\n');
    const refiled = await digests(load());
    expect(refiled['ada@example.com']).not.toBe(before['ada@example.com']);
    expect(refiled['bob@example.com']).toBe(before['bob@example.com']);
  });

  it('changes with a registration', async () => {
    const { ws, load } = setUp();
    const before = await digests(load());
    ws.write(
      'm/developers.yaml',
      developers().replace('{ api: ledger, status: pending }', '{ api: ledger, status: approved }'),
    );
    expect((await digests(load()))['ada@example.com']).not.toBe(before['ada@example.com']);
  });
});

describe('the published schema', () => {
  it('describes every property, for editors', () => {
    const schema = JSON.parse(readFileSync(findSchemaFile(), 'utf8'));
    const undescribed: string[] = [];
    const walk = (node: unknown, path: string): void => {
      if (node === null || typeof node !== 'object') return;
      for (const [key, value] of Object.entries(node)) {
        if (key === 'if') continue; // a condition, not properties an editor shows
        if (key === 'properties')
          for (const [name, property] of Object.entries(value as Record<string, { description?: string }>))
            if (!property.description) undescribed.push(`${path}/properties/${name}`);
        walk(value, `${path}/${key}`);
      }
    };
    walk(schema, '');
    expect(undescribed).toEqual([]);
    expect(Object.keys(schema.properties)).toEqual(['version', 'portal', 'apis', 'developers', 'moved', 'removed']);
    expect(Object.keys(schema.$defs.application.properties)).toEqual([
      'name',
      'description',
      'credentials',
      'registrations',
    ]);
  });
});
