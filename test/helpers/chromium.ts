// Debian's Chromium for the browser suites (never a downloaded browser). Without it a suite is
// skipped with a visible message locally; under CI=true that is an error.
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** Whether Chromium is here for `suite`; says so when it is not, and throws under CI. */
export function chromiumAvailable(suite: string): boolean {
  if (existsSync(CHROMIUM)) return true;
  const message = `${CHROMIUM} is missing: ${suite} is SKIPPED (apt-get install chromium to run it)`;
  if (process.env.CI === 'true') throw new Error(`${message}, which CI does not allow`);
  console.warn(`\n⚠ ${message}\n`);
  return false;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}
