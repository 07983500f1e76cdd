// Portal settings (docs/portal-service.md#settings) as a user meets them: the manifests' `portal:` block planned, applied,
// stored in the state's meta, exported, and planned again with no changes, on each backend.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { planDigest } from '../src/plan/planfile.js';
import { completePortalSettings, defaultPortalSettings, PORTAL_SETTINGS_KEY } from '../src/portal-settings.js';
import { BACKENDS, dropTestSchemas } from './helpers/backends.js';
import { workspace, type Workspace } from './helpers/cli.js';
import { withStateDb } from './helpers/state-db.js';

afterAll(dropTestSchemas);

const DEVELOPERS = `developers:
  - email: ada@example.com
    fullName: Ada
    status: approved
    credentials:
      - { type: acl, group: partners }
      - { type: key-auth, name: ci }
`;

const PORTAL = `portal:
  credentialTypes: [key-auth, jwt, acl]
  autoApprove: true
  selfService:
    credentialTypes: [key-auth]
    maxCredentials: 5
`;

/** The settings PORTAL declares, as apply stores them. */
const DECLARED = completePortalSettings({
  credentialTypes: ['key-auth', 'jwt', 'acl'],
  autoApprove: true,
  selfService: { credentialTypes: ['key-auth'], maxCredentials: 5 },
});

/** The settings stored in the state's meta, parsed; undefined when apply never stored any. */
async function storedSettings(w: Workspace): Promise<unknown> {
  const rows = (await withStateDb(w, (query) =>
    query(`select value from pf_meta where key = '${PORTAL_SETTINGS_KEY}'`),
  )) as Array<{ value: string }>;
  return rows[0] && JSON.parse(rows[0].value);
}

function planJson(w: Workspace, paths: string[]): any {
  const run = w.run(['plan', ...paths, '--json']);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout);
}

function applied(w: Workspace, args: string[]): void {
  const run = w.run(['apply', ...args, '--auto-approve', '--secrets-out', join(w.dir, 'secrets.json')]);
  expect(run.code, run.stderr).toBe(0);
}

describe.each(BACKENDS)('portal settings on $name', (backend) => {
  it('plans, applies, stores, exports and plans again with no changes', async () => {
    const w = workspace(backend.newState());
    w.write('m/portal.yaml', `version: 1\n${PORTAL}`);
    w.write('m/developers.yaml', `version: 1\n${DEVELOPERS}`);

    const first = planJson(w, ['m']);
    expect(first.changes[0]).toEqual({
      address: 'portal',
      kind: 'portal',
      op: 'update',
      before: {
        credentialTypes: ['key-auth', 'basic-auth', 'oauth2', 'hmac-auth', 'jwt', 'acl'],
        autoApprove: false,
        selfService: { credentialTypes: ['key-auth', 'basic-auth', 'oauth2', 'hmac-auth', 'jwt'], maxCredentials: 20 },
      },
      after: {
        credentialTypes: ['key-auth', 'jwt', 'acl'],
        autoApprove: true,
        selfService: { credentialTypes: ['key-auth'], maxCredentials: 5 },
      },
    });
    expect(first.summary).toEqual({ create: 3, update: 1, delete: 0, transition: 0, move: 0 });
    expect(w.run(['plan', 'm']).stdout).toMatch(
      /# portal will be updated in-place\n {2}~ portal \{\n {6}~ credentialTypes += /,
    );

    // The first apply creates the state and stores the settings with it.
    applied(w, ['m']);
    expect(await storedSettings(w)).toEqual(DECLARED);
    const firstApply = JSON.parse(w.run(['history', 'show', '1', '--json']).stdout);
    expect(firstApply.changes[0]).toMatchObject({ address: 'portal', kind: 'portal', op: 'update' });
    expect(w.run(['plan', 'm', '--detailed-exitcode'])).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/No changes/),
    });

    // The export carries the block: planned from it, nothing changes.
    expect(w.run(['export', '--out', 'exported']).code).toBe(0);
    expect(readdirSync(join(w.dir, 'exported')).sort()).toEqual([
      '.portalform-export.json',
      'developers',
      'portal.yaml',
    ]);
    expect(readFileSync(join(w.dir, 'exported', 'portal.yaml'), 'utf8')).toContain(
      'portal:\n  credentialTypes:\n    - key-auth\n    - jwt\n    - acl\n  autoApprove: true\n',
    );
    expect(w.run(['plan', 'exported', '--detailed-exitcode'])).toMatchObject({ code: 0 });
    w.write('single/portal.yaml', w.run(['export']).stdout);
    expect(w.run(['plan', 'single', '--detailed-exitcode'])).toMatchObject({ code: 0 });

    // One field changes: the step shows that field only, and apply stores it.
    w.write(
      'm/portal.yaml',
      `version: 1\n${PORTAL}  allowShortKeys: false\n`.replace(
        '    maxCredentials: 5\n',
        '    maxCredentials: 5\n    enabled: false\n',
      ),
    );
    const second = planJson(w, ['m']);
    expect(second.changes).toEqual([
      {
        address: 'portal',
        kind: 'portal',
        op: 'update',
        before: { selfService: { enabled: true } },
        after: { selfService: { enabled: false } },
      },
    ]);
    expect(second.summary).toEqual({ create: 0, update: 1, delete: 0, transition: 0, move: 0 });
    applied(w, ['m']);
    expect(await storedSettings(w)).toEqual({ ...DECLARED, selfService: { ...DECLARED.selfService, enabled: false } });
    expect(JSON.parse(w.run(['state', 'list', '--json']).stdout).serial).toBe(2);

    // Without the block, the settings go back to the defaults.
    w.write('m/portal.yaml', 'version: 1\n');
    expect(planJson(w, ['m']).changes.map((c: any) => c.address)).toEqual(['portal']);
    applied(w, ['m']);
    expect(await storedSettings(w)).toEqual(defaultPortalSettings());
  });

  it('applies a saved plan’s settings, and refuses settings no manifest could declare', async () => {
    const w = workspace(backend.newState());
    w.write('m.yaml', `version: 1\n${DEVELOPERS}`);
    applied(w, ['m.yaml']);
    w.write('m.yaml', `version: 1\n${PORTAL}${DEVELOPERS}`);
    expect(w.run(['plan', 'm.yaml', '--out', 'good.plan']).code).toBe(0);

    // An edited saved plan, its digest recomputed, asking for acl to be self-service.
    const file = JSON.parse(readFileSync(join(w.dir, 'good.plan'), 'utf8'));
    const step = file.plan.changes.find((c: any) => c.kind === 'portal');
    step.action.settings.selfService.credentialTypes = ['key-auth', 'acl'];
    file.digest = planDigest(file.plan);
    writeFileSync(join(w.dir, 'bad.plan'), JSON.stringify(file));
    const refused = w.run(['apply', 'bad.plan']);
    expect(refused.code).toBe(1);
    // Refused by the step's own check, or earlier by the plan's authentication where it has one.
    expect(refused.stderr).toMatch(
      /portal settings are not valid \(selfService\.credentialTypes holds acl|not authentic/,
    );
    expect(await storedSettings(w)).toBeUndefined();

    const run = w.run(['apply', 'good.plan']);
    expect(run.code, run.stderr).toBe(0);
    expect(await storedSettings(w)).toEqual(DECLARED);
    expect(w.run(['plan', 'm.yaml', '--detailed-exitcode']).code).toBe(0);
  });

  it('sees a change of the portal block alone in a file the cache already holds', async () => {
    const w = workspace(backend.newState());
    const developers = Array.from(
      { length: 30 },
      (_, i) => `  - { email: dev-${i}@example.com, fullName: Dev ${i}, status: pending }\n`,
    ).join('');
    const file = (autoApprove: boolean) =>
      `version: 1\nportal:\n  autoApprove: ${autoApprove}\ndevelopers:\n${developers}`;
    w.write('m.yaml', file(false));
    applied(w, ['m.yaml']);
    expect(w.run(['plan', 'm.yaml', '--detailed-exitcode']).code).toBe(0); // the cache now holds m.yaml
    w.write('m.yaml', file(true));
    expect(planJson(w, ['m.yaml']).changes).toEqual([
      { address: 'portal', kind: 'portal', op: 'update', before: { autoApprove: false }, after: { autoApprove: true } },
    ]);
    applied(w, ['m.yaml']);
    expect(await storedSettings(w)).toMatchObject({ autoApprove: true });
  });

  it('refuses a short key-auth key unless allowShortKeys allows it, and then warns in the plan', async () => {
    const w = workspace(backend.newState());
    const env = { PORTALFORM_SECRET_OLD: 'SENTINEL-old' };
    const manifest = (portal: string) =>
      `version: 1\n${portal}developers:\n  - email: ada@example.com\n    fullName: Ada\n    status: approved\n    credentials:\n      - { type: key-auth, name: old, key: { fromEnv: PORTALFORM_SECRET_OLD } }\n`;
    w.write('m.yaml', manifest(''));
    const refused = w.run(['apply', 'm.yaml', '--auto-approve'], { env });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('m.yaml:7:43: error: this key-auth key is shorter than 20 characters');
    expect(refused.stderr).not.toContain('SENTINEL-old');
    expect(w.run(['state', 'list']).stderr).toContain('no state at'); // the refused apply created none

    w.write('m.yaml', manifest('portal:\n  allowShortKeys: true\n'));
    const planned = w.run(['plan', 'm.yaml', '--json'], { env });
    expect(planned.code, planned.stderr).toBe(0);
    expect(JSON.parse(planned.stdout).warnings).toContainEqual({
      message: expect.stringMatching(
        /^portal\.allowShortKeys is true: key-auth keys shorter than 20 characters are accepted for a migration \(1 such key is given here\)/,
      ),
      location: { file: join(w.dir, 'm.yaml'), line: 3, column: 3 },
    });
    const run = w.run(['apply', 'm.yaml', '--auto-approve'], { env });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout + run.stderr).not.toContain('SENTINEL-old');
    expect(await storedSettings(w)).toMatchObject({ allowShortKeys: true });
  });
});
