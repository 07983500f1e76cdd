// A portal service on the real engine: a state created by a real apply of a small manifest (on
// SQLite or PostgreSQL), opened with openPortal, served by buildService for inject tests.
import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import { openPortal } from '../../src/portal/index.js';
import type { PortalEngine, PortalEngineOptions } from '../../src/portal/contract.js';
import { buildService, type ServiceOptions } from '../../src/service/app.js';
import type { BackendCase } from './backends.js';
import { workspace, type Workspace } from './cli.js';
import { checkingAnswers } from './openapi.js';
import { verifyOverHttp } from './verification.js';

export const PASSWORD = 'correct horse battery staple';
export const STATE_KEY = 'service-test-state-key-0123456789-abcdef';
export const STATE_ENV = { PORTALFORM_STATE_KEY: STATE_KEY };

/** Ada is declared approved by the manifests; `extra` adds developer entries (YAML list items). */
export function manifest(extra = ''): string {
  return `version: 1
developers:
  - email: ada@example.com
    fullName: Ada Lovelace
    status: approved
    credentials:
      - { type: key-auth, name: managed-key }
${extra}`;
}

export interface PortalCase {
  ws: Workspace;
  app: FastifyInstance;
  engine: PortalEngine;
  /** Apply a manifest to the same state (exits 0 or fails the test). */
  apply(text: string): void;
}

export async function portalCase(
  backend: BackendCase,
  options: { service?: ServiceOptions; engine?: PortalEngineOptions; manifest?: string } = {},
): Promise<PortalCase> {
  const ws = workspace(backend.newState());
  const apply = (text: string) => {
    ws.write('portal.yaml', text);
    const result = ws.run(['apply', 'portal.yaml', '--auto-approve'], { env: STATE_ENV });
    expect(result.code, result.stderr).toBe(0);
  };
  apply(options.manifest ?? manifest());
  const engine = await openPortal({ state: ws.state, cwd: ws.dir, env: {}, stateKey: STATE_KEY, ...options.engine });
  // Every answer is checked against the schemas the service publishes.
  const app = checkingAnswers(await buildService(engine, { log: false, ...options.service }));
  return { ws, app, engine, apply };
}

export function json<T = any>(text: string): T {
  return JSON.parse(text) as T;
}

/** Signs a developer up, has an apply approve them, and logs them in. */
export async function approvedDeveloper(
  c: PortalCase,
  email: string,
  declared: string[] = [],
): Promise<{ token: string; csrfToken: string; bearer: { authorization: string } }> {
  const signup = await c.app.inject({
    method: 'POST',
    url: '/api/v1/register',
    payload: { email, fullName: 'Self Made', password: PASSWORD },
  });
  expect(signup.statusCode, signup.body).toBe(201);
  // A sign-up proves its address before an apply may adopt it, and before it may log in.
  await verifyOverHttp(c.app, c.ws, email, PASSWORD);
  c.apply(
    manifest([...declared, email].map((e) => `  - { email: ${e}, fullName: Self Made, status: approved }\n`).join('')),
  );
  const login = await c.app.inject({ method: 'POST', url: '/api/v1/session', payload: { email, password: PASSWORD } });
  expect(login.statusCode, login.body).toBe(201);
  const { token, csrfToken } = login.json();
  return { token, csrfToken, bearer: { authorization: `Bearer ${token}` } };
}
