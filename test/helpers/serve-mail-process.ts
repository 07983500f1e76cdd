// `portalform serve` as a user runs it, for the suites that need a real process: started on a free
// port, its stdout (the service's log) and stderr kept, killed after the test if still running.
import type { ChildProcess } from 'node:child_process';
import { startCli, type AsyncRunResult } from './cli.js';
import type { Workspace } from './cli.js';
import { STATE_ENV } from './service.js';

export interface ServeProcess {
  url: string;
  child: ChildProcess;
  done: Promise<AsyncRunResult>;
  stdout(): string;
  stderr(): string;
}

const running: ServeProcess[] = [];

/** Starts serve on 127.0.0.1:0 with `args` and waits until it says where it listens. */
export async function startServe(ws: Workspace, args: string[] = [], env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const { child, done } = startCli(['serve', '--listen', '127.0.0.1:0', ...args], {
    cwd: ws.dir,
    env: { ...STATE_ENV, PORTALFORM_STATE: ws.state, ...env },
  });
  child.stdout!.on('data', (chunk: string) => (stdout += chunk));
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (chunk: string) => {
      stderr += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(stderr);
      if (match) resolve(match[1]!);
    });
    void done.then((result) => reject(new Error(`serve exited ${result.code}: ${result.stderr}`)));
  });
  const server: ServeProcess = { url, child, done, stdout: () => stdout, stderr: () => stderr };
  running.push(server);
  return server;
}

/** Stops every server a test started (SIGTERM: they drain), for afterEach. */
export async function stopServers(): Promise<void> {
  for (const server of running.splice(0)) {
    if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGTERM');
    await server.done;
  }
}

export async function call(
  server: { url: string },
  method: string,
  path: string,
  body?: object,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: globalThis.Headers; text: string; json: () => any }> {
  const response = await fetch(server.url + path, {
    method,
    headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: () => JSON.parse(text) };
}

/** Waits until `check` returns something, polling; fails after `ms`. */
export async function eventually<T>(check: () => T | undefined | null | false, ms = 20_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
