// `plan` warns about the hmac-auth and HS* jwt credentials no access check can verify (no
// encrypted copy of their secret), naming each with the rotation that fixes it, on SQLite and
// PostgreSQL, with and without the state key.
import { afterAll, describe, expect, it } from 'vitest';
import { plan } from '../src/engine.js';
import { unrecoverableSecretsWarning } from '../src/plan/secret-checks.js';
import { BACKENDS, dropTestSchemas } from './helpers/backends.js';
import { accessCase, SECRETS } from './helpers/access.js';
import { startServe } from './helpers/serve-process.js';

afterAll(dropTestSchemas);

describe.each(BACKENDS)('the plan warning on $name', (backend) => {
  it('lists the hmac-auth and HS256 jwt credentials of a state without the key, naming what gives each its copy', async () => {
    const c = await accessCase(backend, { stateKey: false });
    try {
      const shown = await plan({ paths: ['portal.yaml'], state: c.ws.state, cwd: c.ws.dir, env: SECRETS });
      const warning = shown.warnings.map((w) => w.message).find((m) => m.includes('no access check'));
      expect(warning).toContain('2 hmac-auth or HS* jwt credential(s)');
      // Their secrets come from the manifests: the next apply with the key set stores the copies.
      expect(warning).toContain(
        'developer["ada@example.com"].credential["hmac-auth:ada-hmac"] (the manifests give it: the next apply with ' +
          'PORTALFORM_STATE_KEY set stores its encrypted copy)',
      );
      expect(warning).not.toContain('--rotate');
      expect(warning).toContain('developer["ada@example.com"].credential["jwt:ada-hs"]');
      expect(warning).not.toContain('ada-rs');
    } finally {
      await c.close();
    }
  });

  it('serve warns at start-up with their number', async () => {
    const c = await accessCase(backend, { stateKey: false });
    try {
      const serve = await startServe(c.ws, { PORTALFORM_STATE_KEY: '' });
      await serve.stop();
      expect(serve.stderr()).toContain('warning: 2 hmac-auth or HS* jwt credential(s) cannot pass an access check');
    } finally {
      await c.close();
    }
  });

  it('has no such warning when every one of them has an encrypted copy', async () => {
    const c = await accessCase(backend);
    try {
      const env = { ...SECRETS, PORTALFORM_STATE_KEY: c.stateKey! };
      const shown = await plan({ paths: ['portal.yaml'], state: c.ws.state, cwd: c.ws.dir, env });
      expect(shown.warnings.map((w) => w.message).join('\n')).not.toContain('no access check');
    } finally {
      await c.close();
    }
  });
});

describe('the remedy the warning names', () => {
  const row = { email: 'ada@example.com', application: null, type: 'hmac-auth', encrypted: false };
  it('is a rotation for a generated secret and the portal for a self-made credential', () => {
    const [warning] = unrecoverableSecretsWarning(
      [
        { ...row, identity: 'made', origin: 'manifest', generated: true },
        { ...row, identity: 'own', origin: 'self-service', generated: true },
        { ...row, identity: 'given', origin: 'manifest', generated: false, encrypted: true },
      ],
      [],
    );
    expect(warning!.message).toContain('2 hmac-auth or HS* jwt credential(s)');
    expect(warning!.message).toContain(
      `with PORTALFORM_STATE_KEY set, \`portalform apply --rotate 'developer["ada@example.com"].credential["hmac-auth:made"]'\``,
    );
    expect(warning!.message).toContain(
      'developer["ada@example.com"].credential["hmac-auth:own"] (not managed by the manifests: its developer rotates it in the portal)',
    );
    expect(warning!.message).not.toContain('hmac-auth:given');
  });
});
