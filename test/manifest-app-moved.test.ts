// Issue 26, point 1: `moved` entries rename applications and APIs beside developers, and `removed`
// entries take exactly the forms of docs/unmanaged.md, each problem located (docs/applications.md).
import { describe, expect, it } from 'vitest';
import { workspace } from './helpers/cli.js';

const DECLARED = `version: 1
apis:
  - { name: payments }
  - { name: ledger }
developers:
  - email: ada@example.com
    fullName: Ada
    status: approved
    credentials:
      - { type: key-auth, name: own }
    applications:
      - name: billing
        credentials:
          - { type: key-auth, name: prod }
        registrations:
          - { api: payments, status: approved }
      - name: invoices
  - { email: bob@example.com, fullName: Bob, status: approved }
`;

async function load(blocks: string) {
  const ws = workspace();
  ws.write('m.yaml', DECLARED + blocks);
  return ws.load();
}

describe('moved', () => {
  it('renames an application within its developer and an API, beside the email form of a developer', async () => {
    const { desired, errors } = await load(`moved:
  - { from: ada@old.example, to: ADA@example.com }
  - { from: 'developer["ada@example.com"].application["old-billing"]', to: 'developer["ada@example.com"].application["billing"]' }
  - { from: 'api["pay"]', to: 'api["payments"]' }
  - { from: 'developer["bob@old.example"]', to: 'developer["bob@example.com"]' }
`);
    expect(errors).toEqual([]);
    expect(desired!.moved.map(({ location: _, ...move }) => move)).toEqual([
      { from: 'ada@old.example', to: 'ada@example.com' },
      { kind: 'application', email: 'ada@example.com', from: 'old-billing', to: 'billing' },
      { kind: 'api', from: 'pay', to: 'payments' },
      { from: 'bob@old.example', to: 'bob@example.com' },
    ]);
    expect(desired!.moved[1]!.location).toMatchObject({ line: 21, column: 5 });
  });

  it('refuses each malformed or conflicting move at the end that is wrong', async () => {
    const { errors } = await load(`moved:
  - { from: 'developer["ada@example.com"].application["x"]', to: 'developer["ada@example.com"].application["nowhere"]' }
  - { from: 'developer["ada@example.com"].application["y"]', to: 'developer["bob@example.com"].application["y"]' }
  - { from: 'api["x"]', to: 'developer["ada@example.com"].application["billing"]' }
  - { from: 'api["payments"]', to: 'api["ledger"]' }
  - { from: 'api["gone"]', to: 'api["missing"]' }
  - { from: 'api["Bad"]', to: 'api["ledger"]' }
  - { from: 'application["x"]', to: 'api["ledger"]' }
  - { from: 'developer["ada@example.com"].application["invoices"]', to: 'developer["ada@example.com"].application["billing"]' }
`);
    expect(errors).toEqual([
      `m.yaml:20:66: error: moved block moves to developer["ada@example.com"].application["nowhere"], which is not declared as an application; declare it under its developer's applications`,
      'm.yaml:21:66: error: moved block moves an application of ada@example.com to bob@example.com; an application moves only within its developer',
      'm.yaml:22:29: error: moved block moves an API to an application; `from` and `to` must name the same kind',
      'm.yaml:23:13: error: api["payments"] is moved to api["ledger"] but is still declared as an API; remove one or the other',
      'm.yaml:24:32: error: moved block moves to api["missing"], which is not declared as an API; declare it under apis',
      "m.yaml:25:13: error: name Bad must be 1 to 63 characters of a-z, 0-9 and '-'",
      'm.yaml:26:13: error: "application[\\"x\\"]" is not a valid email address (expected one @, no spaces, and a domain with a dot, like ada@example.com)',
      'm.yaml:27:13: error: developer["ada@example.com"].application["invoices"] is moved to developer["ada@example.com"].application["billing"] but is still declared as an application; remove one or the other',
    ]);
  });
});

describe('removed', () => {
  it('takes the forms of docs/unmanaged.md: a developer, its credential, an application, its credential or registration', async () => {
    const { desired, errors } = await load(`removed:
  - { developer: spam@example.com }
  - { developer: gone@example.com, keep: true }
  - { developer: ada@example.com, credential: "key-auth:old" }
  - { developer: ada@example.com, application: old-app }
  - { developer: ada@example.com, application: kept-app, keep: true }
  - { developer: ada@example.com, application: billing, credential: "key-auth:old" }
  - { developer: ada@example.com, application: billing, registration: retired-api }
`);
    expect(errors).toEqual([]);
    expect(desired!.removed!.map(({ location: _, ...entry }) => entry)).toEqual([
      { developer: 'spam@example.com', keep: false },
      { developer: 'gone@example.com', keep: true },
      { developer: 'ada@example.com', credential: { type: 'key-auth', identity: 'old' }, keep: false },
      { developer: 'ada@example.com', application: 'old-app', keep: false },
      { developer: 'ada@example.com', application: 'kept-app', keep: true },
      {
        developer: 'ada@example.com',
        application: 'billing',
        credential: { type: 'key-auth', identity: 'old' },
        keep: false,
      },
      { developer: 'ada@example.com', application: 'billing', registration: 'retired-api', keep: false },
    ]);
  });

  it('refuses every other combination, and an entry naming what the manifests still declare, naming both places', async () => {
    const { errors } = await load(`removed:
  - { developer: x@example.com, registration: payments }
  - { developer: x@example.com, credential: "key-auth:a", keep: true }
  - { developer: x@example.com, application: a, credential: "key-auth:a", registration: payments }
  - { developer: x@example.com, application: b, registration: payments, keep: true }
  - { developer: ada@example.com, application: billing }
  - { developer: ada@example.com, application: billing, credential: "key-auth:prod" }
  - { developer: ada@example.com, application: billing, registration: payments }
  - { developer: ada@example.com, application: "Bad Name" }
`);
    const form = (given: string) =>
      `error: a removed entry with ${given} is not one of its forms: {developer}, {developer, keep: true}, ` +
      '{developer, credential}, {developer, application}, {developer, application, keep: true}, ' +
      '{developer, application, credential}, {developer, application, registration}';
    const declared = (what: string, where: string) =>
      `error: removed entry names ${what}, which the manifests still declare at ${where}; remove the declaration to ` +
      'delete or release it, or remove the removed entry to keep managing it';
    expect(errors).toEqual([
      `m.yaml:20:5: ${form('developer, registration')}`,
      `m.yaml:21:5: ${form('developer, credential, keep')}`,
      `m.yaml:22:5: ${form('developer, application, credential, registration')}`,
      `m.yaml:23:5: ${form('developer, application, registration, keep')}`,
      `m.yaml:24:5: ${declared('developer["ada@example.com"].application["billing"]', 'm.yaml:12:9')}`,
      `m.yaml:25:5: ${declared('developer["ada@example.com"].application["billing"].credential["key-auth:prod"]', 'm.yaml:14:13')}`,
      `m.yaml:26:5: ${declared('developer["ada@example.com"].application["billing"].registration["payments"]', 'm.yaml:16:13')}`,
      "m.yaml:27:48: error: `application` `Bad Name` must be 1 to 63 characters of a-z, 0-9 and '-'",
    ]);
  });

  it('refuses one application named by two entries', async () => {
    const { errors } = await load(`removed:
  - { developer: ada@example.com, application: old }
  - { developer: ADA@example.com, application: old }
`);
    expect(errors).toEqual([
      'm.yaml:21:5: error: developer["ada@example.com"].application["old"] is named by two removed entries (first at m.yaml:20:5); keep one',
    ]);
  });
});
