// The service's defaults that `portalform serve --help` shows: here, apart from the server, so
// that the help (and the CLI's bundle, which leaves the server out) does not load it.
export const DEFAULT_LISTEN = '127.0.0.1:8080';
/** PostgreSQL connections a serving process opens at most: requests run side by side, unlike the CLI's. */
export const DEFAULT_SERVICE_POOL_SIZE = 16;
/** How often `serve` looks for unverified sign-ups to delete. */
export const SIGN_UP_SWEEP_MS = 10 * 60_000;
