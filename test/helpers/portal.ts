// A real state for the portal suites: made by a real apply of a small manifest, then opened by the engine.
import { apply } from '../../src/engine.js';
import {
  openPortal,
  type PortalEngine,
  type PortalEngineOptions,
  type PortalSettings,
  type Session,
} from '../../src/portal/index.js';
import { invite } from '../../src/portal/invite.js';
import { defaultPortalSettings, portalSettingsToMeta } from '../../src/portal-settings.js';
import type { BackendCase } from './backends.js';
import { workspace, type Workspace } from './cli.js';
import { runSql } from './state-db.js';
import { verifyWithEngine } from './verification.js';

export const PASSWORD = 'correct horse battery staple';

export interface PortalCase {
  w: Workspace;
  portal: PortalEngine;
  applyManifest(developers: string): Promise<void>;
  open(options?: Omit<PortalEngineOptions, 'state' | 'cwd'>): Promise<PortalEngine>;
  setSettings(change: (settings: PortalSettings) => void): Promise<void>;
  /** Registers (approved: autoApprove is set for the moment), verifies and logs in a self-service developer. */
  signUp(email: string, password?: string): Promise<Session>;
  close(): Promise<void>;
}

export function manifestOf(developers: string): string {
  return `version: 1\ndevelopers:\n${developers}`;
}

export async function portalCase(
  backend: BackendCase,
  developers = '  - { email: ada@example.com, fullName: Ada, status: approved }\n',
  options: Omit<PortalEngineOptions, 'state' | 'cwd'> = {},
): Promise<PortalCase> {
  const w = workspace(backend.newState());
  const engines: PortalEngine[] = [];
  const applyManifest = async (list: string) => {
    w.write('m.yaml', manifestOf(list));
    await apply({ paths: ['m.yaml'], state: w.state, cwd: w.dir, env: {} });
  };
  await applyManifest(developers);
  const open = async (more: Omit<PortalEngineOptions, 'state' | 'cwd'> = {}) => {
    const engine = await openPortal({ state: w.state, cwd: w.dir, env: {}, ...options, ...more });
    engines.push(engine);
    return engine;
  };
  const portal = await open();
  const settings = defaultPortalSettings();
  const setSettings = async (change: (settings: PortalSettings) => void) => {
    change(settings);
    const value = portalSettingsToMeta(settings).portal_settings!.replace(/'/g, "''");
    await runSql(w, [
      `delete from pf_meta where key = 'portal_settings'`,
      `insert into pf_meta (key, value) values ('portal_settings', '${value}')`,
    ]);
  };
  const signUp = async (email: string, password = PASSWORD) => {
    const auto = settings.autoApprove;
    await setSettings((s) => (s.autoApprove = true));
    await portal.register({ email, fullName: email.split('@')[0]!, password });
    // autoApprove approves a sign-up when it proves its address.
    await verifyWithEngine(portal, { state: w.state, cwd: w.dir }, email, password);
    await setSettings((s) => (s.autoApprove = auto));
    const grant = await portal.login({ email, password });
    return (await portal.authenticate(grant.token))!;
  };
  return {
    w,
    portal,
    applyManifest,
    open,
    setSettings,
    signUp,
    close: async () => {
      for (const engine of engines) await engine.close();
    },
  };
}

/** The PortalError a promise rejects with, to check its status and fields. */
export async function refusal(
  promise: Promise<unknown>,
): Promise<{ status: number; detail: string; errors?: Array<{ field: string }>; retryAfterSeconds?: number }> {
  try {
    await promise;
  } catch (error) {
    return error as never;
  }
  throw new Error('expected a refusal');
}

/** A manifest-made developer's first login: an invite from the CLI's library function, a password set with it, a session. */
export async function loginInvited(c: PortalCase, email: string): Promise<Session & { token: string }> {
  const { token } = await invite(`developer[${JSON.stringify(email)}]`, { state: c.w.state, cwd: c.w.dir, env: {} });
  await c.portal.setPasswordWithInvite({ token, password: PASSWORD });
  const grant = await c.portal.login({ email, password: PASSWORD });
  return { ...(await c.portal.authenticate(grant.token))!, token: grant.token };
}
