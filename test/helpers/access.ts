// A state with one developer of every credential type an access check reads, an application
// registered to an API, and the service answering checks (inject, from a loopback address unless
// told). Made by a real apply of manifests (on SQLite or PostgreSQL), with or without the state key.
import { createHmac, generateKeyPairSync } from 'node:crypto';
import { Writable } from 'node:stream';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { SignJWT, importPKCS8 } from 'jose';
import { expect } from 'vitest';
import { openAccessChecker, type OpenAccessChecker } from '../../src/access/index.js';
import { apply } from '../../src/engine.js';
import { openPortal } from '../../src/portal/index.js';
import { buildService, type ServiceOptions } from '../../src/service/app.js';
import { parseAccessClients } from '../../src/service/routes/access.js';
import type { BackendCase } from './backends.js';
import { workspace, type Workspace } from './cli.js';

export const STATE_KEY = 'access-test-state-key-0123456789-abcdef';
export const SECRETS = {
  PORTALFORM_SECRET_KEY: 'ada-key-0123456789-abcdefghij',
  PORTALFORM_SECRET_APP_KEY: 'billing-key-0123456789-abcdefgh',
  PORTALFORM_SECRET_BOB_KEY: 'bob-key-0123456789-abcdefghijk',
  PORTALFORM_SECRET_PASSWORD: 'correct horse battery staple',
  PORTALFORM_SECRET_HMAC: 'hmac-secret-0123456789-abcdefgh',
  PORTALFORM_SECRET_JWT: 'jwt-secret-0123456789-abcdefghijklmnop',
};

const RSA = generateKeyPairSync('rsa', { modulusLength: 2048 });
export const RSA_PUBLIC = RSA.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const RSA_PRIVATE = RSA.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

export interface ManifestParts {
  adaStatus?: string;
  billingPayments?: string;
  billingSearch?: string;
  bobKey?: boolean;
  bobCustomId?: string;
  portal?: string;
  apis?: string;
}

export function accessManifest(parts: ManifestParts = {}): string {
  return `version: 1
${parts.portal ?? ''}
apis:
${parts.apis ?? '  - { name: payments, aclGroups: [partners] }\n  - { name: search }\n  - { name: maps }'}
developers:
  - email: ada@example.com
    fullName: Ada Lovelace
    status: ${parts.adaStatus ?? 'approved'}
    credentials:
      - { type: key-auth, name: main, key: { fromEnv: PORTALFORM_SECRET_KEY } }
      - { type: basic-auth, username: ada, password: { fromEnv: PORTALFORM_SECRET_PASSWORD } }
      - { type: hmac-auth, username: ada-hmac, secret: { fromEnv: PORTALFORM_SECRET_HMAC } }
      - { type: jwt, key: ada-hs, secret: { fromEnv: PORTALFORM_SECRET_JWT } }
      - { type: jwt, key: ada-rs, algorithm: RS256, rsaPublicKey: { fromFile: rs.pem } }
      - { type: acl, group: partners }
    applications:
      - name: billing
        credentials:
          - { type: key-auth, name: prod, key: { fromEnv: PORTALFORM_SECRET_APP_KEY } }
        registrations:
          - { api: payments, status: ${parts.billingPayments ?? 'approved'} }
          - { api: search, status: ${parts.billingSearch ?? 'pending'} }
  - email: bob@example.com
    fullName: Bob
    status: approved
${parts.bobCustomId ? `    customId: ${JSON.stringify(parts.bobCustomId)}\n` : ''}    credentials:
${parts.bobKey === false ? '      []' : '      - { type: key-auth, name: main, key: { fromEnv: PORTALFORM_SECRET_BOB_KEY } }'}
`;
}

export interface AccessCase {
  ws: Workspace;
  app: FastifyInstance;
  access: OpenAccessChecker;
  logs: string[];
  stateKey: string | null;
  apply(parts?: ManifestParts): Promise<void>;
  check(
    path: string,
    headers?: Record<string, string>,
    options?: { method?: string; remoteAddress?: string },
  ): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export async function accessCase(
  backend: BackendCase,
  options: {
    stateKey?: boolean;
    loginAttempts?: number;
    now?: () => number;
    service?: ServiceOptions;
    manifest?: ManifestParts;
  } = {},
): Promise<AccessCase> {
  const ws = workspace(backend.newState());
  const stateKey = options.stateKey === false ? null : STATE_KEY;
  const env = { ...SECRETS, ...(stateKey ? { PORTALFORM_STATE_KEY: stateKey } : {}) };
  ws.write('rs.pem', RSA_PUBLIC);
  const applyParts = async (parts: ManifestParts = {}) => {
    ws.write('portal.yaml', accessManifest({ ...options.manifest, ...parts }));
    const result = await apply({ paths: ['portal.yaml'], state: ws.state, cwd: ws.dir, env });
    expect(result.plan.changes.length).toBeGreaterThan(0);
  };
  await applyParts();
  const stateOptions = { state: ws.state, cwd: ws.dir, env: {}, stateKey };
  const engine = await openPortal(stateOptions);
  const access = await openAccessChecker({
    ...stateOptions,
    loginAttempts: options.loginAttempts ?? 3,
    ...(options.now ? { now: options.now } : {}),
  });
  const { log, logs } = logSink();
  const app = await buildService(engine, {
    log,
    access: { checker: access.checker, clients: parseAccessClients(undefined) },
    ...options.service,
  });
  return {
    ws,
    app,
    access,
    logs,
    stateKey,
    apply: applyParts,
    check: (path, headers = {}, more = {}) =>
      app.inject({
        method: (more.method ?? 'GET') as 'GET',
        url: path,
        headers,
        remoteAddress: more.remoteAddress ?? '127.0.0.1',
      }),
    close: async () => {
      await app.close();
      await access.close();
    },
  };
}

/** A stream for the service's log records, and what it was given, one chunk per record. */
export function logSink(): { log: Writable; logs: string[] } {
  const logs: string[] = [];
  const log = new Writable({
    write: (chunk, _encoding, done) => {
      logs.push(String(chunk));
      done();
    },
  });
  return { log, logs };
}

export function basic(username: string, password: string): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` };
}

/** Kong's hmac-auth headers for the original request `method uri`, signed at `date`. */
export function hmacHeaders(
  options: {
    username?: string;
    secret?: string;
    algorithm?: string;
    signed?: string;
    date?: Date;
    method?: string;
    uri?: string;
  } = {},
): Record<string, string> {
  const method = options.method ?? 'GET';
  const uri = options.uri ?? '/v1/charges';
  const date = (options.date ?? new Date()).toUTCString();
  const signed = options.signed ?? 'date request-line';
  const algorithm = options.algorithm ?? 'hmac-sha256';
  const lines = signed
    .split(' ')
    .map((name) => (name === 'request-line' ? `${method} ${uri} HTTP/1.1` : `${name}: ${date}`));
  const digest = algorithm.replace('hmac-', '');
  const signature = createHmac(digest, options.secret ?? SECRETS.PORTALFORM_SECRET_HMAC)
    .update(lines.join('\n'))
    .digest('base64');
  return {
    date,
    'x-original-uri': uri,
    'x-original-method': method,
    authorization: `hmac username="${options.username ?? 'ada-hmac'}", algorithm="${algorithm}", headers="${signed}", signature="${signature}"`,
  };
}

export async function hsToken(
  claims: Record<string, unknown> = {},
  secret = SECRETS.PORTALFORM_SECRET_JWT,
  alg = 'HS256',
): Promise<string> {
  return new SignJWT({ ...claims })
    .setProtectedHeader({ alg })
    .setIssuer('ada-hs')
    .sign(new TextEncoder().encode(secret));
}

export async function rsToken(claims: Record<string, unknown> = {}): Promise<string> {
  const key = await importPKCS8(RSA_PRIVATE, 'RS256');
  return new SignJWT({ ...claims }).setProtectedHeader({ alg: 'RS256' }).setIssuer('ada-rs').sign(key);
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

export const CONSUMER = [
  'x-consumer-id',
  'x-consumer-username',
  'x-consumer-custom-id',
  'x-credential-identifier',
  'x-consumer-groups',
  'x-consumer-apis',
  'x-application',
];
