// Resolves secret references. A manifest may come from anyone who opens a pull request, so a
// reference may only reach PORTALFORM_SECRET_* variables and files inside the directories the
// operator named. No message here ever contains a secret's value.
import { createPublicKey } from 'node:crypto';
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  openSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  statSync,
  type Stats,
} from 'node:fs';
import path from 'node:path';
import type { Diagnostic, Location, ResolvedSecret } from '../model.js';
import { displayPath, shown } from './files.js';
import type { SecretRef } from './schema.js';

const SECRET_ENV_PREFIX = 'PORTALFORM_SECRET_';
const UTF8 = new TextDecoder('utf-8', { fatal: true });

export interface SecretContext {
  env: Record<string, string | undefined>;
  /** Paths in messages are relative to it. */
  cwd: string;
  /** Real paths of the directories `fromFile` may read from. */
  roots: string[];
  /** Files already read in this load, by the path a reference names: many references share a file. */
  readFiles?: Map<string, { realPath: string; text: string }>;
  /** Directories already resolved in this load, by path: they hold many secret files. */
  realDirectories?: Map<string, string>;
}

/** Where a reference is written: the file at once, the line and column only when a message needs them. */
export interface ReferenceSite {
  file: string;
  locate(): Location;
}

/** Either a value (a literal comes with a warning) or the error that prevented it. */
export type Resolution<T> = { value: T; diagnostic?: Diagnostic } | { value?: undefined; diagnostic: Diagnostic };

/** Relative files are read from the directory of the file the reference is written in. */
export function resolveSecret(ref: SecretRef, site: ReferenceSite, ctx: SecretContext): Resolution<ResolvedSecret> {
  if (typeof ref === 'string') {
    const location = site.locate();
    return {
      value: { source: { kind: 'literal', location }, value: ref },
      diagnostic: { severity: 'warning', message: 'literal secret in manifest; use fromEnv or fromFile', location },
    };
  }
  if ('fromEnv' in ref) return readEnv(ref.fromEnv, site, ctx.env);
  const file = readContainedFile(ref.fromFile, site, ctx);
  if (!file.value) return file;
  if (file.value.text === '') return fail(site, `secret file ${displayPath(file.value.realPath, ctx.cwd)} is empty`);
  return { value: { source: { kind: 'file', path: file.value.realPath }, value: file.value.text } };
}

/** A jwt `rsaPublicKey`: the PEM text, inline or from a file under the same rules as a secret file. */
export function resolvePublicKey(
  ref: string | { fromFile: string },
  site: ReferenceSite,
  ctx: SecretContext,
): Resolution<string> {
  if (typeof ref === 'string') return checkPublicKey(ref, site);
  const file = readContainedFile(ref.fromFile, site, ctx);
  return file.value ? checkPublicKey(file.value.text, site) : file;
}

/** Refuses a private key too: Node would happily derive the public key from it, but it must not be stored. */
function checkPublicKey(pem: string, site: ReferenceSite): Resolution<string> {
  if (/-----BEGIN (RSA )?PUBLIC KEY-----/.test(pem) && !/PRIVATE KEY/.test(pem) && parsesAsPublicKey(pem))
    return { value: pem };
  return fail(site, 'rsaPublicKey is not a PEM public key (-----BEGIN PUBLIC KEY----- ... -----END PUBLIC KEY-----)');
}

/** Many credentials share a few keys: each distinct text is parsed once. */
const parsedPublicKeys = new Map<string, boolean>();

function parsesAsPublicKey(pem: string): boolean {
  let ok = parsedPublicKeys.get(pem);
  if (ok === undefined) {
    try {
      createPublicKey(pem);
      ok = true;
    } catch {
      ok = false;
    }
    parsedPublicKeys.set(pem, ok);
  }
  return ok;
}

function readEnv(name: string, site: ReferenceSite, env: SecretContext['env']): Resolution<ResolvedSecret> {
  if (!name.startsWith(SECRET_ENV_PREFIX)) {
    return fail(
      site,
      `fromEnv may only read variables named ${SECRET_ENV_PREFIX}*, not ${shown(name)}: a manifest can come from ` +
        `anyone who opens a pull request, and must not read the pipeline's other variables`,
    );
  }
  const value = env[name];
  if (value === undefined) return fail(site, `environment variable ${shown(name)} is not set`);
  if (value === '') return fail(site, `environment variable ${shown(name)} is empty`);
  return { value: { source: { kind: 'env', name }, value } };
}

function readContainedFile(
  ref: string,
  site: ReferenceSite,
  ctx: SecretContext,
): Resolution<{ realPath: string; text: string }> {
  const target = path.resolve(path.dirname(site.file), ref);
  const known = ctx.readFiles?.get(target);
  if (known) return { value: known };
  const read = readFileInRoots(target, ref, site, ctx);
  if (read.value) ctx.readFiles?.set(target, read.value);
  return read;
}

function readFileInRoots(
  target: string,
  ref: string,
  site: ReferenceSite,
  ctx: SecretContext,
): Resolution<{ realPath: string; text: string }> {
  const show = (file: string) => shown(displayPath(file, ctx.cwd));
  const outside = (realPath: string) =>
    fail(
      site,
      `${shown(ref)} resolves to ${show(realPath)}, outside the manifest paths and --secrets-dir directories ` +
        `(${ctx.roots.map(show).join(', ')}); a manifest can come from anyone who opens a pull request, so it may ` +
        `only read files inside them`,
    );
  let realPath: string;
  try {
    realPath = realPathOf(target, ctx);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return fail(site, code === 'EACCES' ? `cannot read ${show(target)}: ${code}` : `file ${show(target)} not found`);
  }
  // Containment first: nothing outside the roots is ever opened (a FIFO there would hang the run).
  if (!inRoots(realPath, ctx)) return outside(realPath);
  let fd: number;
  try {
    // The checked path itself, not the reference's: it has no link left to follow. O_NONBLOCK: a
    // FIFO opens at once, and is refused below.
    fd = openSync(realPath, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return fail(
      site,
      code === 'ENOENT' || code === 'ELOOP'
        ? `${show(target)} changed while it was being read; run again`
        : `cannot read ${show(realPath)}: ${code ?? 'unknown error'}`,
    );
  }
  try {
    const info = fstatSync(fd);
    if (info.isDirectory()) return fail(site, `${show(realPath)} is a directory, not a file`);
    if (!info.isFile()) return fail(site, `${show(realPath)} is not a regular file`);
    // A directory on the checked path may have been replaced by a link since it was resolved: the
    // file that is open must be inside the roots, whatever its path was when it was checked.
    const opened = openedPath(fd) ?? (isSameFile(info, realPath) ? realPath : undefined);
    if (opened === undefined) return fail(site, `${show(target)} changed while it was being read; run again`);
    if (!inRoots(opened, ctx)) return outside(opened);
    const text = UTF8.decode(readFileSync(fd));
    return { value: { realPath: opened, text: text.replace(/\r?\n$/, '') } };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const reason = e instanceof TypeError ? 'it is not UTF-8 text' : (code ?? 'unknown error');
    return fail(site, `cannot read ${show(realPath)}: ${reason}`);
  } finally {
    closeSync(fd);
  }
}

/**
 * Where a file really is, after symbolic links. A file that is not itself a link is where its
 * directory really is, and each directory is resolved once: thousands of secret files cost one
 * lstat each, not one per path component.
 */
function realPathOf(target: string, ctx: SecretContext): string {
  const directory = path.dirname(target);
  let realDirectory = ctx.realDirectories?.get(directory);
  if (realDirectory === undefined) {
    realDirectory = realpathSync.native(directory);
    ctx.realDirectories?.set(directory, realDirectory);
  }
  const candidate = path.join(realDirectory, path.basename(target));
  return lstatSync(candidate).isSymbolicLink() ? realpathSync.native(candidate) : candidate;
}

/** The path the kernel holds for an open file (Linux); undefined where /proc does not tell. */
function openedPath(fd: number): string | undefined {
  try {
    const link = readlinkSync(`/proc/self/fd/${fd}`);
    return path.isAbsolute(link) ? link : undefined;
  } catch {
    return undefined;
  }
}

/** Elsewhere: the open file is the one now at the checked path, which still resolves to itself. */
function isSameFile(info: Stats, realPath: string): boolean {
  try {
    const now = statSync(realPath);
    return now.dev === info.dev && now.ino === info.ino && realpathSync.native(realPath) === realPath;
  } catch {
    return false;
  }
}

function inRoots(file: string, ctx: SecretContext): boolean {
  return ctx.roots.some((root) => isInside(file, root));
}

function isInside(file: string, root: string): boolean {
  const relative = path.relative(root, file);
  return relative !== '' && relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative);
}

function fail(site: ReferenceSite, message: string): { diagnostic: Diagnostic } {
  return { diagnostic: { severity: 'error', message, location: site.locate() } };
}
