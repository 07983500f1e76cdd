// state list / state show, export, export --format deck and requests over APIs, applications and
// registrations through the real CLI (docs/applications.md), on SQLite and PostgreSQL: the listing's
// shape, a plan on the export showing no changes, a self-made application's pending registration
// request listed after the sign-ups and approved by pasting what `requests --format manifest`
// printed, and the decK file valid against decK's schema.
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { BACKENDS, dropTestSchemas } from './helpers/backends.js';
import { workspace, type Workspace } from './helpers/cli.js';
import { deckValidator } from './helpers/deck-schema.js';
import { withStateDb } from './helpers/state-db.js';

afterAll(dropTestSchemas);

const ENV = { PORTALFORM_STATE_KEY: 'output-app-cli-state-key-0123456789abcdef' };
const ADA = 'ada@example.com';
const BILLING = `developer["${ADA}"].application["billing"]`;

const APIS = `apis:
  - { name: payments, title: Payments API, description: Charge cards., aclGroups: [partners] }
  - { name: maps }
`;
const ADA_ENTRY = `  - email: ${ADA}
    fullName: Ada
    status: approved
    credentials:
      - { type: acl, group: partners }
    applications:
      - name: billing
        description: Bills customers
        credentials:
          - { type: key-auth, name: prod }
        registrations:
          - { api: payments, status: approved }
`;

function apply(w: Workspace, extra = '') {
  w.write('portal/m.yaml', `version: 1\n${APIS}developers:\n${ADA_ENTRY}${extra}`);
  const run = w.run(['apply', 'portal', '--auto-approve'], { env: ENV });
  expect(run.code, run.stderr).toBe(0);
}

function json(w: Workspace, args: string[]) {
  const run = w.run([...args, '--json'], { env: ENV });
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout);
}

/** A self-made application of ada's with a pending registration to maps, as the portal service stores them. */
async function selfMadeRequest(w: Workspace) {
  await withStateDb(w, async (query) => {
    const [ada] = (await query(`select id from pf_developers where email = '${ADA}'`)) as { id: string }[];
    const at = new Date().toISOString();
    await query(
      `insert into pf_applications (id, developer_id, name, description, description_managed, origin, created_at, updated_at)
       values ('app-sandbox', '${ada!.id}', 'sandbox', 'my sandbox', 0, 'self-service', '${at}', '${at}')`,
    );
    await query(
      `insert into pf_registrations (id, application_id, api, status, origin, created_at, updated_at)
       values ('reg-sandbox', 'app-sandbox', 'maps', 'pending', 'self-service', '${at}', '${at}')`,
    );
  });
}

describe.each(BACKENDS)('state, export and requests over applications on $name', (backend) => {
  it('lists and shows APIs, applications and registrations in the documented shape', () => {
    const w = workspace(backend.newState());
    apply(w);
    const listed = json(w, ['state', 'list']);
    expect(Object.keys(listed)).toEqual(['lineage', 'serial', 'apis', 'developers']);
    expect(listed.apis).toEqual([
      { name: 'maps', title: null, description: null, autoApproveRegistrations: null, aclGroups: [] },
      {
        name: 'payments',
        title: 'Payments API',
        description: 'Charge cards.',
        autoApproveRegistrations: null,
        aclGroups: ['partners'],
      },
    ]);
    const [ada] = listed.developers;
    expect(ada.credentials).toEqual([{ type: 'acl', group: 'partners', active: true, origin: 'manifest' }]);
    expect(ada.applications).toEqual([
      {
        name: 'billing',
        description: 'Bills customers',
        origin: 'manifest',
        createdAt: expect.any(String),
        credentials: [{ type: 'key-auth', name: 'prod', key: '(sensitive)', active: true, origin: 'manifest' }],
        registrations: [{ api: 'payments', status: 'approved', origin: 'manifest', createdAt: expect.any(String) }],
      },
    ]);
    const text = w.run(['state', 'list']).stdout;
    expect(text).toContain(`${BILLING}.registration["payments"]  approved`);
    expect(text).toContain(`${BILLING}.credential["key-auth:prod"]  active`);

    expect(json(w, ['state', 'show', 'api["payments"]'])).toMatchObject({ kind: 'api', aclGroups: ['partners'] });
    expect(json(w, ['state', 'show', `${BILLING}.registration["payments"]`])).toMatchObject({
      kind: 'registration',
      developer: ADA,
      application: 'billing',
      status: 'approved',
    });
    const shown = w.run(['state', 'show', `${BILLING}.credential["key-auth:prod"]`]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/^ {4}key += \(sensitive\)$/m);
    const missing = w.run(['state', 'show', `${BILLING}.registration["maps"]`]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('is not in the state; run portalform state list');
  });

  it('exports manifests on which a plan shows no changes, and with --include-unmanaged adopts a self-made application', async () => {
    const w = workspace(backend.newState());
    apply(w);
    await selfMadeRequest(w);
    const exported = w.run(['export', '--out', 'exported'], { env: ENV });
    expect(exported.code, exported.stderr).toBe(0);
    const plan = w.run(['plan', 'exported', '--detailed-exitcode'], { env: ENV });
    expect(plan.code, plan.stdout + plan.stderr).toBe(0);

    const everything = w.run(['export', '--include-unmanaged'], { env: ENV });
    expect(everything.code, everything.stderr).toBe(0);
    expect(everything.stdout).toContain(
      'This application was not created by portalform; applying this manifest adopts it.',
    );
    w.write('all/portal.yaml', everything.stdout);
    const adopted = w.run(['apply', 'all', '--auto-approve'], { env: ENV });
    expect(adopted.code, adopted.stderr).toBe(0);
    expect(json(w, ['state', 'show', `developer["${ADA}"].application["sandbox"]`])).toMatchObject({
      origin: 'manifest',
      description: 'my sandbox',
    });
  });

  it('lists a pending registration request after the sign-ups; the entry it prints, pasted and applied, approves it', async () => {
    const w = workspace(backend.newState());
    apply(w);
    await selfMadeRequest(w);
    const listed = json(w, ['requests']);
    expect(listed.requests).toEqual([]);
    expect(listed.registrations).toEqual([
      { email: ADA, application: 'sandbox', api: 'maps', createdAt: expect.any(String), manifest: expect.any(String) },
    ]);
    expect(parse(listed.registrations[0].manifest)).toEqual([
      { email: ADA, applications: [{ name: 'sandbox', registrations: [{ api: 'maps', status: 'approved' }] }] },
    ]);
    expect(w.run(['requests']).stdout).toContain(
      `1 pending registration request, oldest first:\n  developer["${ADA}"].application["sandbox"].registration["maps"]  requested`,
    );
    const plan = w.run(['plan', 'portal'], { env: ENV });
    expect(plan.stdout).toContain('1 pending registration request, oldest first:');

    const entries = w.run(['requests', '--format', 'manifest']);
    expect(entries.code, entries.stderr).toBe(0);
    expect(entries.stdout).toContain("is already declared in the manifests: merge this entry's applications");
    // Merged into ada's entry, as the comment says: her applications gain the sandbox entry.
    const sandbox = parse(entries.stdout)[0].applications;
    expect(sandbox).toEqual([{ name: 'sandbox', registrations: [{ api: 'maps', status: 'approved' }] }]);
    w.write(
      'portal/m.yaml',
      `version: 1\n${APIS}developers:\n${ADA_ENTRY}      - name: sandbox\n        registrations:\n          - { api: maps, status: approved }\n`,
    );
    const applied = w.run(['apply', 'portal', '--auto-approve'], { env: ENV });
    expect(applied.code, applied.stderr).toBe(0);
    expect(json(w, ['state', 'show', `developer["${ADA}"].application["sandbox"].registration["maps"]`])).toMatchObject(
      {
        status: 'approved',
        origin: 'manifest',
      },
    );
    expect(json(w, ['requests'])).toEqual({ requests: [], registrations: [] });
    // The developer still manages the description the entry left out.
    expect(json(w, ['state', 'show', `developer["${ADA}"].application["sandbox"]`]).description).toBe('my sandbox');
  });

  it('takes the new addresses in --replace, --rotate and --target, and renders what they do', () => {
    const w = workspace(backend.newState());
    apply(w);
    const registration = `${BILLING}.registration["payments"]`;
    const replaced = w.run(['plan', 'portal', '--replace', registration], { env: ENV });
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(replaced.stdout).toContain(`  # ${registration} must be replaced (--replace): deleted, then created anew`);
    expect(replaced.stdout).toContain('  -/+ registration "payments" {');
    const rotated = w.run(['plan', 'portal', '--rotate', `${BILLING}.credential["key-auth:prod"]`], { env: ENV });
    expect(rotated.stdout).toContain('      ~ key    = (sensitive value changed)');
    w.write(
      'portal/m.yaml',
      `version: 1\n${APIS}developers:\n${ADA_ENTRY.replace('Bills customers', 'Bills everyone')}`,
    );
    const targeted = w.run(['plan', 'portal', '--target', BILLING, '--format', 'markdown'], { env: ENV });
    expect(targeted.code, targeted.stderr).toBe(0);
    expect(targeted.stdout).toContain('!       description = "Bills customers" -> "Bills everyone"');
  });

  it('exports a decK file that decK’s schema accepts, the application a consumer with api:payments', () => {
    const w = workspace(backend.newState());
    apply(w);
    const run = w.run(['export', '--format', 'deck'], { env: ENV });
    expect(run.code, run.stderr).toBe(0);
    const deck = parse(run.stdout);
    const validate = deckValidator();
    expect(validate(deck), JSON.stringify(validate.errors)).toBe(true);
    const consumers = deck.consumers as {
      username: string;
      acls?: { group: string }[];
      keyauth_credentials?: unknown[];
    }[];
    expect(consumers.map((c) => c.username)).toEqual([ADA, `${ADA}/billing`]);
    expect(consumers[1]!.acls!.map((a) => a.group)).toEqual(['api:payments']);
    expect(consumers[1]!.keyauth_credentials).toHaveLength(1);
    expect(consumers[0]!.acls!.map((a) => a.group)).toEqual(['partners', 'api:payments']);
  });
});
