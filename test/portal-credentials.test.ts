// Self-service credentials (docs/portal-service.md): own ones only, the types the settings allow, secrets
// generated and shown once, stored as apply stores them, the manifests' rules and uniqueness.
import { afterAll, describe, expect, it } from 'vitest';
import { plan } from '../src/engine.js';
import { verifyCredential } from '../src/secrets/access.js';
import { BACKENDS, dropTestSchemas } from './helpers/backends.js';
import { PASSWORD, portalCase, refusal } from './helpers/portal.js';
import { withStateDb } from './helpers/state-db.js';
import { invite } from '../src/portal/invite.js';

afterAll(dropTestSchemas);

const STATE_KEY = 'k'.repeat(40);
const ADA = `  - email: ada@example.com
    fullName: Ada
    status: approved
    credentials:
      - { type: basic-auth, username: ada-basic, password: literal-password-1 }
`;

describe.each(BACKENDS)('portal credentials on $name', (backend) => {
  it('creates each self-service type with generated secrets shown once, stored as apply stores them, never listed', async () => {
    const c = await portalCase(backend, ADA);
    try {
      const sam = await c.signUp('sam@example.com');
      expect(await c.portal.credentialTypes(sam)).toEqual(['key-auth', 'basic-auth', 'oauth2', 'hmac-auth', 'jwt']);
      const key = await c.portal.createCredential(sam, { type: 'key-auth', name: 'ci', ttl: 3600 });
      expect(Object.keys(key.secrets)).toEqual(['key']);
      expect(key.credential).toMatchObject({
        type: 'key-auth',
        name: 'ci',
        ttl: 3600,
        active: true,
        origin: 'self-service',
        managed: false,
      });
      expect(key.credential).not.toHaveProperty('key');
      const basic = await c.portal.createCredential(sam, { type: 'basic-auth', username: 'sam-basic' });
      const oauth = await c.portal.createCredential(sam, {
        type: 'oauth2',
        name: 'app',
        redirectUris: ['https://app.example.com/cb'],
      });
      expect(oauth.credential).toMatchObject({
        clientType: 'confidential',
        hashSecret: false,
        redirectUris: ['https://app.example.com/cb'],
      });
      expect(typeof oauth.credential.clientId).toBe('string');
      expect(Object.keys(oauth.secrets)).toEqual(['clientSecret']);
      const jwt = await c.portal.createCredential(sam, { type: 'jwt', key: 'sam-issuer' });
      expect(Object.keys(jwt.secrets)).toEqual(['secret']);
      const rsa = await c.portal.createCredential(sam, {
        type: 'jwt',
        key: 'sam-rsa',
        algorithm: 'RS256',
        rsaPublicKey: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n',
      });
      expect(rsa.secrets).toEqual({}); // an RS256 issuer never uses its secret
      await c.portal.createCredential(sam, { type: 'hmac-auth', username: 'sam-hmac' });
      const listed = await c.portal.listCredentials(sam);
      expect(listed.map((l) => `${l.type}`).sort()).toEqual([
        'basic-auth',
        'hmac-auth',
        'jwt',
        'jwt',
        'key-auth',
        'oauth2',
      ]);
      const text = JSON.stringify(listed) + JSON.stringify(await c.portal.getCredential(sam, key.credential.id));
      for (const value of [key.secrets.key, basic.secrets.password, oauth.secrets.clientSecret, jwt.secrets.secret])
        expect(text).not.toContain(value);
      // Stored like apply stores them: the existing checks accept them, with no key (digest; scrypt for the password).
      const options = { state: c.w.state, cwd: c.w.dir, env: {} };
      expect(
        await verifyCredential('developer["sam@example.com"].credential["key-auth:ci"]', key.secrets.key!, options),
      ).toBe(true);
      expect(
        await verifyCredential(
          'developer["sam@example.com"].credential["basic-auth:sam-basic"]',
          basic.secrets.password!,
          options,
        ),
      ).toBe(true);
      expect(
        await verifyCredential('developer["sam@example.com"].credential["basic-auth:sam-basic"]', 'not it', options),
      ).toBe(false);
      // A plan of the manifests leaves self-made credentials alone.
      const thePlan = await plan({ paths: ['m.yaml'], ...options });
      expect(thePlan.changes.filter((change) => change.address.includes('sam@example.com'))).toEqual([]);
    } finally {
      await c.close();
    }
  });

  it('encrypts generated secrets under the state key when the state has one', async () => {
    const c = await portalCase(backend, '  - { email: ada@example.com, fullName: Ada, status: approved }\n', {
      stateKey: STATE_KEY,
    });
    try {
      const sam = await c.signUp('sam@example.com');
      const created = await c.portal.createCredential(sam, { type: 'hmac-auth', username: 'sam-hmac' });
      const [row] = (await withStateDb(c.w, (q) => q(`select secrets from pf_credentials`))) as Array<{
        secrets: string;
      }>;
      const stored = JSON.parse(row!.secrets).secret;
      expect(stored.ciphertext).toMatch(/^v1\./);
      expect(row!.secrets).not.toContain(created.secrets.secret);
    } finally {
      await c.close();
    }
  }, 60_000);

  it('refuses what the manifests would refuse, secret fields, other types and other developers’ credentials', async () => {
    const c = await portalCase(backend, ADA);
    try {
      const sam = await c.signUp('sam@example.com');
      const tom = await c.signUp('tom@example.com');
      const bad: Array<[Record<string, unknown>, number, string]> = [
        [{ type: 'key-auth', name: 'ci', key: 'chosen-by-me-12345678' }, 400, 'key'],
        [{ type: 'oauth2', name: 'app', clientSecret: 'x' }, 400, 'clientSecret'],
        [{ type: 'oauth2', name: 'app', redirectUris: ['https://app.example.com/cb#frag'] }, 400, 'redirectUris[0]'],
        [{ type: 'oauth2', name: 'app', redirectUris: ['not a url'] }, 400, 'redirectUris[0]'],
        [{ type: 'jwt', key: 'rs', algorithm: 'RS256' }, 400, 'algorithm'],
        [{ type: 'key-auth', name: 'ci', colour: 'blue' }, 400, 'colour'],
        [{ type: 'key-auth', name: 7 }, 400, 'name'],
        [{ type: 'key-auth' }, 400, 'name'],
        [{ type: 'nope', name: 'x' }, 400, 'type'],
        [{ type: 'acl', group: 'admins' }, 403, 'type'],
      ];
      for (const [input, status, field] of bad) {
        const error = await refusal(c.portal.createCredential(sam, input));
        expect(error.status, JSON.stringify(input)).toBe(status);
        expect(
          error.errors?.map((e) => e.field),
          JSON.stringify(input),
        ).toContain(field);
        expect(error.detail).not.toContain('chosen-by-me-12345678');
      }
      const mine = await c.portal.createCredential(sam, { type: 'key-auth', name: 'ci' });
      expect((await refusal(c.portal.createCredential(sam, { type: 'key-auth', name: 'ci' }))).status).toBe(409);
      expect((await c.portal.createCredential(tom, { type: 'key-auth', name: 'ci' })).credential.name).toBe('ci'); // identities are per developer
      const taken = await refusal(c.portal.createCredential(tom, { type: 'basic-auth', username: 'ada-basic' }));
      expect([taken.status, taken.errors?.[0]?.field]).toEqual([409, 'username']); // unique values portal-wide
      await c.portal.createCredential(sam, { type: 'oauth2', name: 'app', clientId: 'sam-client' });
      expect(
        (await refusal(c.portal.createCredential(tom, { type: 'oauth2', name: 'app', clientId: 'sam-client' }))).status,
      ).toBe(409);
      for (const attempt of [
        () => c.portal.getCredential(tom, mine.credential.id),
        () => c.portal.updateCredential(tom, mine.credential.id, { ttl: 5 }),
        () => c.portal.rotateCredential(tom, mine.credential.id),
        () => c.portal.deleteCredential(tom, mine.credential.id),
        () => c.portal.getCredential(tom, 'no-such-id'),
      ]) {
        expect((await refusal(attempt())).status).toBe(404);
      }
      await c.setSettings((s) => (s.selfService.credentialTypes = ['key-auth']));
      expect((await refusal(c.portal.createCredential(sam, { type: 'hmac-auth', username: 'h' }))).status).toBe(403);
      await c.setSettings((s) => {
        s.credentialTypes = ['key-auth', 'hmac-auth', 'acl'];
        s.selfService.credentialTypes = ['hmac-auth'];
      });
      expect(await c.portal.credentialTypes(sam)).toEqual(['hmac-auth']);
    } finally {
      await c.close();
    }
  });

  it('edits, rotates and deletes self-made credentials, bumping versions and clearing the sync digest; managed ones are read-only', async () => {
    const c = await portalCase(backend, ADA);
    try {
      const { token } = await invite('developer["ada@example.com"]', { state: c.w.state, cwd: c.w.dir, env: {} });
      await c.portal.setPasswordWithInvite({ token, password: PASSWORD });
      const ada = (await c.portal.authenticate(
        (
          await c.portal.login({ email: 'ada@example.com', password: PASSWORD })
        ).token,
      ))!;
      const [managed] = await c.portal.listCredentials(ada);
      expect(managed).toMatchObject({
        type: 'basic-auth',
        username: 'ada-basic',
        origin: 'manifest',
        managed: true,
        active: true,
      });
      for (const attempt of [
        () => c.portal.updateCredential(ada, managed!.id, {}),
        () => c.portal.rotateCredential(ada, managed!.id),
        () => c.portal.deleteCredential(ada, managed!.id),
      ]) {
        expect((await refusal(attempt())).status).toBe(403);
      }
      const digest = async () =>
        withStateDb(
          c.w,
          async (q) =>
            ((await q(`select sync_digest, version from pf_developers where email = 'ada@example.com'`)) as any[])[0],
        );
      expect((await digest()).sync_digest).not.toBeNull();
      const created = await c.portal.createCredential(ada, { type: 'oauth2', name: 'app' });
      expect((await digest()).sync_digest).toBeNull();
      const version = async () =>
        Number(
          (
            (await withStateDb(c.w, (q) =>
              q(`select version from pf_credentials where id = '${created.credential.id}'`),
            )) as any[]
          )[0].version,
        );
      expect(await version()).toBe(1);
      const edited = await c.portal.updateCredential(ada, created.credential.id, {
        redirectUris: ['https://ada.example.com/cb'],
        clientType: 'public',
      });
      expect(edited).toMatchObject({
        name: 'app',
        clientType: 'public',
        redirectUris: ['https://ada.example.com/cb'],
        clientId: created.credential.clientId,
      });
      expect(await version()).toBe(2);
      expect(
        (await refusal(c.portal.updateCredential(ada, created.credential.id, { clientSecret: 'mine' }))).status,
      ).toBe(400);
      const rotated = await c.portal.rotateCredential(ada, created.credential.id);
      expect(rotated.secrets.clientSecret).not.toBe(created.secrets.clientSecret);
      expect(await version()).toBe(3);
      await c.portal.deleteCredential(ada, created.credential.id);
      expect((await c.portal.listCredentials(ada)).map((l) => l.id)).toEqual([managed!.id]);
      // The manifest's developer row itself bumps its version when apply or the portal writes it.
      const before = Number((await digest()).version);
      await c.applyManifest(ADA.replace('fullName: Ada', 'fullName: Ada L'));
      expect(Number((await digest()).version)).toBe(before + 1);
    } finally {
      await c.close();
    }
  });

  it('enforces maxCredentials on self-made ones, and with self-service off refuses creations, edits and rotations but not lists or deletions', async () => {
    const c = await portalCase(backend, ADA);
    try {
      const sam = await c.signUp('sam@example.com');
      await c.setSettings((s) => (s.selfService.maxCredentials = 2));
      const first = await c.portal.createCredential(sam, { type: 'key-auth', name: 'a' });
      await c.portal.createCredential(sam, { type: 'key-auth', name: 'b' });
      const limit = await refusal(c.portal.createCredential(sam, { type: 'key-auth', name: 'c' }));
      expect([limit.status, limit.detail]).toEqual([403, expect.stringMatching(/\(2\)/)]);
      await c.setSettings((s) => (s.selfService.enabled = false));
      expect((await refusal(c.portal.createCredential(sam, { type: 'key-auth', name: 'c' }))).status).toBe(403);
      expect((await refusal(c.portal.updateCredential(sam, first.credential.id, { ttl: 1 }))).status).toBe(403);
      expect((await refusal(c.portal.rotateCredential(sam, first.credential.id))).status).toBe(403);
      expect(await c.portal.credentialTypes(sam)).toEqual([]);
      expect(await c.portal.listCredentials(sam)).toHaveLength(2);
      await c.portal.deleteCredential(sam, first.credential.id);
      expect(await c.portal.listCredentials(sam)).toHaveLength(1);
    } finally {
      await c.close();
    }
  });
});
