// `portalform serve` as a child process on a free port, and a cookie-keeping client of its pages:
// what the hardening suites attack over real HTTP.
import type { ChildProcess } from 'node:child_process';
import { expect } from 'vitest';
import { startCli, type AsyncRunResult } from './cli.js';
import { workspace, type Workspace } from './cli.js';
import { manifest, STATE_ENV } from './service.js';

export interface ServeProcess {
  url: string;
  child: ChildProcess;
  done: Promise<AsyncRunResult>;
  stderr(): string;
  stop(): Promise<void>;
}

/** A workspace whose state a real apply of `text` made. */
export function appliedWorkspace(state?: string, text = manifest()): Workspace {
  const ws = workspace(state);
  ws.write('portal.yaml', text);
  const result = ws.run(['apply', 'portal.yaml', '--auto-approve'], { env: STATE_ENV });
  expect(result.code, result.stderr).toBe(0);
  return ws;
}

export async function startServe(
  ws: Workspace,
  env: Record<string, string>,
  args: string[] = [],
): Promise<ServeProcess> {
  const { child, done } = startCli(['serve', '--listen', '127.0.0.1:0', ...args], {
    cwd: ws.dir,
    env: { ...STATE_ENV, PORTALFORM_STATE: ws.state, ...env },
  });
  let stderr = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (chunk: string) => {
      stderr += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(stderr);
      if (match) resolve(match[1]!);
    });
    void done.then((result) => reject(new Error(`serve exited ${result.code}: ${result.stderr}`)));
  });
  return {
    url,
    child,
    done,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await done;
    },
  };
}

/** A browser without JavaScript: keeps cookies, follows no redirect, reads a form's CSRF token. */
export class PageClient {
  readonly cookies = new Map<string, string>();
  private csrf = '';

  constructor(public url: string) {}

  async get(path: string): Promise<Response> {
    const response = await fetch(this.url + path, { redirect: 'manual', headers: { cookie: this.cookieHeader() } });
    this.keep(response);
    const body = await response.clone().text();
    const token = /name="_csrf" value="([^"]+)"/.exec(body);
    if (token) this.csrf = token[1]!;
    return response;
  }

  async post(path: string, fields: Record<string, string>): Promise<Response> {
    const body = new URLSearchParams({ _csrf: this.csrf, ...fields }).toString();
    const response = await fetch(this.url + path, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: this.cookieHeader(), 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
    this.keep(response);
    return response;
  }

  /** Opens the login page (for its CSRF token) and sends `token`. */
  async signIn(token: string): Promise<Response> {
    await this.get('/console/login');
    return this.post('/console/login', { token });
  }

  private cookieHeader(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  private keep(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair!.indexOf('=');
      const name = pair!.slice(0, at);
      const value = pair!.slice(at + 1);
      if (value === '' || /max-age=0|expires=thu, 01 jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
}
