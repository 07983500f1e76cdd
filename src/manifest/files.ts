// Finds the manifest files under the paths given on the command line. A symbolic link in the tree
// is followed only to a file or directory inside those paths (the rule `fromFile` follows): a
// manifest can come from anyone who opens a pull request, and must not make portalform read, or
// quote in a message, a file of the machine it runs on.
import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs';
import { lstat, readdirEntries, realpath, stat } from '../util/fs-async.js';
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
  // Every argument's root is known before any walk: a link may lead from one into another.
  const args: Array<{ arg: string; absolute: string; isDirectory: boolean }> = [];
  for (const arg of paths.length > 0 ? paths : ['.']) {
    const absolute = path.resolve(cwd, arg);
    const info = await stat(absolute).catch(() => undefined);
    if (!info) {
      diagnostics.push({ severity: 'error', message: `${arg}: no such file or directory` });
    } else if (info.isDirectory() || info.isFile()) {
      roots.push(await realpath(info.isDirectory() ? absolute : path.dirname(absolute)));
      args.push({ arg, absolute, isDirectory: info.isDirectory() });
    } else {
      diagnostics.push({ severity: 'error', message: `${arg}: not a regular file or directory` });
    }
  }
  for (const { arg, absolute, isDirectory } of args) {
    if (!isDirectory) {
      addFile(found, await realpath(absolute), absolute);
      continue;
    }
    const before = found.size;
    await walkDirectory(absolute, { found, visited: new Set(), roots, diagnostics });
    if (found.size === before) {
      diagnostics.push({ severity: 'error', message: `${arg}: no manifest files (*.yaml, *.yml, *.json) found` });
    }
  }
  const files = [...found.values()].sort(compareCodeUnits);
  return { files, roots, diagnostics };
}

/** A path for messages: relative to `cwd` when inside it. */
export function displayPath(file: string, cwd: string): string {
  const relative = path.relative(cwd, file);
  if (relative === '') return '.';
  return relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative) ? file : relative;
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
    failure === undefined
      ? 'it is not a regular file'
      : failure.code === 'ELOOP'
        ? 'it is a loop of symbolic links'
        : failure.code === 'ENOENT'
          ? 'it is a symbolic link to a file that does not exist'
          : `it cannot be read (${failure.code ?? failure.message})`;
  return {
    severity: 'error',
    message: `cannot read this manifest file: ${why}`,
    location: { file: entry, line: 1, column: 1 },
  };
}

/**
 * A link that leads outside the manifest paths, never read (nor what it leads to quoted): a
 * manifest-named one is an error; a directory is only not searched, with a warning (it may be
 * a link to a --secrets-dir, which `fromFile` reads through it).
 */
function linkOutside(entry: string, isDirectory: boolean): Diagnostic {
  const because = 'a manifest can come from anyone who opens a pull request, so links may only lead inside them';
  return isDirectory
    ? {
        severity: 'warning',
        message: `this directory is a symbolic link to a place outside the manifest paths given on the command line: not searched for manifests (${because})`,
        location: { file: entry, line: 1, column: 1 },
      }
    : {
        severity: 'error',
        message: `cannot read this manifest file: it is a symbolic link to a place outside the manifest paths given on the command line; ${because}`,
        location: { file: entry, line: 1, column: 1 },
      };
}

interface Walk {
  /** Real path → path as found. */
  found: Map<string, string>;
  /** The real paths of directories entered, so symbolic link loops end. */
  visited: Set<string>;
  roots: string[];
  diagnostics: Diagnostic[];
}

async function walkDirectory(dir: string, walk: Walk): Promise<void> {
  const { found, visited, diagnostics } = walk;
  const real = await realpath(dir);
  if (visited.has(real)) return;
  visited.add(real);
  const entries = await readdirEntries(dir).catch((e: NodeJS.ErrnoException) => {
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
      await walkDirectory(entry, walk);
      continue;
    }
    await walkOther(entry, isManifest, walk);
  }
}

/** A link, or an entry whose kind the listing did not tell. */
async function walkOther(entry: string, isManifest: boolean, walk: Walk): Promise<void> {
  let failure: NodeJS.ErrnoException | undefined;
  const onFailure = (e: NodeJS.ErrnoException) => void (failure = e);
  const isLink = (await lstat(entry).catch(onFailure))?.isSymbolicLink() ?? false;
  const target = isLink ? await realpath(entry).catch(onFailure) : entry;
  const info = target === undefined ? undefined : await stat(target).catch(onFailure);
  if (isLink && target !== undefined && info && !walk.roots.some((root) => isWithin(target, root))) {
    if (isManifest || info.isDirectory()) walk.diagnostics.push(linkOutside(entry, info.isDirectory()));
  } else if (info?.isDirectory()) {
    await walkDirectory(entry, walk);
  } else if (isManifest) {
    if (info?.isFile()) addFile(walk.found, target!, entry);
    else walk.diagnostics.push(unreadableEntry(entry, failure));
  }
}

function isWithin(file: string, root: string): boolean {
  const relative = path.relative(root, file);
  return relative === '' || (relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative));
}

/**
 * A manifest's bytes, read only if it is still a regular file when opened: one replaced by a FIFO
 * since it was found would hang the run (O_NONBLOCK opens it at once, and it is refused).
 */
export function readManifestBytes(file: string): Buffer {
  const fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  try {
    if (!fstatSync(fd).isFile())
      throw Object.assign(new Error(`${file} is not a regular file`), { code: 'not a regular file' });
    return readFileSync(fd);
  } finally {
    closeSync(fd);
  }
}
