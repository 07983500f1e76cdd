// A wrong password in a request that asks for one (deleting the account, changing the password)
// is a 400 naming the field and counts as a failed login: past --login-attempts the account's
// password requests answer 429, whatever the password, and 401 keeps meaning "no live session".
import { afterAll, describe, expect, it } from 'vitest';
import { BACKENDS, dropTestSchemas } from './helpers/backends.js';
import { approvedDeveloper, PASSWORD, portalCase } from './helpers/service.js';

afterAll(dropTestSchemas);

describe.each(BACKENDS)('passwords asked for again, on $name', (backend) => {
  it('counts a wrong one as a failed login, up to a 429, on DELETE /api/v1/me and PUT /api/v1/me/password', async () => {
    const c = await portalCase(backend, { engine: { loginAttempts: 3 } });
    try {
      const dev = await approvedDeveloper(c, 'sam@example.com');
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        const wrong =
          i % 2 === 0
            ? await c.app.inject({
                method: 'DELETE',
                url: '/api/v1/me',
                headers: dev.bearer,
                payload: { password: 'not the password at all' },
              })
            : await c.app.inject({
                method: 'PUT',
                url: '/api/v1/me/password',
                headers: dev.bearer,
                payload: { currentPassword: 'not the password at all', newPassword: 'another fine passphrase 42' },
              });
        statuses.push(wrong.statusCode);
        if (wrong.statusCode === 400) expect(wrong.json().errors[0].field).toMatch(/^(password|currentPassword)$/);
      }
      expect(statuses).toEqual([400, 400, 400, 429]);
      // Past the limit even the right password waits; the account is still there.
      const right = await c.app.inject({
        method: 'DELETE',
        url: '/api/v1/me',
        headers: dev.bearer,
        payload: { password: PASSWORD },
      });
      expect(right.statusCode).toBe(429);
      expect(right.headers['retry-after']).toBeDefined();
      const me = await c.app.inject({ method: 'GET', url: '/api/v1/me', headers: dev.bearer });
      expect(me.statusCode).toBe(200);
    } finally {
      await c.app.close();
    }
  });
});
