// The flags several commands share, and how they turn into the library's options.
import { InvalidArgumentError, type Command } from 'commander';
import { PortalformError } from '../errors.js';
import { readStateKeyFile } from '../secrets/key-file.js';
import type { PlanOptions, StateOptions } from '../options.js';
import { colorEnabled } from '../render/color.js';
import { parseDuration } from './io.js';

export interface CommonFlags {
  state?: string;
  json?: boolean;
  color: boolean;
  lockTimeout?: string;
  secretsDir?: string[];
  stateKeyFile?: string;
}

export interface SelectingFlags {
  replace: string[];
  target: string[];
  rotate: string[];
}

/** What a command does with the state and the manifests, and so which shared flags it offers. */
interface Uses {
  /** Opens the state (every command but validate). */
  state: boolean;
  /** Takes the state lock: the writers. */
  lock: boolean;
  /** Reads manifests, whose fromFile secrets may come from a --secrets-dir. */
  manifests: boolean;
  /** Needs the state key (digests, encryption, decryption). */
  stateKey: boolean;
}

const READER: Uses = { state: true, lock: false, manifests: false, stateKey: false };

/**
 * Each command's uses, by its full name: a flag a command never reads is not offered, so that
 * `--help` lists only what has an effect and a misplaced flag is an error, not silently ignored.
 */
const USES: Record<string, Uses> = {
  validate: { state: false, lock: false, manifests: true, stateKey: false },
  plan: { state: true, lock: false, manifests: true, stateKey: true },
  apply: { state: true, lock: true, manifests: true, stateKey: true },
  export: { ...READER, lock: true, stateKey: true }, // a decK export with secrets is recorded under the lock
  'secret reveal': { ...READER, lock: true, stateKey: true },
  invite: { ...READER, lock: true, stateKey: true },
};

function fullName(command: Command): string {
  const parent = command.parent;
  return parent?.parent ? `${parent.name()} ${command.name()}` : command.name();
}

/** The shared flags this command uses (see USES); every command takes --json and --no-color. */
export function common(command: Command): Command {
  const uses = USES[fullName(command)] ?? READER;
  if (uses.state)
    command.option(
      '--state <path|url>',
      'state file or postgres:// URL (env PORTALFORM_STATE, default ./portalform.db)',
    );
  command.option('--json', 'machine-readable output on stdout').option('--no-color', 'no colors (also NO_COLOR)');
  if (uses.lock)
    command.option(
      '--lock-timeout <duration>',
      'wait this long for the state lock, with a unit: 500ms, 30s, 5m (default: fail at once)',
      checkedDuration,
    );
  if (uses.manifests)
    command.option('--secrets-dir <dir>', 'a directory fromFile secrets may also come from (repeatable)', collect);
  if (uses.stateKey)
    command.option('--state-key-file <file>', 'read the state key from this file instead of PORTALFORM_STATE_KEY');
  return command;
}

/** Flags that choose what a plan or apply covers. */
export function selecting(command: Command): Command {
  return command
    .option(
      '--replace <address>',
      'delete and create this object anew: a developer, credential, application or registration (repeatable)',
      collect,
    )
    .option(
      '--target <address>',
      'limit to these objects and what they need: api["…"], developer["…"] and what it owns (repeatable)',
      collect,
    )
    .option(
      '--rotate <address>',
      "generate a new value for this credential's generated secrets, a developer's or an application's (repeatable)",
      collect,
    );
}

export function stateOptions(flags: CommonFlags): StateOptions {
  return {
    ...(flags.state ? { state: flags.state } : {}),
    ...(flags.stateKeyFile ? { stateKey: readStateKeyFile(flags.stateKeyFile) } : {}),
  };
}

export function planOptions(paths: string[] | undefined, flags: CommonFlags & Partial<SelectingFlags>): PlanOptions {
  return {
    ...stateOptions(flags),
    paths: paths ?? [],
    secretsDirs: flags.secretsDir ?? [],
    replace: flags.replace ?? [],
    target: flags.target ?? [],
    rotate: flags.rotate ?? [],
  };
}

export function colorOf(flags: CommonFlags): boolean {
  return colorEnabled(process.stdout, flags.color === false);
}

/** Two flags that cannot both hold: one readable usage error (exit 1, docs/cli.md). */
export function refuseTogether(
  first: string | false | undefined,
  second: string | false | undefined,
  why: string,
): void {
  if (first && second) throw new PortalformError(`${first} cannot be used with ${second}: ${why}`);
}

/** Refused while the flags are parsed, on every command that has the flag, before any work. */
function checkedDuration(value: string): string {
  try {
    parseDuration(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
  return value;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
