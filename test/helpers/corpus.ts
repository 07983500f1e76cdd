// The manifest corpora: test/corpus (each case must be refused) and test/corpus-valid (each must
// apply). A case is a directory of input files plus expect.json, which also says how to build
// what cannot be committed: 10 MB strings, symbolic links and FIFOs are made when the case is copied.
import { execFileSync } from 'node:child_process';
import { cpSync, lstatSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ROOT } from './cli.js';
import { tempDir } from './temp.js';

export const EXPECT_FILE = 'expect.json';

interface CaseSetup {
  /** Manifest paths given to the commands; default `["manifest.yaml"]`. */
  args?: string[];
  /** Environment variables the commands see (besides the state location). */
  env?: Record<string, string>;
  /** Symbolic links to make, by path in the case, to the target they point at. */
  symlinks?: Record<string, string>;
  /** FIFOs to make, by path in the case. */
  fifos?: string[];
  /** Placeholders in the input files, each replaced by `repeat` repeated `times` times. */
  expand?: Record<string, { repeat: string; times: number }>;
}

export interface BadCaseExpectation extends CaseSetup {
  /** `file:line:column` of the error, relative to the case directory. */
  location: string;
  /** A fragment of the error message. */
  message: string;
  /** The error shows only against a stored state: `seed.yaml` is applied first. */
  needsState: boolean;
  /** Secret values in the case that no output may contain (values of `env` are checked too). */
  neverPrinted?: string[];
}

export interface ValidCaseExpectation extends CaseSetup {
  /** The developers the state must hold afterwards, each matched as a subset. */
  developers: Record<string, unknown>[];
  /** A fragment every command's stderr must contain, such as a warning. */
  warning?: string;
}

export interface CorpusCase<T> {
  name: string;
  dir: string;
  expected: T;
}

export function listCases<T>(corpus: string): CorpusCase<T>[] {
  const root = join(ROOT, corpus);
  return readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
    .map((name) => ({
      name,
      dir: join(root, name),
      expected: JSON.parse(readFileSync(join(root, name, EXPECT_FILE), 'utf8')) as T,
    }));
}

export function manifestArgs(setup: CaseSetup): string[] {
  return setup.args ?? ['manifest.yaml'];
}

/** Copies a case into a fresh directory (without its expect.json) and builds what the expectation asks for. */
export function prepareCase(source: string, setup: CaseSetup): string {
  const work = tempDir('portalform-corpus-');
  cpSync(source, work, { recursive: true, filter: (path) => !path.endsWith(`/${EXPECT_FILE}`) });
  for (const [placeholder, { repeat, times }] of Object.entries(setup.expand ?? {})) {
    expandPlaceholder(work, Buffer.from(placeholder), Buffer.from(repeat.repeat(times)));
  }
  for (const [link, target] of Object.entries(setup.symlinks ?? {})) {
    mkdirSync(dirname(join(work, link)), { recursive: true });
    symlinkSync(target, join(work, link));
  }
  for (const fifo of setup.fifos ?? []) {
    mkdirSync(dirname(join(work, fifo)), { recursive: true });
    execFileSync('mkfifo', [join(work, fifo)]);
  }
  return work;
}

function expandPlaceholder(dir: string, placeholder: Buffer, replacement: Buffer): void {
  for (const relative of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const path = join(dir, relative);
    if (!lstatSync(path).isFile()) continue;
    const parts: Buffer[] = [];
    let content = readFileSync(path);
    for (let at = content.indexOf(placeholder); at >= 0; at = content.indexOf(placeholder)) {
      parts.push(content.subarray(0, at), replacement);
      content = content.subarray(at + placeholder.length);
    }
    if (parts.length > 0) writeFileSync(path, Buffer.concat([...parts, content]));
  }
}
