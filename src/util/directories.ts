// Creating a directory and its missing parents, one level at a time.
//
// Node's `mkdirSync(dir, { recursive: true })` never returns for a path under /proc (it retries
// the same ENOENT for ever, at full CPU): a cache or output directory there must fail at once.
import { mkdirSync, statSync } from 'node:fs';
import path from 'node:path';

/** Creates `dir` and whichever of its parents are missing; throws the first failure (ENOENT, EACCES, ENOTDIR, …). */
export function makeDirectories(dir: string, mode = 0o777): void {
  const missing: string[] = [];
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    try {
      if (statSync(current).isDirectory()) break;
      throw Object.assign(new Error(`${current} is not a directory`), { code: 'ENOTDIR' });
    } catch (e) {
      const parent = path.dirname(current);
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || parent === current) throw e;
      missing.push(current);
    }
  }
  for (const directory of missing.reverse()) {
    try {
      mkdirSync(directory, { mode });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || !statSync(directory).isDirectory()) throw e;
    }
  }
}
