// Shared fixtures for the manifest tests: a temporary workspace and a loader bound to it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { onTestFinished } from 'vitest';
import { formatDiagnostic, loadManifests } from '../../src/manifest/index.js';
import type { LoadOptions, LoadResult } from '../../src/manifest/index.js';

export interface Workspace {
  dir: string;
  write(relative: string, content: string | Uint8Array): string;
  load(
    options?: Partial<LoadOptions>,
  ): Promise<LoadResult & { messages: string[]; errors: string[]; warnings: string[] }>;
}

/** A temporary directory, removed when the test ends. */
export function workspace(): Workspace {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'portalform-manifest-')));
  onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
  return {
    dir,
    write(relative, content) {
      const file = path.join(dir, relative);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, content);
      return file;
    },
    async load(options = {}) {
      const result = await loadManifests({
        paths: [],
        cwd: dir,
        env: {},
        cacheDir: path.join(dir, '.cache'),
        ...options,
      });
      const messages = result.diagnostics.map((d) => formatDiagnostic(d, dir));
      return {
        ...result,
        messages,
        errors: messages.filter((m) => m.includes(': error: ') || m.startsWith('error: ')),
        warnings: messages.filter((m) => m.includes(': warning: ') || m.startsWith('warning: ')),
      };
    },
  };
}

/** A manifest document with one developer; `extra` is appended under the developer, indented. */
export function developerDoc(email: string, extra = '', status = 'approved'): string {
  return `version: 1\ndevelopers:\n  - email: ${email}\n    fullName: Someone\n    status: ${status}\n${extra}`;
}
