// Resolves secret references. A manifest may come from anyone who opens a pull request, so a
// reference may only reach PORTALFORM_SECRET_* variables and files inside the directories the
// operator named. No message here ever contains a secret's value.
import { createPublicKey } from 'node:crypto';
import { readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Diagnostic, Location, ResolvedSecret } from '../model.js';
import { displayPath, shown } from './files.js';
import type { SecretRef } from './schema.js';

const SECRET_ENV_PREFIX = 'PORTALFORM_SECRET_';

export interface SecretContext {
  env: Record<string, string | undefined>;
  /** Paths in messages are relative to it. */
  cwd: string;
  /** Real paths of the directories `fromFile` may read from. */
  roots: string[];
}

/** Either a value (a literal comes with a warning) or the error that prevented it. */
export type Resolution<T> = { value: T; diagnostic?: Diagnostic } | { value?: undefined; diagnostic: Diagnostic };

/** `location` is where the reference is written; relative files are read from that file's directory. */
export function resolveSecret(ref: SecretRef, location: Location, ctx: SecretContext): Resolution<ResolvedSecret> {
  if (typeof ref === 'string') {
    return {
      value: { source: { kind: 'literal', location }, value: ref },
      diagnostic: { severity: 'warning', message: 'literal secret in manifest; use fromEnv or fromFile', location },
    };
  }
  if ('fromEnv' in ref) return readEnv(ref.fromEnv, location, ctx.env);
  const file = readContainedFile(ref.fromFile, location, ctx);
  if (!file.value) return file;
  if (file.value.text === '') return fail(location, `secret file ${displayPath(file.value.realPath, ctx.cwd)} is empty`);
  return { value: { source: { kind: 'file', path: file.value.realPath }, value: file.value.text } };
}

/** A jwt `rsaPublicKey`: the PEM text, inline or from a file under the same rules as a secret file. */
export function resolvePublicKey(ref: string | { fromFile: string }, location: Location, ctx: SecretContext): Resolution<string> {
  if (typeof ref === 'string') return checkPublicKey(ref, location);
  const file = readContainedFile(ref.fromFile, location, ctx);
  return file.value ? checkPublicKey(file.value.text, location) : file;
}

/** Refuses a private key too: Node would happily derive the public key from it, but it must not be stored. */
function checkPublicKey(pem: string, location: Location): Resolution<string> {
  if (/-----BEGIN (RSA )?PUBLIC KEY-----/.test(pem) && !/PRIVATE KEY/.test(pem) && parsesAsPublicKey(pem)) return { value: pem };
  return fail(location, 'rsaPublicKey is not a PEM public key (-----BEGIN PUBLIC KEY----- ... -----END PUBLIC KEY-----)');
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

function readEnv(name: string, location: Location, env: SecretContext['env']): Resolution<ResolvedSecret> {
  if (!name.startsWith(SECRET_ENV_PREFIX)) {
    return fail(
      location,
      `fromEnv may only read variables named ${SECRET_ENV_PREFIX}*, not ${shown(name)}: a manifest can come from anyone who opens a pull request, and must not read the pipeline's other variables`,
    );
  }
  const value = env[name];
  if (value === undefined) return fail(location, `environment variable ${shown(name)} is not set`);
  if (value === '') return fail(location, `environment variable ${shown(name)} is empty`);
  return { value: { source: { kind: 'env', name }, value } };
}

function readContainedFile(ref: string, location: Location, ctx: SecretContext): Resolution<{ realPath: string; text: string }> {
  const target = path.resolve(path.dirname(location.file), ref);
  const show = (file: string) => shown(displayPath(file, ctx.cwd));
  let realPath: string;
  try {
    realPath = realpathSync(target);
  } catch {
    return fail(location, `file ${show(target)} not found`);
  }
  if (!ctx.roots.some((root) => isInside(realPath, root))) {
    return fail(
      location,
      `${shown(ref)} resolves to ${show(realPath)}, outside the manifest paths and --secrets-dir directories (${ctx.roots.map(show).join(', ')}); a manifest can come from anyone who opens a pull request, so it may only read files inside them`,
    );
  }
  if (statSync(realPath).isDirectory()) return fail(location, `${show(realPath)} is a directory, not a file`);
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(readFileSync(realPath));
    return { value: { realPath, text: text.replace(/\r?\n$/, '') } };
  } catch (e) {
    const reason = e instanceof TypeError ? 'it is not UTF-8 text' : (e as NodeJS.ErrnoException).code ?? 'unknown error';
    return fail(location, `cannot read ${show(realPath)}: ${reason}`);
  }
}

function isInside(file: string, root: string): boolean {
  const relative = path.relative(root, file);
  return relative !== '' && relative !== '..' && !relative.startsWith('..' + path.sep) && !path.isAbsolute(relative);
}

function fail(location: Location, message: string): { diagnostic: Diagnostic } {
  return { diagnostic: { severity: 'error', message, location } };
}
