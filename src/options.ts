// What the library's functions take, and where each option falls back to when it is not given.
import { hostname, userInfo } from 'node:os';
import { PortalformError } from './errors.js';
import { isPostgresUrl, openStore, type Store } from './store/index.js';

export interface StateOptions {
  /** A file path or postgres:// URL; default $PORTALFORM_STATE or ./portalform.db. */
  state?: string;
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** Default $PORTALFORM_STATE_KEY. */
  stateKey?: string | null;
  /** PostgreSQL: connections the state's pool opens at most (default 4; `serve` asks for more). */
  poolSize?: number;
}

export interface PlanOptions extends StateOptions {
  paths?: string[];
  secretsDirs?: string[];
  replace?: string[];
  target?: string[];
  rotate?: string[];
}

export function storeOf(options: StateOptions): Store {
  const location = options.state ?? envOf(options).PORTALFORM_STATE ?? undefined;
  refuseUnknownScheme(location);
  return openStore(location, cwdOf(options), options.poolSize ? { poolSize: options.poolSize } : {});
}

/** A URL of a database portalform cannot use would otherwise be taken for a file path. */
function refuseUnknownScheme(location: string | undefined): void {
  const scheme = location?.match(/^([a-z][a-z0-9+.-]*):\/\//i)?.[1];
  if (scheme === undefined || isPostgresUrl(location!)) return;
  throw new PortalformError(
    `the state location's scheme ${scheme}:// is not supported: give a file path (SQLite) or a postgres:// URL (docs/state.md)`,
  );
}

export function stateKeyOf(options: StateOptions): string | null {
  return options.stateKey || envOf(options).PORTALFORM_STATE_KEY || null;
}

export function envOf(options: StateOptions): Record<string, string | undefined> {
  return options.env ?? process.env;
}

export function cwdOf(options: StateOptions): string {
  return options.cwd ?? process.cwd();
}

/** The manifest paths to read: the current directory when none are given. */
export function pathsOf(options: PlanOptions): string[] {
  return options.paths?.length ? options.paths : ['.'];
}

/** Who applied: --actor, then the CI system's user, then the local user. */
export function actorOf(options: StateOptions & { actor?: string }): string {
  const env = envOf(options);
  return (
    options.actor ??
    env.PORTALFORM_ACTOR ??
    env.GITHUB_ACTOR ??
    env.GITLAB_USER_LOGIN ??
    env.BUILDKITE_BUILD_CREATOR ??
    env.CIRCLE_USERNAME ??
    `${userName()}@${hostname()}`
  );
}

export function userName(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}
