import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { makePlan } from '../src/engine.js';
import { PortalformError } from '../src/errors.js';
import { deckYaml, exportDeck } from '../src/export/deck.js';
import { exportManifest, exportManifestFiles, manifestFileName } from '../src/export/manifest.js';
import { loadManifests } from '../src/manifest/index.js';
import { CREDENTIAL_SPECS, type DesiredDeveloper } from '../src/model.js';
import { renderPlanDiff } from '../src/render/diff.js';
import { renderPlanMarkdown } from '../src/render/markdown.js';
import { completePortalSettings, defaultPortalSettings, portalSettingsToMeta } from '../src/portal-settings.js';
import { Vault } from '../src/secrets/vault.js';
import { EMPTY_STATE, type StateSnapshot, type StoredDeveloper } from '../src/store/types.js';
import { credential, desired, developer, state, stored, vault } from './helpers/builders.js';
import { deckValidator } from './helpers/deck-schema.js';
import { tempDir } from './helpers/temp.js';

const SENTINEL = 'SENTINEL-7c1f0e-do-not-leak';
const PEM = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  .publicKey.export({ type: 'spki', format: 'pem' })
  .toString();
const keyedVault = Vault.open('test-lineage', {}, 'a'.repeat(32));
const validateDeck = deckValidator();

/** Credentials as the loader builds them: defaults filled, generated clientId present. */
const ADA = developer('ada@example.com', 'approved', {
  customId: 'ada-001',
  meta: { team: 'engines', company: 'Analytical Engines' },
  credentials: [
    credential('acl', 'partners'),
    credential('key-auth', 'ci', { ttl: 2592000 }, { key: SENTINEL }),
    credential('basic-auth', 'ada'),
    credential('oauth2', 'ada-app', {
      clientId: 'ada-client',
      redirectUris: ['https://app.example.com/cb'],
      clientType: 'public',
      hashSecret: true,
    }),
    credential('hmac-auth', 'ada-hmac'),
    credential('jwt', 'ada-issuer', { algorithm: 'ES256', rsaPublicKey: PEM }),
    credential('jwt', 'ada-hs', { algorithm: 'HS256' }),
  ],
});
const BOB = developer('bob@example.com', 'approved', { credentials: [credential('acl', 'partners')] });
const PENDING = developer('pat@example.com', 'pending');
const REJECTED = developer('rita@example.com', 'rejected');
const REVOKED = developer('rev@example.com', 'revoked', { credentials: [credential('key-auth', 'old')] });

/** The stored twin, with every secret sealed as a keyed state holds it. */
function sealed(d: DesiredDeveloper): StoredDeveloper {
  const twin = stored(d);
  for (const [i, c] of twin.credentials.entries()) {
    for (const field of CREDENTIAL_SPECS[c.type].secretFields) {
      const value = d.credentials[i]!.secrets[field]?.value ?? `generated-${c.identity}-${field}`;
      c.secrets[field] = { ...c.secrets[field]!, ciphertext: keyedVault.seal(c.id, field, value) };
    }
  }
  return twin;
}

function fullState(): StateSnapshot {
  return state([sealed(BOB), sealed(REVOKED), sealed(ADA), sealed(PENDING), sealed(REJECTED)]);
}

async function planOfExport(files: Map<string, string>, current: StateSnapshot) {
  const dir = tempDir('portalform-export-');
  for (const [file, text] of files) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  const loaded = await loadManifests({ paths: [dir], cwd: dir, env: {} });
  expect(loaded.diagnostics).toEqual([]);
  return makePlan(loaded.desired!, current, vault, { paths: [dir] });
}

describe('exportManifest', () => {
  it('is sorted and stable, and leaves every secret out', () => {
    const current = fullState();
    const text = exportManifest(current);
    expect(exportManifest(structuredClone(current))).toBe(text);
    expect(text.startsWith('# yaml-language-server: $schema=')).toBe(true);

    const manifest = parse(text);
    expect(manifest.version).toBe(1);
    expect(manifest.developers.map((d: { email: string }) => d.email)).toEqual([
      'ada@example.com',
      'bob@example.com',
      'pat@example.com',
      'rev@example.com',
      'rita@example.com',
    ]);
    const ada = manifest.developers[0];
    expect(Object.keys(ada)).toEqual(['email', 'fullName', 'status', 'customId', 'meta', 'credentials']);
    expect(Object.keys(ada.meta)).toEqual(['company', 'team']);
    expect(ada.credentials.map((c: Record<string, string>) => `${c.type}:${Object.values(c)[1]}`)).toEqual([
      'acl:partners',
      'basic-auth:ada',
      'hmac-auth:ada-hmac',
      'jwt:ada-hs',
      'jwt:ada-issuer',
      'key-auth:ci',
      'oauth2:ada-app',
    ]);
    expect(ada.credentials[6]).toEqual({
      type: 'oauth2',
      name: 'ada-app',
      clientId: 'ada-client',
      clientType: 'public',
      hashSecret: true,
      redirectUris: ['https://app.example.com/cb'],
    });
    expect(ada.credentials[4].rsaPublicKey).toBe(PEM);
    for (const c of manifest.developers.flatMap((d: { credentials?: object[] }) => d.credentials ?? [])) {
      for (const field of ['key', 'password', 'clientSecret', 'secret'])
        if (c.type !== 'jwt' || field !== 'key') expect(c).not.toHaveProperty(field);
    }
    expect(manifest.developers[2]).toEqual({ email: 'pat@example.com', fullName: 'Test Developer', status: 'pending' });
  });

  it('plans with no changes against the state it came from, as one file or one per developer', async () => {
    const current = fullState();
    expect((await planOfExport(new Map([['portal.yaml', exportManifest(current)]]), current)).changes).toEqual([]);
    const files = exportManifestFiles(current);
    expect(exportManifestFiles(structuredClone(current))).toEqual(files);
    expect([...files.keys()]).toEqual([
      'portal.yaml',
      'developers/ada@example.com.yaml',
      'developers/bob@example.com.yaml',
      'developers/pat@example.com.yaml',
      'developers/rev@example.com.yaml',
      'developers/rita@example.com.yaml',
    ]);
    expect((await planOfExport(files, current)).changes).toEqual([]);
  });

  it('writes the stored portal settings in full, so a plan on the export leaves them as they are', async () => {
    const settings = completePortalSettings({
      credentialTypes: ['acl', 'key-auth'],
      autoApprove: true,
      selfService: { enabled: false, maxCredentials: 0 },
    });
    const current = { ...state([sealed(BOB)]), meta: portalSettingsToMeta(settings) };
    const text = exportManifest(current);
    expect(parse(text).portal).toEqual(settings);
    expect(text.indexOf('portal:')).toBeLessThan(text.indexOf('developers:'));
    const files = exportManifestFiles(current);
    expect(parse(files.get('portal.yaml')!)).toEqual({ version: 1, portal: settings });
    for (const exported of [new Map([['portal.yaml', text]]), files]) {
      const planned = await planOfExport(exported, current);
      expect(planned.changes).toEqual([]);
    }
    // A state that never stored settings exports the defaults.
    expect(parse(exportManifest(state([]))).portal).toEqual(defaultPortalSettings());
  });

  it('names files by email, percent-encoding anything unsafe so names never collide', () => {
    expect(manifestFileName("o'brien/x@example.com")).toBe('developers/o%27brien%2Fx@example.com.yaml');
    expect(manifestFileName('.dot@example.com')).toBe('developers/%2Edot@example.com.yaml');
    expect(manifestFileName('zoë@example.com')).toBe('developers/zo%C3%AB@example.com.yaml');
    expect(manifestFileName('a%41@example.com')).not.toBe(manifestFileName('aA@example.com'));
  });

  it('exports self-service objects too, marked as adopted on apply', () => {
    const text = exportManifest(state([stored(BOB, 'self-service')]));
    expect(text).toContain(
      '  # origin: self-service. This developer was not created by portalform; applying this manifest adopts it.\n  - email: bob@example.com',
    );
    expect(text).toContain(
      '      # origin: self-service. This credential was not created by portalform; applying this manifest adopts it.\n      - type: acl',
    );
  });
});

describe('exportDeck', () => {
  it('validates against decK’s schema, one consumer per approved developer', () => {
    const deck = exportDeck(fullState(), keyedVault);
    const validate = validateDeck;
    expect(validate(deck), JSON.stringify(validate.errors, null, 2)).toBe(true);

    const consumers = deck.consumers as Record<string, unknown>[];
    expect(consumers.map((c) => c.username)).toEqual(['ada@example.com', 'bob@example.com']);
    expect(deck._info).toEqual({ select_tags: ['managed-by:portalform'] });
    const tags = ['portalform', 'managed-by:portalform'];
    expect(consumers[1]).toEqual({ username: 'bob@example.com', tags, acls: [{ tags, group: 'partners' }] });
    expect(consumers[0]).toMatchObject({
      username: 'ada@example.com',
      custom_id: 'ada-001',
      keyauth_credentials: [{ key: SENTINEL, ttl: 2592000, tags: [...tags, 'portalform-name:ci'] }],
      basicauth_credentials: [{ username: 'ada', password: 'generated-ada-password' }],
      hmacauth_credentials: [{ username: 'ada-hmac', secret: 'generated-ada-hmac-secret' }],
      jwt_secrets: [
        { key: 'ada-hs', algorithm: 'HS256', secret: 'generated-ada-hs-secret' },
        { key: 'ada-issuer', algorithm: 'ES256', secret: 'generated-ada-issuer-secret', rsa_public_key: PEM },
      ],
      oauth2_credentials: [
        {
          name: 'ada-app',
          client_id: 'ada-client',
          client_secret: 'generated-ada-app-clientSecret',
          redirect_uris: ['https://app.example.com/cb'],
          client_type: 'public',
          hash_secret: true,
        },
      ],
    });
    expect(parse(deckYaml(deck))).toEqual(deck);
    expect(deckYaml(deck)).toMatch(/^# Generated by portalform export --format deck\. It holds secret values/);
  });

  it('makes each application of an approved developer a consumer of its own, with api:<name> per approved registration', () => {
    const withApps = (d: DesiredDeveloper, apps: { name: string; keys: string[]; apis: Record<string, string> }[]) => {
      const owner = sealed(d);
      owner.applications = apps.map((app) => {
        const id = `${owner.id}-${app.name}`;
        const holder = sealed(
          developer(d.email, d.status, {
            credentials: app.keys.map((k) => credential('key-auth', k, {}, { key: `${SENTINEL}-${app.name}-${k}` })),
          }),
        );
        return {
          id,
          developerId: owner.id,
          name: app.name,
          description: null,
          descriptionManaged: false,
          origin: 'manifest' as const,
          createdAt: '2026-01-01T00:00:00.000Z',
          credentials: holder.credentials.map((c) => ({ ...c, developerId: owner.id, applicationId: id })),
          registrations: Object.entries(app.apis).map(([api, status]) => ({
            id: `${id}-${api}`,
            applicationId: id,
            api,
            status: status as 'approved',
            origin: 'manifest' as const,
            createdAt: '2026-01-01T00:00:00.000Z',
          })),
        };
      });
      return owner;
    };
    const ada = withApps(ADA, [
      { name: 'billing', keys: ['prod'], apis: { payments: 'approved', maps: 'pending', ledger: 'revoked' } },
      { name: 'idle', keys: [], apis: {} },
    ]);
    // A revoked developer's applications hold no working credential: left out with it.
    const rev = withApps(REVOKED, [{ name: 'old-app', keys: ['k'], apis: { payments: 'approved' } }]);
    const bob = sealed(BOB);
    const api = (name: string, aclGroups: string[]) => ({
      name,
      title: null,
      description: null,
      autoApproveRegistrations: null,
      aclGroups,
      createdAt: 'x',
    });
    const current: StateSnapshot = {
      ...state([bob, rev, ada]),
      apis: [api('payments', []), api('partner-api', ['partners', 'vip']), api('ledger', ['auditors'])],
    };
    const deck = exportDeck(current, keyedVault);
    expect(validateDeck(deck), JSON.stringify(validateDeck.errors, null, 2)).toBe(true);
    const consumers = deck.consumers as Record<string, unknown>[];
    expect(consumers.map((c) => c.username)).toEqual([
      'ada@example.com',
      'ada@example.com/billing',
      'ada@example.com/idle',
      'bob@example.com',
    ]);
    const tags = ['portalform', 'managed-by:portalform'];
    expect(consumers[1]).toEqual({
      username: 'ada@example.com/billing',
      tags,
      acls: [{ tags, group: 'api:payments' }],
      keyauth_credentials: [{ key: `${SENTINEL}-billing-prod`, tags: [...tags, 'portalform-name:prod'] }],
    });
    expect(consumers[2]).toEqual({ username: 'ada@example.com/idle', tags });
    // Holding the partners acl group meets partner-api's aclGroups: the developers get api:partner-api.
    expect(consumers[3]).toEqual({
      username: 'bob@example.com',
      tags,
      acls: [
        { tags, group: 'partners' },
        { tags, group: 'api:partner-api' },
      ],
    });
    expect((consumers[0]!.acls as { group: string }[]).map((a) => a.group)).toEqual(['partners', 'api:partner-api']);
    expect(deckYaml(deck)).not.toContain('old-app');
  });

  it('refuses without the state key, saying how to fix it', () => {
    const unkeyed = Vault.open('test-lineage', {}, null);
    expect(() => exportDeck(fullState(), unkeyed)).toThrow(PortalformError);
    expect(() => exportDeck(fullState(), unkeyed)).toThrow(
      /^exporting to decK needs the secret values: set PORTALFORM_STATE_KEY/,
    );
    expect(exportDeck(EMPTY_STATE, unkeyed)).toEqual({
      _format_version: '3.0',
      _info: { select_tags: ['managed-by:portalform'] },
      consumers: [],
    });
  });

  it('needs no key for secrets Kong never uses (an asymmetric jwt’s)', () => {
    const eve = developer('eve@example.com', 'approved', {
      credentials: [
        credential('acl', 'partners'),
        credential('jwt', 'eve-iss', { algorithm: 'RS256', rsaPublicKey: PEM }),
      ],
    });
    const deck = exportDeck(state([stored(eve)]), Vault.open('test-lineage', {}, null));
    const [consumer] = deck.consumers as { jwt_secrets: { secret: string; algorithm: string }[] }[];
    expect(consumer!.jwt_secrets[0]!.algorithm).toBe('RS256');
    expect(consumer!.jwt_secrets[0]!.secret).toMatch(/^[A-Za-z0-9]{40}$/);
    expect(validateDeck(deck)).toBe(true);
  });

  it('refuses when a needed secret was stored without a key, naming it', () => {
    const current = fullState();
    delete current.developers[2]!.credentials[1]!.secrets.key!.ciphertext;
    expect(() => exportDeck(current, keyedVault)).toThrow(
      /PORTALFORM_STATE_KEY.*developer\["ada@example.com"\]\.credential\["key-auth:ci"\] key/,
    );
  });
});

describe('secret values', () => {
  it('reach the decK export only', () => {
    const current = fullState();
    const ciphertexts = current.developers.flatMap((d) =>
      d.credentials.flatMap((c) => Object.values(c.secrets).map((s) => s.ciphertext!)),
    );
    const creating = makePlan(desired([ADA]), EMPTY_STATE, vault, {});
    const deleting = makePlan(desired([]), current, vault, {});
    const rotating = makePlan(
      desired([{ ...ADA, credentials: [credential('key-auth', 'ci', { ttl: 2592000 }, { key: `${SENTINEL}-2` })] }]),
      current,
      vault,
      {},
    );
    const outputs = [
      exportManifest(current),
      ...exportManifestFiles(current).values(),
      ...[creating, deleting, rotating].flatMap((plan) => [
        ...renderPlanMarkdown(plan),
        renderPlanDiff(plan, current, false),
      ]),
    ];
    for (const output of outputs) {
      expect(output).not.toContain(SENTINEL);
      for (const ciphertext of ciphertexts) expect(output).not.toContain(ciphertext);
    }
    expect(deckYaml(exportDeck(current, keyedVault))).toContain(SENTINEL);
  });
});
