// Reads the state key from `--state-key-file`. An empty file must not silently mean "no key":
// the state would then be opened (or created) without encryption while the operator believes
// it has a key.
import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs';
import { PortalformError } from '../errors.js';

/** The key in `file`, without surrounding whitespace; refused when missing, not a regular file, empty or not UTF-8. */
export function readStateKeyFile(file: string): string {
  let fd: number;
  try {
    // O_NONBLOCK: a FIFO in its place must not hang the run; it is refused below as not a regular file.
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new PortalformError(
      `--state-key-file ${file}: ${code === 'ENOENT' ? 'no such file' : `cannot read it (${code ?? 'unknown error'})`}`,
    );
  }
  try {
    if (!fstatSync(fd).isFile()) throw new PortalformError(`--state-key-file ${file}: not a regular file`);
    let key: string;
    try {
      key = new TextDecoder('utf-8', { fatal: true }).decode(readFileSync(fd)).trim();
    } catch {
      throw new PortalformError(`--state-key-file ${file}: the key is not UTF-8 text`);
    }
    if (key === '')
      throw new PortalformError(
        `--state-key-file ${file}: the file is empty; write the state key in it, or leave the flag out to use PORTALFORM_STATE_KEY`,
      );
    return key;
  } finally {
    closeSync(fd);
  }
}
