// Sentinel: a developer's password and the secrets the service generates appear nowhere in the
// state (rows, or the SQLite file itself), in the history, or in any refusal's message.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { history } from '../src/inspect.js';
import { BACKENDS, dropTestSchemas } from './helpers/backends.js';
import { portalCase } from './helpers/portal.js';
import { withStateDb } from './helpers/state-db.js';

afterAll(dropTestSchemas);

const SENTINEL_PASSWORD = 'SENTINEL-pass-7f3a9c-do-not-store';
const NEW_PASSWORD = 'SENTINEL-new-pass-1b2c3d';

describe.each(BACKENDS)('secrets stay secret on $name', (backend) => {
  it('never stores or shows a password or a generated secret in plain text', async () => {
    const c = await portalCase(backend, '  - { email: ada@example.com, fullName: Ada, status: approved }\n', {
      stateKey: 'state-key-'.repeat(4),
    });
    const messages: string[] = [];
    const collect = async (promise: Promise<unknown>) =>
      promise.catch((error: Error) => messages.push(`${error.message} ${JSON.stringify(error)}`));
    try {
      const sam = await c.signUp('sam@example.com', SENTINEL_PASSWORD);
      const generated: string[] = [];
      for (const input of [
        { type: 'key-auth', name: 'k' },
        { type: 'basic-auth', username: 'sam-b' },
        { type: 'oauth2', name: 'o' },
        { type: 'hmac-auth', username: 'sam-h' },
        { type: 'jwt', key: 'sam-j' },
      ]) {
        const created = await c.portal.createCredential(sam, input);
        generated.push(...Object.values(created.secrets));
        const rotated = await c.portal.rotateCredential(sam, created.credential.id);
        generated.push(...Object.values(rotated.secrets));
      }
      expect(generated).toHaveLength(10);
      await collect(c.portal.login({ email: 'sam@example.com', password: `${SENTINEL_PASSWORD}x` }));
      await collect(c.portal.register({ email: 'sam@example.com', fullName: 'Sam', password: SENTINEL_PASSWORD }));
      await collect(c.portal.register({ email: 'bad', fullName: 'Sam', password: SENTINEL_PASSWORD }));
      await collect(c.portal.changeEmail(sam, { email: 'ada@example.com', password: SENTINEL_PASSWORD }));
      await collect(
        c.portal.changePassword(sam, { currentPassword: `${SENTINEL_PASSWORD}x`, newPassword: NEW_PASSWORD }),
      );
      await collect(c.portal.createCredential(sam, { type: 'key-auth', name: 'k2', key: generated[0] }));
      await collect(c.portal.createCredential(sam, { type: 'basic-auth', username: 'sam-b' }));
      await c.portal.changePassword(sam, { currentPassword: SENTINEL_PASSWORD, newPassword: NEW_PASSWORD });
      expect(messages.length).toBeGreaterThanOrEqual(7);

      const rows = await withStateDb(c.w, async (q) => {
        const tables = [
          'pf_meta',
          'pf_developers',
          'pf_credentials',
          'pf_history',
          'pf_events',
          'pf_sessions',
          'pf_login_attempts',
          'pf_invites',
          'pf_tombstones',
        ];
        const dumps: unknown[] = [];
        for (const table of tables) dumps.push(await q(`select * from ${table}`));
        return JSON.stringify(dumps);
      });
      const file =
        backend.name === 'sqlite'
          ? ['', '-wal']
              .map((suffix) => join(c.w.dir, `portalform.db${suffix}`))
              .filter(existsSync)
              .map((path) => readFileSync(path).toString('latin1'))
              .join('')
          : '';
      const recorded = JSON.stringify(await history({ state: c.w.state, cwd: c.w.dir, env: {} }));
      for (const [where, text] of [
        ['rows', rows],
        ['file', file],
        ['history', recorded],
        ['messages', messages.join('\n')],
      ] as const) {
        for (const secret of [SENTINEL_PASSWORD, NEW_PASSWORD, ...generated])
          expect(text.includes(secret), `${where} holds a secret`).toBe(false);
      }
      expect(recorded).toContain('change-password');
    } finally {
      await c.close();
    }
  }, 60_000);
});
