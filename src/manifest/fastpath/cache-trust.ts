// Whether the parse cache's directory may be trusted, and the key that authenticates its entries.
//
// An entry tells the loader what a manifest says without parsing it, so whoever can write an
// entry can make apply create what no manifest declares. The cache is used only in a directory
// the user owns that neither group nor others can write, and every entry carries an HMAC under a
// per-user key kept in that directory (`key`, mode 0600, created once with O_EXCL): an entry
// copied from elsewhere or edited is never used.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  closeSync,
  constants,
  fstatSync,
  linkSync,
  openSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  writeSync,
  type Stats,
} from 'node:fs';
import path from 'node:path';
import { makeDirectories } from '../../util/directories.js';

const KEY_FILE = 'key';
const KEY_BYTES = 32;

/** The cache's real path and key, or why the directory is not used. */
export type CacheTrust = { dir: string; key: Buffer } | { refusal: string };

/** Creates the directory when missing (0700), checks it and reads or makes its key. */
export function trustCacheDirectory(dir: string): CacheTrust {
  try {
    makeDirectories(dir, 0o700);
  } catch (e) {
    return { refusal: `it cannot be created (${(e as NodeJS.ErrnoException).code ?? 'unknown error'})` };
  }
  // Checked and used by its real path: a link swapped afterwards does not move the cache.
  let real: string;
  let info: Stats;
  try {
    real = realpathSync.native(dir);
    info = statSync(real);
  } catch (e) {
    return { refusal: `it cannot be read (${(e as NodeJS.ErrnoException).code ?? 'unknown error'})` };
  }
  if (!info.isDirectory()) return { refusal: 'it is not a directory' };
  const uid = process.getuid?.();
  if (uid !== undefined && info.uid !== uid) return { refusal: 'it belongs to another user' };
  if ((info.mode & 0o022) !== 0) return { refusal: 'group or others can write it' };
  const key = readCacheKey(real) ?? makeCacheKey(real);
  return key ? { dir: real, key } : { refusal: `its key file (${KEY_FILE}) is not a private file of yours` };
}

/** The key, if the key file is a regular file of this user's that nobody else can read or write. */
export function readCacheKey(dir: string): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(path.join(dir, KEY_FILE), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    const info = fstatSync(fd);
    const uid = process.getuid?.();
    if (!info.isFile() || (uid !== undefined && info.uid !== uid) || (info.mode & 0o077) !== 0) return undefined;
    const key = readFileSync(fd);
    return key.length === KEY_BYTES ? key : undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes a new key under a temporary name (O_EXCL, 0600), then links it into place: the key file
 * appears whole or not at all, and of two runs making one at once, both end up with the winner's.
 */
function makeCacheKey(dir: string): Buffer | undefined {
  const temp = path.join(dir, `${KEY_FILE}.${randomBytes(8).toString('hex')}.tmp`);
  try {
    const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    try {
      writeSync(fd, randomBytes(KEY_BYTES));
    } finally {
      closeSync(fd);
    }
    try {
      linkSync(temp, path.join(dir, KEY_FILE));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') return undefined;
    }
  } catch {
    return undefined;
  } finally {
    rmSync(temp, { force: true });
  }
  return readCacheKey(dir);
}

/** Keys read in this thread, by cache directory: the parse workers read the one the main thread made. */
const keys = new Map<string, Buffer | undefined>();

function keyOf(dir: string): Buffer | undefined {
  if (!keys.has(dir)) keys.set(dir, readCacheKey(dir));
  return keys.get(dir);
}

/** The MAC of an entry's head (which holds the digests of all its parts), under the key of `dir`. */
export function entryMac(dir: string, head: string): string | undefined {
  const key = keyOf(dir);
  return key && createHmac('sha256', key).update(head).digest('hex');
}

export function isAuthentic(dir: string, head: string, mac: unknown): boolean {
  const expected = entryMac(dir, head);
  if (expected === undefined || typeof mac !== 'string' || mac.length !== expected.length) return false;
  return timingSafeEqual(Buffer.from(mac), Buffer.from(expected));
}
