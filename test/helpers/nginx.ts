// Debian's nginx (/usr/sbin/nginx) run with a configuration of its own on free loopback ports:
// its own prefix, pid file, error log and temp paths in a temp directory, `daemon off` and
// `master_process off`, never the system's configuration or service. Suites skip with a visible
// message when nginx is missing, unless CI is 'true' (.ci/run installs it).
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect, createServer as createNetServer } from 'node:net';
import { join } from 'node:path';
import { tempDir } from './temp.js';

export const NGINX = '/usr/sbin/nginx';
export const NGINX_AVAILABLE = existsSync(NGINX);
if (!NGINX_AVAILABLE) {
  const message = `nginx is not installed at ${NGINX}: the suites through a real nginx are SKIPPED`;
  if (process.env.CI === 'true') throw new Error(`${message}, which CI does not allow`);
  console.warn(`\n⚠ ${message}\n`);
}

export interface RunningNginx {
  port: number;
  dir: string;
  errorLog(): string;
  stop(): Promise<void>;
}

/** A port free on 127.0.0.1 at the moment of asking. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Runs nginx with `site` (a file meant for inside `http { }`) included; resolves once it accepts connections. */
export async function startNginx(site: string, port: number): Promise<RunningNginx> {
  const dir = tempDir('portalform-nginx-');
  writeFileSync(join(dir, 'site.conf'), site);
  const temp = (name: string) => `${name} ${join(dir, name.replace(/_path$/, ''))};`;
  writeFileSync(
    join(dir, 'nginx.conf'),
    [
      'daemon off;',
      'master_process off;',
      'worker_processes 1;',
      `pid ${join(dir, 'nginx.pid')};`,
      `error_log ${join(dir, 'error.log')} info;`,
      'events { worker_connections 256; }',
      'http {',
      '  access_log off;',
      `  ${temp('client_body_temp_path')}`,
      `  ${temp('proxy_temp_path')}`,
      `  ${temp('fastcgi_temp_path')}`,
      `  ${temp('uwsgi_temp_path')}`,
      `  ${temp('scgi_temp_path')}`,
      `  include ${join(dir, 'site.conf')};`,
      '}',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => void (output += String(chunk)));
  child.stderr?.on('data', (chunk) => void (output += String(chunk)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const errorLog = () => (existsSync(join(dir, 'error.log')) ? readFileSync(join(dir, 'error.log'), 'utf8') : '');
  const deadline = Date.now() + 10_000;
  while (!(await accepts(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`nginx did not start: ${output}\n${errorLog()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    port,
    dir,
    errorLog,
    async stop() {
      if (child.exitCode === null) child.kill('SIGQUIT');
      await exited;
    },
  };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export interface EchoUpstream {
  port: number;
  /** The headers of each request the upstream received, latest last. */
  seen: Array<Record<string, string | string[] | undefined>>;
  close(): Promise<void>;
}

/** A small upstream API: answers 200 with its name and keeps the headers it was sent. */
export async function echoUpstream(name: string): Promise<EchoUpstream> {
  const seen: EchoUpstream['seen'] = [];
  const server: Server = createServer((request, response) => {
    seen.push(request.headers);
    response.writeHead(200, { 'content-type': 'text/plain' }).end(`${name} ${request.method} ${request.url}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
