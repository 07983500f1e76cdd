// Whether anyone committed to a WAL-mode SQLite file since the last look, without starting a read
// transaction. `pragma data_version` (change-feed.ts) is exact but takes and drops a read lock on
// the shared-memory file, two fcntl calls, on every access check; this reads the WAL-index header
// from the same file instead: one pread. The header's format is SQLite's documented wal-index
// (https://www.sqlite.org/walformat.html#the_wal_index_header): two copies of 48 bytes at offset 0,
// the second written before the first at every commit, holding a counter (iChange) that every
// write transaction moves, the last frame and the WAL's salts. A reader that sees the two copies
// differ, or the header not initialised, cannot tell and says so; the caller then asks the pragma.
import { closeSync, constants, openSync, readSync } from 'node:fs';

const HEADER_BYTES = 48;
/** isInit: the header has been written at least once since the file was made. */
const IS_INIT_OFFSET = 12;

export interface WalIndexProbe {
  /**
   * Whether the header differs from the one the last call read whole (true at the first call), or
   * null when it cannot be read whole now (torn by a commit under way, not initialised, gone).
   */
  moved(): boolean | null;
  close(): void;
}

/** A probe of `<database>-shm`, or null when there is none to read (not WAL mode, an in-memory database). */
export function openWalIndexProbe(databasePath: string): WalIndexProbe | null {
  if (databasePath === '' || databasePath === ':memory:') return null;
  let fd: number;
  try {
    fd = openSync(`${databasePath}-shm`, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch {
    return null;
  }
  const both = Buffer.alloc(HEADER_BYTES * 2);
  const first = both.subarray(0, HEADER_BYTES);
  const second = both.subarray(HEADER_BYTES);
  const seen = Buffer.alloc(HEADER_BYTES);
  let known = false;
  let open = true;
  return {
    moved() {
      if (!open) return null;
      try {
        if (readSync(fd, both, 0, both.length, 0) !== both.length) return null;
      } catch {
        return null;
      }
      if (first[IS_INIT_OFFSET] === 0 || !first.equals(second)) return null;
      if (known && first.equals(seen)) return false;
      first.copy(seen);
      known = true;
      return true;
    },
    close() {
      if (open) closeSync(fd);
      open = false;
    },
  };
}
