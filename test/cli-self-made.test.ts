// Issue 24, points 5, 6, 12 and 13: the CLI on a state the portal has written to — developers'
// self-made credentials (made while `serve` ran without a state key), self-service and invite
// entries in the history, a sign-up waiting for approval.
import { afterAll, describe, expect, it } from 'vitest';
import { BACKENDS, dropTestSchemas } from './helpers/backends.js';
import { loginInvited, manifestOf, portalCase, PASSWORD } from './helpers/portal.js';
import { proveAddress } from './helpers/proof.js';

afterAll(dropTestSchemas);
const sqlite = BACKENDS[0]!;
const STATE_KEY = 'a-state-key-of-at-least-32-characters-0123456789';
const ADA =
  '  - email: ada@example.com\n    fullName: Ada\n    status: approved\n    credentials:\n      - { type: acl, group: partners }\n';
const SAM_KEY = 'developer["sam@example.com"].credential["key-auth:sam-key"]';

describe('self-made credentials stored without a state key', () => {
  it('export --format deck leaves them out, names them and says what the developers can do', async () => {
    const c = await portalCase(sqlite, ADA);
    try {
      const sam = await c.signUp('sam@example.com');
      const made = await c.portal.createCredential(sam, { type: 'key-auth', name: 'sam-key' });

      const exported = c.w.run(['export', '--format', 'deck'], { env: { PORTALFORM_STATE_KEY: STATE_KEY } });
      expect(exported.code, exported.stderr).toBe(0);
      expect(exported.stdout).toContain('username: ada@example.com');
      expect(exported.stdout).toContain('group: partners');
      expect(exported.stdout).not.toContain(made.secrets.key!);
      expect(exported.stderr).toContain(`left out of the decK file: a credential`);
      expect(exported.stderr).toContain(SAM_KEY);
      expect(exported.stderr).toContain('rotates theirs in the portal');
      expect(exported.stderr).not.toMatch(/set PORTALFORM_STATE_KEY|apply --rotate/);

      // Rotated in a portal that runs with the key, it is exportable again.
      const keyed = await c.open({ stateKey: STATE_KEY });
      const login = await keyed.login({ email: 'sam@example.com', password: PASSWORD });
      const rotated = await keyed.rotateCredential((await keyed.authenticate(login.token))!, made.credential.id);
      const again = c.w.run(['export', '--format', 'deck'], { env: { PORTALFORM_STATE_KEY: STATE_KEY } });
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toContain(rotated.secrets.key!);
      expect(again.stderr).not.toContain('left out');
    } finally {
      await c.close();
    }
  });

  it('plan --rotate on one is refused, naming why, instead of "No changes"', async () => {
    const c = await portalCase(sqlite, ADA);
    try {
      const sam = await c.signUp('sam@example.com');
      await c.portal.createCredential(sam, { type: 'key-auth', name: 'sam-key' });
      const planned = c.w.run(['plan', 'm.yaml', '--rotate', SAM_KEY]);
      expect(planned.code).toBe(1);
      expect(planned.stderr).toContain(`${SAM_KEY}: --rotate gives new values to the generated secrets of credentials`);
      expect(planned.stderr).toContain('its developer made it in the portal, so only they can rotate it there');
      expect(planned.stdout).not.toContain('No changes');
    } finally {
      await c.close();
    }
  });
});

describe('history', () => {
  it('keeps its columns in line on self-service and invite rows', async () => {
    const c = await portalCase(sqlite, ADA);
    try {
      const sam = await c.signUp('sam@example.com');
      await c.portal.createCredential(sam, { type: 'key-auth', name: 'a-rather-long-credential-name' });
      await loginInvited(c, 'ada@example.com');
      const listed = c.w.run(['history']);
      expect(listed.code, listed.stderr).toBe(0);
      const [header, ...rows] = listed.stdout.trimEnd().split('\n');
      expect(rows.map((row) => row.split(/\s{2,}/)[1])).toEqual(
        expect.arrayContaining(['apply', 'self-service', 'invite']),
      );
      for (const column of ['AT', 'ACTOR', 'CHANGES', 'HASH']) {
        const start = header!.indexOf(column);
        for (const row of rows) {
          expect(row[start - 1], `${column} in ${JSON.stringify(row)}`).toBe(' ');
          expect(row[start], `${column} in ${JSON.stringify(row)}`).not.toBe(' ');
        }
      }
    } finally {
      await c.close();
    }
  });
});

describe('plan --json approving a sign-up', () => {
  it('shows the update that follows the approve with the status the approve leaves', async () => {
    const c = await portalCase(sqlite, ADA);
    try {
      await c.portal.register({ email: 'sam@example.com', fullName: 'sam', password: PASSWORD });
      await proveAddress(c.w, 'sam@example.com'); // a plan adopts only a verified sign-up
      c.w.write('m.yaml', manifestOf(`${ADA}  - { email: sam@example.com, fullName: Sam Smith, status: approved }\n`));
      const planned = c.w.run(['plan', 'm.yaml', '--json']);
      expect(planned.code, planned.stderr).toBe(0);
      const changes = JSON.parse(planned.stdout).changes.filter(
        (change: { address: string }) => change.address === 'developer["sam@example.com"]',
      );
      expect(changes.map((change: { op: string }) => change.op)).toEqual(['approve', 'update']);
      expect(changes[0]).toMatchObject({ before: { status: 'pending' }, after: { status: 'approved' } });
      expect(changes[1]).toMatchObject({
        before: { status: 'approved', fullName: 'sam' },
        after: { status: 'approved', fullName: 'Sam Smith' },
      });
    } finally {
      await c.close();
    }
  });
});
