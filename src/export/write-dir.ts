// `export --out DIR`: writes the export's files and a record of them (.portalform-export.json), so
// that exporting again removes the files of developers deleted since — only those, never a file
// the export did not write — and a plan on the directory stays empty. A directory that is not
// empty and holds no record is refused: its files are someone else's.
import { lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, isAbsolute, join, normalize, sep } from 'node:path';
import { PortalformError } from '../errors.js';
import { EXPORT_RECORD_KEY, EXPORT_RECORD_NAME } from '../manifest/own-outputs.js';

export interface WrittenExport {
  written: string[];
  /** Files a previous export wrote that no longer belong, now removed. */
  removed: string[];
}

/** Each format's files, by format: a decK export beside manifests removes none of them. */
type ExportRecord = Record<string, string[]>;

export function writeExportDir(dir: string, format: string, files: Map<string, string>, mode: number): WrittenExport {
  const record = previousRecord(dir);
  const previous = record[format] ?? [];
  for (const relative of files.keys())
    if (!isInside(relative)) throw new PortalformError(`export would write outside ${dir}: ${relative}`);
  const stale = previous.filter((relative) => !files.has(relative));
  const pending: [temporary: string, path: string][] = [];
  try {
    for (const [relative, text] of files) {
      const path = join(dir, relative);
      mkdirSync(dirname(path), { recursive: true });
      const temporary = `${path}.tmp-${randomBytes(6).toString('hex')}`;
      writeFileSync(temporary, text, { mode, flag: 'wx' });
      pending.push([temporary, path]);
    }
    // Until the stale files are gone, the record names them too: an export cut short leaves no
    // file unaccounted for, and the next one removes them.
    writeRecord(dir, { ...record, [format]: [...new Set([...previous, ...files.keys()])] });
  } catch (error) {
    for (const [temporary] of pending) rmSync(temporary, { force: true });
    throw error;
  }
  for (const [temporary, path] of pending) renameSync(temporary, path);
  const elsewhere = new Set(Object.entries(record).flatMap(([other, listed]) => (other === format ? [] : listed)));
  for (const relative of stale) if (!elsewhere.has(relative)) removeWithEmptyParents(dir, relative);
  writeRecord(dir, { ...record, [format]: [...files.keys()] });
  return { written: [...files.keys()], removed: stale };
}

/** The files the last exports into dir wrote; none for a new or empty directory; refused for any other. */
function previousRecord(dir: string): ExportRecord {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new PortalformError(`cannot export into ${dir}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  if (!names.includes(EXPORT_RECORD_NAME)) {
    if (names.length === 0) return {};
    throw new PortalformError(
      `${dir} is not empty and no portalform export wrote it (there is no ${EXPORT_RECORD_NAME}): export into a ` +
        `new or empty directory, or into one an earlier export wrote`,
    );
  }
  let record: unknown;
  try {
    record = JSON.parse(readFileSync(join(dir, EXPORT_RECORD_NAME), 'utf8'));
  } catch (error) {
    throw new PortalformError(
      `${join(dir, EXPORT_RECORD_NAME)} is not readable (${(error as Error).message}): remove it and export into a new or empty directory`,
    );
  }
  const formats = (record as { files?: unknown } | null)?.files;
  const valid =
    formats !== null &&
    typeof formats === 'object' &&
    !Array.isArray(formats) &&
    Object.values(formats).every(
      (listed) => Array.isArray(listed) && listed.every((file) => typeof file === 'string' && isInside(file)),
    );
  if (!valid)
    throw new PortalformError(
      `${join(dir, EXPORT_RECORD_NAME)} does not list the files of an export: remove it and export into a new or empty directory`,
    );
  return formats as ExportRecord;
}

function writeRecord(dir: string, record: ExportRecord): void {
  const files = Object.fromEntries(Object.entries(record).map(([format, listed]) => [format, [...listed].sort()]));
  const path = join(dir, EXPORT_RECORD_NAME);
  const temporary = `${path}.tmp-${randomBytes(6).toString('hex')}`;
  writeFileSync(temporary, `${JSON.stringify({ [EXPORT_RECORD_KEY]: 1, files }, null, 2)}\n`, {
    mode: 0o644,
    flag: 'wx',
  });
  renameSync(temporary, path);
}

/** A relative path that stays inside the directory: a record edited to name ../x removes nothing outside. */
function isInside(relative: string): boolean {
  const normalized = normalize(relative);
  return (
    !isAbsolute(relative) &&
    normalized !== '..' &&
    !normalized.startsWith(`..${sep}`) &&
    normalized !== '.' &&
    normalized !== EXPORT_RECORD_NAME
  );
}

function removeWithEmptyParents(dir: string, relative: string): void {
  const path = join(dir, relative);
  const info = (() => {
    try {
      return lstatSync(path);
    } catch {
      return undefined;
    }
  })();
  if (!info || info.isDirectory()) return;
  rmSync(path, { force: true });
  for (
    let parent = dirname(path);
    parent !== normalize(dir) && parent.startsWith(normalize(dir) + sep);
    parent = dirname(parent)
  ) {
    if (readdirSync(parent).length > 0) break;
    rmSync(parent, { recursive: false, force: true });
  }
}
