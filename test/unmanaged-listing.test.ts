// state list names where each developer and credential came from (issue 17, point 1).
import { afterAll, describe, expect, it } from 'vitest';
import { listState } from '../src/inspect.js';
import { BACKENDS, dropTestSchemas } from './helpers/backends.js';
import { PASSWORD, portalCase } from './helpers/portal.js';

afterAll(dropTestSchemas);

describe.each(BACKENDS)('state list origins on $name', (backend) => {
  it('shows origin manifest for declared developers and self-service for sign-ups', async () => {
    const c = await portalCase(backend);
    try {
      await c.portal.register({ email: 'new@example.com', fullName: 'New One', password: PASSWORD });
      const listed = await listState({ state: c.w.state, cwd: c.w.dir, env: {} });
      const origins = Object.fromEntries(listed.developers.map((d) => [d.email, d.origin]));
      expect(origins).toEqual({ 'ada@example.com': 'manifest', 'new@example.com': 'self-service' });
    } finally {
      await c.close();
    }
  });
});
