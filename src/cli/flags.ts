// The flags several commands share, and how they turn into the library's options.
import { readStateKeyFile } from '../secrets/key-file.js';
import type { Command } from 'commander';
import type { PlanOptions, StateOptions } from '../options.js';
import { colorEnabled } from '../render/color.js';

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

/** Flags every command takes. */
export function common(command: Command): Command {
  return command
    .option('--state <path|url>', 'state file or postgres:// URL (env PORTALFORM_STATE, default ./portalform.db)')
    .option('--json', 'machine-readable output on stdout')
    .option('--no-color', 'no colors (also NO_COLOR)')
    .option('--lock-timeout <duration>', 'wait this long for the state lock, e.g. 30s (default: fail at once)')
    .option('--secrets-dir <dir>', 'a directory fromFile secrets may also come from (repeatable)', collect, [])
    .option('--state-key-file <file>', 'read the state key from this file instead of PORTALFORM_STATE_KEY');
}

/** Flags that choose what a plan or apply covers. */
export function selecting(command: Command): Command {
  return command
    .option('--replace <address>', 'delete and create this object anew (repeatable)', collect, [])
    .option('--target <address>', 'limit to these objects and what they need (repeatable)', collect, [])
    .option('--rotate <address>', "generate a new value for this credential's generated secrets (repeatable)", collect, []);
}

export function stateOptions(flags: CommonFlags): StateOptions {
  return {
    ...(flags.state ? { state: flags.state } : {}),
    ...(flags.stateKeyFile ? { stateKey: readStateKeyFile(flags.stateKeyFile) } : {}),
  };
}

export function planOptions(paths: string[], flags: CommonFlags & Partial<SelectingFlags>): PlanOptions {
  return { ...stateOptions(flags), paths, secretsDirs: flags.secretsDir ?? [], replace: flags.replace, target: flags.target, rotate: flags.rotate };
}

export function colorOf(flags: CommonFlags): boolean {
  return colorEnabled(process.stdout, flags.color === false);
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
