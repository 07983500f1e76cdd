import { PortalformError } from '../errors.js';
import { formatDiagnostic } from '../manifest/index.js';
import type { Diagnostic } from '../model.js';
import { paint } from '../render/color.js';
import { consolidateWarnings, moreLikeIt } from '../render/warnings.js';
import { escapeJsonText } from '../util/strings.js';

const FLUSH_BYTES = 1 << 16;

/** stdout for results (text or JSON), stderr for everything else. */
export class Output {
  constructor(
    readonly json: boolean,
    readonly color: boolean,
  ) {
    endQuietlyOnClosedPipes();
  }

  /** Prints `value` as JSON with --json, otherwise the text lines. */
  async result(value: unknown, text: () => Iterable<string>): Promise<void> {
    if (this.json) await this.json_(value);
    else await this.lines(text());
  }

  async json_(value: unknown): Promise<void> {
    await write(`${escapeJsonText(JSON.stringify(value, null, 2))}\n`);
  }

  /**
   * Writes lines in large chunks: a plan of many thousand changes streams without one giant
   * string, and waits whenever the reader is behind, so that a pipe never queues the whole output
   * in memory (a plan of a large portal is many megabytes of text).
   */
  async lines(lines: Iterable<string>): Promise<void> {
    let buffer = '';
    for (const line of lines) {
      // The reader is gone (`plan | head`): rendering the rest would be for no one.
      if (process.stdout.destroyed) return;
      buffer += `${line}\n`;
      if (buffer.length >= FLUSH_BYTES) {
        await write(buffer);
        buffer = '';
      }
    }
    if (buffer) await write(buffer);
  }

  info(text: string): void {
    if (!this.json && !process.stdout.destroyed) process.stdout.write(`${text}\n`);
  }

  warn(message: string): void {
    process.stderr.write(`${paint('Warning:', 'yellow', this.color)} ${message}\n`);
  }

  /** Every error; warnings one line per kind (render/warnings.ts). */
  diagnostics(diagnostics: Diagnostic[]): void {
    const errors = diagnostics.filter((d) => d.severity === 'error');
    for (const d of errors) process.stderr.write(`${formatDiagnostic(d)}\n`);
    for (const { first, count } of consolidateWarnings(diagnostics.filter((d) => d.severity !== 'error'))) {
      process.stderr.write(`${formatDiagnostic(first) + moreLikeIt(count)}\n`);
    }
  }
}

/** Writes to stdout, waiting for it to drain when it has queued too much; nothing once the reader has gone. */
async function write(text: string): Promise<void> {
  const stdout = process.stdout;
  if (stdout.destroyed || stdout.write(text)) return;
  await new Promise<void>((resolve, reject) => {
    const settle = (error?: NodeJS.ErrnoException) => {
      stdout.off('drain', onDrain).off('close', onDrain).off('error', settle);
      if (error && !isClosedPipe(error)) reject(error);
      else resolve();
    };
    const onDrain = () => settle();
    stdout.once('drain', onDrain).once('close', onDrain).once('error', settle);
    if (stdout.destroyed) settle();
  });
}

let pipesGuarded = false;

/**
 * A reader that stops early (`plan | head`, `state list --json | head`) closes the pipe: the
 * next write fails with EPIPE. That is the reader's choice, not an error of the command: the
 * stream is closed, later writes to it are dropped, and the command ends as it would have (an
 * apply that is running still commits), with its usual exit code.
 */
function endQuietlyOnClosedPipes(): void {
  if (pipesGuarded) return;
  pipesGuarded = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (!isClosedPipe(error)) throw error;
    });
  }
}

function isClosedPipe(error: NodeJS.ErrnoException): boolean {
  return error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED';
}

export async function askYes(question: string): Promise<boolean> {
  const { createInterface } = await import('node:readline'); // only when a prompt is shown: a start-up would pay for it
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = await new Promise<string>((resolve) => rl.question(question, resolve));
    return answer.trim() === 'yes';
  } finally {
    rl.close();
  }
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** "30s", "2m", "500ms", "1h"; a bare number is seconds. */
export function parseDuration(text: string | undefined): number {
  if (text === undefined) return 0;
  const trimmed = text.trim();
  if (/^0+(?:\.0+)?$/.test(trimmed)) return 0; // zero is zero in any unit
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(trimmed);
  if (!match) {
    const advice = /^\d+(?:\.\d+)?$/.test(trimmed)
      ? `give it a unit, e.g. ${trimmed}s or ${trimmed}ms`
      : 'use e.g. 30s, 2m or 500ms';
    throw new PortalformError(`invalid duration ${JSON.stringify(text)}: ${advice}`);
  }
  return Math.round(Number(match[1]) * UNITS[match[2]!]!);
}

/** A progress line on stderr for applies that run over a second, only on a terminal and never with --json. */
export function progressReporter(out: Output): ((done: number, total: number) => void) | undefined {
  if (out.json || !process.stderr.isTTY) return undefined;
  const started = Date.now();
  let shown = false;
  return (done, total) => {
    if (Date.now() - started < 1000 && !shown) return;
    shown = true;
    process.stderr.write(`\rApplying… ${done}/${total} steps${done === total ? '\n' : ''}`);
  };
}

/** Exit code of a run ended by Ctrl-C, as shells report it (128 + SIGINT). */
export const INTERRUPTED_EXIT_CODE = 130;

/**
 * Runs an apply so that Ctrl-C says what became of it. Until its last step has run, the process
 * ends before the transaction commits and the database rolls back what it holds; after that, the
 * commit may have happened, and only the history can tell (docs/reliability.md).
 */
export async function untilInterrupted<T>(run: () => Promise<T>, mayHaveCommitted: () => boolean): Promise<T> {
  const onInterrupt = () => {
    process.stderr.write(
      mayHaveCommitted()
        ? '\nInterrupted while the apply was committing: run `portalform history` to see whether it was recorded.\n'
        : '\nInterrupted; nothing was changed.\n',
    );
    process.exit(INTERRUPTED_EXIT_CODE);
  };
  process.once('SIGINT', onInterrupt);
  try {
    return await run();
  } finally {
    process.off('SIGINT', onInterrupt);
  }
}
