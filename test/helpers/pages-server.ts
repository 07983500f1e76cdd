// A real portal service with its pages, on a state a real apply made: what the page suites drive.
import type { FastifyInstance } from 'fastify';
import { openPortal } from '../../src/portal/index.js';
import { pagesFor } from '../../src/pages/index.js';
import { buildService } from '../../src/service/app.js';
import { openStore } from '../../src/store/index.js';
import { workspace, type Workspace } from './cli.js';
import { checkingAnswers } from './openapi.js';

export const CONSOLE_TOKEN = 'console-token-for-the-tests-0123456789';
export const PASSWORD = 'correct horse battery staple';

export interface PortalServer {
  app: FastifyInstance;
  url: string;
  w: Workspace;
  /** Writes the manifest and applies it (a real `portalform apply`). */
  apply(manifest: string): void;
  close(): Promise<void>;
}

export async function startPortal(
  manifest: string,
  options: { state?: string; listen?: boolean } = {},
): Promise<PortalServer> {
  const w = workspace(options.state);
  const apply = (text: string) => {
    w.write('portal/developers.yaml', `version: 1\n${text}`);
    const result = w.run(['apply', 'portal', '--auto-approve']);
    if (result.code !== 0) throw new Error(`apply failed: ${result.stderr}`);
  };
  apply(manifest);
  const engine = await openPortal({ state: w.state, cwd: w.dir });
  const store = openStore(w.state, w.dir);
  const app = checkingAnswers(
    await buildService(engine, {
      log: false,
      rateLimit: 100_000,
      pages: pagesFor({ consoleTokens: ['another-console-token-0123456789-abcdef', CONSOLE_TOKEN], store }),
    }),
  );
  let url = '';
  if (options.listen) url = await app.listen({ host: '127.0.0.1', port: 0 });
  else await app.ready();
  return {
    app,
    url,
    w,
    apply,
    async close() {
      await app.close();
      await store.close();
    },
  };
}
