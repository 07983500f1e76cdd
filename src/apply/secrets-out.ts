// The --secrets-out file's temporary copy. It is created under a random name that nobody could
// have planted (O_EXCL), never through a link (O_NOFOLLOW), 0600 whatever the umask or a planted
// file's mode, and renamed to its name after the commit. A copy left by a crash holds values that
// were never applied: the next apply removes it and says so.
import { closeSync, constants, fchmodSync, openSync, readdirSync, rmSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';

const PENDING_SUFFIX = '.pending-';

/** Writes the content to a fresh temporary file beside path; returns its name. */
export function writePendingSecrets(path: string, content: string): string {
  const pending = `${path}${PENDING_SUFFIX}${randomBytes(12).toString('hex')}`;
  const fd = openSync(pending, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    fchmodSync(fd, 0o600);
    writeSync(fd, content);
  } catch (error) {
    closeSync(fd);
    rmSync(pending, { force: true });
    throw error;
  }
  closeSync(fd);
  return pending;
}

/** Removes temporary copies of path that an earlier, interrupted apply left behind. */
export function removeLeftoverSecrets(path: string, warn: (message: string) => void): void {
  const prefix = basename(path) + PENDING_SUFFIX;
  let names: string[];
  try {
    names = readdirSync(dirname(path));
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix) && name !== `${basename(path)}.pending`) continue;
    rmSync(join(dirname(path), name), { force: true });
    warn(
      `removed ${JSON.stringify(name)}, left by an interrupted apply: it held generated secrets that were never applied`,
    );
  }
}
