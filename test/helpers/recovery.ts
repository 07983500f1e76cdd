// The recovery suites' setting: a real `portalform serve` on a state a real apply made, a real SMTP
// server on loopback, and a mail sender over the same state that delivers when the test says
// (`deliver`), so that a link is read from the mail as a developer reads it.
import { afterEach, expect } from 'vitest';
import { startMailSender, type MailSender } from '../../src/mail/index.js';
import { confirmEmailChange } from '../../src/portal/email-change.js';
import { PortalContext } from '../../src/portal/portal-context.js';
import { openPortalState } from '../../src/portal/state-access.js';
import { openStore, type Store } from '../../src/store/index.js';
import { startCli, type AsyncRunResult } from './cli.js';
import type { BackendCase } from './backends.js';
import { workspace, type Workspace } from './cli.js';
import { PUBLIC_URL } from './mail.js';
import { runSql } from './state-db.js';
import { startSmtpServer, type ReceivedMail, type TestSmtpServer } from './smtp-server.js';

export const PASSWORD = 'correct horse battery staple';
export const NEW_PASSWORD = 'a brand new passphrase';
export const PORTAL = 'portal:\n  autoApprove: true\n';

export interface Answer {
  status: number;
  text: string;
  json: any;
  headers: Headers;
}

export interface RecoveryCase {
  w: Workspace;
  url: string;
  smtp: TestSmtpServer;
  /** Sends what waits in the outbox; returns the messages the SMTP server received meanwhile. */
  deliver(): Promise<ReceivedMail[]>;
  call(method: string, path: string, body?: object, token?: string): Promise<Answer>;
  login(email: string, password?: string): Promise<string>;
  /** Applies `developers` (YAML list items) beside the portal settings. */
  apply(developers: string): void;
  /** What serve and the sender wrote to their logs. */
  logs(): string;
  close(): Promise<void>;
}

const open: RecoveryCase[] = [];
afterEach(async () => {
  for (const c of open.splice(0)) await c.close();
});

/** A sign-up whose address is verified and approved, as its verification link would leave it. */
export async function verifiedSignUp(c: RecoveryCase, email: string, password = PASSWORD): Promise<void> {
  const signup = await c.call('POST', '/api/v1/register', { email, fullName: email.split('@')[0], password });
  expect(signup.status, signup.text).toBe(201);
  await runSql(c.w, [`update pf_developers set email_verified = 1, status = 'approved' where email = '${email}'`]);
  await forgetSignUpMail(c.w, email);
}

/** Drops the verification message a sign-up waits on, and its count against the address's mail limit. */
export async function forgetSignUpMail(w: Workspace, email: string): Promise<void> {
  const address = email.toLowerCase();
  await runSql(w, [
    `delete from pf_outbox where kind = 'verify' and recipient = '${address}'`,
    `delete from pf_mail_throttle where email = '${address}'`,
  ]);
}

/** The token of the one link in a message, and its path. */
export function linkOf(mail: ReceivedMail): { path: string; token: string } {
  const match = /https:\/\/portal\.example\.com(\/[a-z-]+)\?token=([A-Za-z0-9_-]+)/.exec(mail.text);
  expect(match, mail.text).not.toBeNull();
  return { path: match![1]!, token: match![2]! };
}

export async function recoveryCase(backend: BackendCase, developers: string): Promise<RecoveryCase> {
  const w = workspace(backend.newState());
  const apply = (list: string) => {
    w.write('m.yaml', `version: 1\n${PORTAL}developers:\n${list}`);
    const result = w.run(['apply', 'm.yaml', '--auto-approve']);
    expect(result.code, result.stderr).toBe(0);
  };
  apply(developers);
  const smtp = await startSmtpServer();
  const store: Store = openStore(w.state, w.dir);
  const senderLogs: string[] = [];
  const log = (m: string) => void senderLogs.push(m);
  const sender: MailSender = startMailSender({
    store,
    publicUrl: PUBLIC_URL,
    smtpUrl: smtp.url,
    mailFrom: 'API portal <portal@example.com>',
    logger: { info: log, warn: log, error: log },
    tick: () => () => undefined,
  });
  const server = await serve(w);
  const call = async (method: string, path: string, body?: object, token?: string): Promise<Answer> => {
    const response = await fetch(server.url + path, {
      method,
      headers: {
        ...(body ? { 'content-type': 'application/json' } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, text, json: text ? JSON.parse(text) : null, headers: response.headers };
  };
  const c: RecoveryCase = {
    w,
    url: server.url,
    smtp,
    apply,
    call,
    async deliver() {
      const before = smtp.received.length;
      await sender.runOnce();
      return smtp.received.slice(before);
    },
    async login(email, password = PASSWORD) {
      const answer = await call('POST', '/api/v1/session', { email, password });
      expect(answer.status, answer.text).toBe(201);
      return answer.json.token as string;
    },
    logs: () => `${server.output()}\n${senderLogs.join('\n')}`,
    async close() {
      server.child.kill('SIGTERM');
      await server.done;
      await sender.stop();
      await store.close();
      await smtp.stop();
    },
  };
  open.push(c);
  return c;
}

/**
 * Makes the address change of an `email-change` link, as `POST /api/v1/verify {token, password}`
 * does once that route hands such tokens to confirmEmailChange (the verification work adds the
 * route); false when the token is not a usable address-change token.
 */
export async function confirmChange(w: Workspace, input: { token: string; password: string }): Promise<boolean> {
  const state = await openPortalState({ state: w.state, cwd: w.dir, env: {} });
  try {
    return await confirmEmailChange(new PortalContext(state, {}), input);
  } finally {
    await state.store.close();
  }
}

async function serve(w: Workspace) {
  let output = '';
  const { child, done } = startCli(['serve', '--listen', '127.0.0.1:0', '--public-url', PUBLIC_URL], {
    cwd: w.dir,
    env: { PORTALFORM_STATE: w.state },
  });
  child.stdout!.on('data', (chunk: string) => (output += chunk));
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (chunk: string) => {
      output += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) resolve(match[1]!);
    });
    void done.then((result: AsyncRunResult) => reject(new Error(`serve exited ${result.code}: ${result.stderr}`)));
  });
  return { url, child, done, output: () => output };
}
