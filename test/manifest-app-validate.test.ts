// Issue 26, point 1: every validation rule of APIs, applications and registrations
// (docs/applications.md), each problem located at file:line:column, all reported in one run.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { workspace } from './helpers/cli.js';

const APIS = `version: 1
apis:
  - { name: payments, title: Payments API, aclGroups: [partners] }
  - { name: Payments }
  - { name: ledger, aclGroups: ["api:ledger"] }
`;

const MORE_APIS = `version: 1
apis:
  - { name: payments }
`;

const DEVELOPERS = `version: 1
developers:
  - email: ada@example.com
    fullName: Ada
    status: approved
    credentials:
      - { type: acl, group: "api:payments" }
      - { type: basic-auth, username: shared }
    applications:
      - name: billing
        credentials:
          - { type: key-auth, name: prod }
          - { type: key-auth, name: prod }
          - { type: basic-auth, username: shared }
        registrations:
          - { api: payments, status: approved }
          - { api: payments, status: pending }
          - { api: unknown, status: approved }
      - name: billing
      - name: Bad_Name
      - name: acl-app
        credentials:
          - { type: acl, group: partners }
  - email: linus@example.com
    fullName: Linus
    status: pending
    applications:
      - { name: waiting }
  - email: dennis@example.com
    fullName: Dennis
    status: rejected
    applications:
      - { name: refused }
  - email: grace@example.com
    fullName: Grace
    status: approved
    applications:
      - name: tools
        credentials:
          - { type: basic-auth, username: shared }
          - { type: oauth2, name: web, clientId: web-client }
          - { type: hmac-auth, username: signer }
          - { type: jwt, key: issuer }
      - name: no-status
        registrations:
          - { api: payments }
  - email: bob@example.com
    fullName: Bob
    status: approved
    credentials:
      - { type: oauth2, name: bob-web, clientId: web-client }
      - { type: hmac-auth, username: signer }
      - { type: jwt, key: issuer }
`;

describe('validation of APIs, applications and registrations', () => {
  const ws = workspace();
  ws.write('m/apis.yaml', APIS);
  ws.write('m/more-apis.yaml', MORE_APIS);
  ws.write('m/developers.yaml', DEVELOPERS);
  const result = ws.run(['validate', 'm']);
  const lines = result.stderr.split('\n');
  /** One assertion per rule: an error at this file:line:column whose message holds `text`. */
  const errorAt = (where: string, text: string) =>
    expect(
      lines.filter((line) => line.startsWith(`${where}: error: `) && line.includes(text)),
      `${where} ${text}\n${result.stderr}`,
    ).toHaveLength(1);

  it('fails, reporting every problem in one run', () => {
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
  });

  it("refuses an API's name outside a-z, 0-9 and '-'", () =>
    errorAt('m/apis.yaml:4:13', "`name` `Payments` must be 1 to 63 characters of a-z, 0-9 and '-'"));

  it('refuses an API declared twice, across files', () =>
    errorAt('m/more-apis.yaml:3:13', 'API payments is declared twice (also at m/apis.yaml:3:13)'));

  it("refuses an API's acl group in the reserved api: range", () =>
    errorAt('m/apis.yaml:5:33', 'acl group api:ledger begins with api:, which is reserved'));

  it("refuses a developer's acl group in the reserved api: range", () =>
    errorAt('m/developers.yaml:7:29', 'acl group api:payments begins with api:, which is reserved'));

  it("refuses an application's name outside a-z, 0-9 and '-'", () =>
    errorAt('m/developers.yaml:20:15', "`name` `Bad_Name` must be 1 to 63 characters of a-z, 0-9 and '-'"));

  it('refuses two applications of one name on one developer', () =>
    errorAt(
      'm/developers.yaml:19:15',
      'developer ada@example.com has two applications billing (the first at m/developers.yaml:10:15)',
    ));

  it('refuses an acl credential on an application', () =>
    errorAt('m/developers.yaml:23:21', 'an application holds no acl credential'));

  it('refuses a credential identity twice on one application', () =>
    errorAt(
      'm/developers.yaml:13:13',
      'application billing of developer ada@example.com has two credentials key-auth:prod (the first at ' +
        "m/developers.yaml:12:13); a credential's identity must be unique per application",
    ));

  it('refuses a second registration to one API on one application', () =>
    errorAt('m/developers.yaml:17:20', 'registers to API payments twice (the first at m/developers.yaml:16:20)'));

  it('refuses a registration to an API the manifests do not declare', () =>
    errorAt(
      'm/developers.yaml:18:20',
      'application billing of developer ada@example.com registers to API unknown, which the manifests do not declare ' +
        '(declared: ledger, payments)',
    ));

  it('refuses a registration without a status', () =>
    errorAt('m/developers.yaml:46:13', 'registrations[0] is missing required key `status`'));

  it('refuses applications on a pending developer and on a rejected one', () => {
    errorAt(
      'm/developers.yaml:27:5',
      'developer linus@example.com is pending: pending developers cannot hold applications',
    );
    errorAt(
      'm/developers.yaml:32:5',
      'developer dennis@example.com is rejected: rejected developers cannot hold applications',
    );
  });

  it("refuses a developer's unique value taken again by its own application", () =>
    errorAt(
      'm/developers.yaml:14:43',
      `basic-auth username "shared" of ada@example.com's application billing's basic-auth:shared is already used by ` +
        `ada@example.com's basic-auth:shared at m/developers.yaml:8:39`,
    ));

  it("refuses an application's unique value another developer's own credential takes", () =>
    errorAt(
      'm/developers.yaml:40:43',
      `basic-auth username "shared" of grace@example.com's application tools's basic-auth:shared is already used by ` +
        `ada@example.com's basic-auth:shared at m/developers.yaml:8:39`,
    ));

  it("refuses a developer's unique values another developer's application takes: oauth2 clientId, hmac-auth username, jwt key", () => {
    errorAt(
      'm/developers.yaml:51:50',
      `oauth2 clientId "web-client" of bob@example.com's oauth2:bob-web is already used by grace@example.com's ` +
        `application tools's oauth2:web at m/developers.yaml:41:50`,
    );
    errorAt(
      'm/developers.yaml:52:38',
      `hmac-auth username "signer" of bob@example.com's hmac-auth:signer is already used by grace@example.com's application tools's hmac-auth:signer at m/developers.yaml:42:42`,
    );
    errorAt(
      'm/developers.yaml:53:27',
      `jwt key "issuer" of bob@example.com's jwt:issuer is already used by grace@example.com's application tools's jwt:issuer at m/developers.yaml:43:31`,
    );
  });

  it('reports nothing else', () => expect(lines.filter((line) => line.includes(': error: '))).toHaveLength(18));
});

describe('validation of applications across the set', () => {
  it("refuses a key-auth key of an application that another owner's key already uses, without naming whose", async () => {
    const ws = workspace();
    ws.write(
      'm.yaml',
      `version: 1
developers:
  - email: ada@example.com
    fullName: Ada
    status: approved
    credentials:
      - { type: key-auth, name: own, key: { fromEnv: PORTALFORM_SECRET_KEY } }
    applications:
      - name: billing
        credentials:
          - { type: key-auth, name: prod, key: { fromEnv: PORTALFORM_SECRET_KEY } }
`,
    );
    const { errors } = await ws.load({ env: { PORTALFORM_SECRET_KEY: 'a-key-of-more-than-twenty-characters' } });
    expect(errors).toEqual([
      'm.yaml:11:48: error: this key-auth key is already in use; it must be unique across the portal: give another value, or omit it to have one generated',
    ]);
  });

  it("checks an application's credentials like a developer's: enabled types, key length, jwt public key, redirect URIs, text", async () => {
    const ws = workspace();
    ws.write(
      'm.yaml',
      `version: 1
portal: { credentialTypes: [key-auth, jwt, oauth2] }
developers:
  - email: ada@example.com
    fullName: Ada
    status: approved
    applications:
      - name: billing
        description: "bidi \\u202e text"
        credentials:
          - { type: key-auth, name: prod, key: short }
          - { type: basic-auth, username: ada }
          - { type: jwt, key: iss, algorithm: RS256 }
          - { type: oauth2, name: web, redirectUris: ["javascript:alert(1)"] }
`,
    );
    const { errors } = await ws.load();
    expect(errors.map((e) => e.replace(/ error: (.{24}).*/, ' $1'))).toEqual([
      'm.yaml:9:22: description bidi \\u202e ',
      'm.yaml:11:48: this key-auth key is sho',
      'm.yaml:12:21: credential type basic-au',
      'm.yaml:13:47: jwt algorithm RS256 veri',
      'm.yaml:14:55: redirect URI "javascript',
    ]);
  });

  it('checks the registrations and moves of a cached file against the APIs of the others, from its summary', async () => {
    const ws = workspace();
    const developers = `version: 1
developers:
  - email: ada@example.com
    fullName: Ada
    status: approved
    applications:
      - name: billing
        registrations: [{ api: payments, status: approved }]
`;
    ws.write('m/developers.yaml', developers);
    ws.write('m/apis.yaml', 'version: 1\napis: [{ name: payments }]\n');
    expect((await ws.load({ paths: ['m'] })).errors).toEqual([]);
    // developers.yaml now comes from the cache; the API it registers to goes.
    ws.write(
      'm/apis.yaml',
      `version: 1\napis: [{ name: ledger }]\nmoved:\n  - { from: 'developer["ada@example.com"].application["old"]', to: 'developer["ada@example.com"].application["billing"]' }\n`,
    );
    const { errors } = await ws.load({ paths: ['m'] });
    expect(readdirSync(join(ws.dir, '.cache'), { recursive: true }).length).toBeGreaterThan(0);
    expect(errors).toEqual([
      'm/developers.yaml:8:32: error: application billing of developer ada@example.com registers to API payments, which the ' +
        'manifests do not declare (declared: ledger); declare it under apis or remove the registration',
    ]);
  });

  it('refuses portal.selfService.maxApplications outside 0 to 1000', async () => {
    const ws = workspace();
    ws.write('m.yaml', 'version: 1\nportal:\n  selfService: { maxApplications: 1001 }\n');
    expect((await ws.load()).errors).toEqual(['m.yaml:3:35: error: `maxApplications` must be at most 1000']);
  });
});
