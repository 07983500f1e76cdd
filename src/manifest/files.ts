// Finds the manifest files under the paths given on the command line.
import { readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Diagnostic, Location } from '../model.js';
import { compareCodeUnits, quoteForMessage } from '../util/strings.js';

export interface DiscoveredFiles {
  /** Absolute paths, sorted by code unit, each file once. */
  files: string[];
  /** Real paths of the arguments (a file argument's directory): where `fromFile` may read. */
  roots: string[];
  diagnostics: Diagnostic[];
}

const MANIFEST_EXTENSION = /\.(ya?ml|json)$/i;

export async function discoverManifestFiles(paths: string[], cwd: string): Promise<DiscoveredFiles> {
  const found = new Map<string, string>(); // real path → path as found
  const roots: string[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const arg of paths.length > 0 ? paths : ['.']) {
    const absolute = path.resolve(cwd, arg);
    const info = await stat(absolute).catch(() => undefined);
    if (!info) {
      diagnostics.push({ severity: 'error', message: `${arg}: no such file or directory` });
      continue;
    }
    if (info.isDirectory()) {
      roots.push(await realpath(absolute));
      const before = found.size;
      await walkDirectory(absolute, found, new Set(), diagnostics);
      if (found.size === before) {
        diagnostics.push({ severity: 'error', message: `${arg}: no manifest files (*.yaml, *.yml, *.json) found` });
      }
    } else if (info.isFile()) {
      roots.push(await realpath(path.dirname(absolute)));
      addFile(found, await realpath(absolute), absolute);
    } else {
      diagnostics.push({ severity: 'error', message: `${arg}: not a regular file or directory` });
    }
  }
  const files = [...found.values()].sort(compareCodeUnits);
  return { files, roots, diagnostics };
}

/** A path for messages: relative to `cwd` when inside it. */
export function displayPath(file: string, cwd: string): string {
  const relative = path.relative(cwd, file);
  if (relative === '') return '.';
  return relative === '..' || relative.startsWith('..' + path.sep) || path.isAbsolute(relative) ? file : relative;
}

/** A value from a manifest as a message shows it: escaped and cut (util/strings.ts), never raw. */
export function shown(value: string): string {
  return quoteForMessage(value);
}

export function formatLocation(location: Location, cwd: string): string {
  return `${displayPath(location.file, cwd)}:${location.line}:${location.column}`;
}

function addFile(found: Map<string, string>, real: string, absolute: string): void {
  if (!found.has(real)) found.set(real, absolute);
}

/** A manifest-named entry that is not a readable file, located at the entry itself. */
function unreadableEntry(entry: string, failure: NodeJS.ErrnoException | undefined): Diagnostic {
  const why =
    failure === undefined ? 'it is not a regular file'
    : failure.code === 'ELOOP' ? 'it is a loop of symbolic links'
    : failure.code === 'ENOENT' ? 'it is a symbolic link to a file that does not exist'
    : `it cannot be read (${failure.code ?? failure.message})`;
  return { severity: 'error', message: `cannot read this manifest file: ${why}`, location: { file: entry, line: 1, column: 1 } };
}

/** `visited` holds the real paths of directories entered, so symbolic link loops end. */
async function walkDirectory(dir: string, found: Map<string, string>, visited: Set<string>, diagnostics: Diagnostic[]): Promise<void> {
  const real = await realpath(dir);
  if (visited.has(real)) return;
  visited.add(real);
  const entries = await readdir(dir, { withFileTypes: true }).catch((e: NodeJS.ErrnoException) => {
    diagnostics.push({ severity: 'error', message: `${dir}: cannot read directory (${e.code ?? e.message})` });
    return [];
  });
  for (const dirent of entries.sort((a, b) => compareCodeUnits(a.name, b.name))) {
    const name = dirent.name;
    if (name.startsWith('.') || name === 'node_modules') continue;
    const entry = path.join(dir, name);
    const isManifest = MANIFEST_EXTENSION.test(name);
    // The directory listing tells most entries' kind: only links and unknown kinds need a stat.
    // A plain file inside a directory's real path is at its own real path.
    if (dirent.isFile()) {
      if (isManifest) addFile(found, path.join(real, name), entry);
      continue;
    }
    if (dirent.isDirectory()) {
      await walkDirectory(entry, found, visited, diagnostics);
      continue;
    }
    let failure: NodeJS.ErrnoException | undefined;
    const info = await stat(entry).catch((e: NodeJS.ErrnoException) => void (failure = e));
    if (info?.isDirectory()) {
      await walkDirectory(entry, found, visited, diagnostics);
    } else if (isManifest) {
      if (info?.isFile()) addFile(found, await realpath(entry), entry);
      else diagnostics.push(unreadableEntry(entry, failure));
    }
  }
}
