// The console's tables at 360 px (issue 18, point 4): no column cut off or squeezed to a letter per
// line — each row becomes a card of labelled values, so neither the page nor the table scrolls
// sideways. Debian's Chromium, as in browser.test.ts; without it the suite skips, loudly.
import type { Browser, Page } from 'playwright-core';
import { chromiumAvailable, launchChromium } from './helpers/chromium.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_TOKEN, startPortal, type PortalServer } from './helpers/pages-server.js';

const available = chromiumAvailable('the narrow console suite');

const MANIFEST = [
  'developers:',
  '  - { email: ada@example.com, fullName: Ada Lovelace, status: approved, credentials: [ { type: acl, group: partners }, { type: acl, group: beta } ] }',
  '  - { email: bob@example.com, fullName: Bob Builder, status: approved }',
  '  - { email: pat@example.com, fullName: Pat Pending, status: pending }',
  '',
].join('\n');

interface Layout {
  pageOverflow: number;
  /** How far each table container scrolls sideways. */
  tableOverflow: number[];
  /** Cells whose text is broken over more lines than their content needs: "appro|ved", "ada@|exam|ple". */
  brokenWords: string[];
  /** The label each cell shows before its value. */
  labels: string[];
}

/** Runs in the page (a string: the tests are compiled without the DOM's types). */
const LAYOUT = `(() => {
  const doc = document.documentElement;
  const cells = [...document.querySelectorAll('table td')];
  return {
    pageOverflow: doc.scrollWidth - doc.clientWidth,
    tableOverflow: [...document.querySelectorAll('.table-wrap')].map((wrap) => wrap.scrollWidth - wrap.clientWidth),
    brokenWords: cells.flatMap((cell) => [...cell.querySelectorAll('a, .badge')]
      .filter((inline) => inline.getClientRects().length > 1)
      .map((inline) => inline.textContent)),
    labels: cells.map((cell) => getComputedStyle(cell, '::before').content.replace(/^"|"$/g, '')),
  };
})()`;

function layoutOf(page: Page): Promise<Layout> {
  return page.evaluate<Layout>(LAYOUT);
}

describe.skipIf(!available)('the console at 360 px', { timeout: 120_000 }, () => {
  let browser: Browser;
  let server: PortalServer;

  beforeAll(async () => {
    browser = await launchChromium();
    server = await startPortal(MANIFEST, { listen: true });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it("shows the developer table and a developer's credentials as labelled cards, nothing scrolling sideways", async () => {
    const context = await browser.newContext({ baseURL: server.url, viewport: { width: 360, height: 800 } });
    const page = await context.newPage();
    await page.goto('/console/login');
    await page.getByLabel('Console token').fill(CONSOLE_TOKEN);
    await Promise.all([page.waitForURL('**/console/requests'), page.getByRole('button', { name: 'Sign in' }).click()]);

    await page.goto('/console/developers');
    const developers = await layoutOf(page);
    expect(developers.pageOverflow).toBeLessThanOrEqual(0);
    expect(developers.tableOverflow).toEqual([0]);
    expect(developers.brokenWords).toEqual([]);
    expect(developers.labels.slice(0, 6)).toEqual(['Email', 'Name', 'Status', 'Origin', 'Credentials', 'Created']);

    await page.goto(`/console/developers/${encodeURIComponent('ada@example.com')}`);
    const credentials = await layoutOf(page);
    expect(credentials.pageOverflow).toBeLessThanOrEqual(0);
    expect(credentials.tableOverflow).toEqual([0]);
    expect(credentials.labels.slice(0, 6)).toEqual(['Type', 'Identity', 'Fields', 'Active', 'Origin', 'Created']);

    // At full width the same tables are ordinary tables again: one header row, no labels in the cells.
    await page.setViewportSize({ width: 1280, height: 800 });
    expect((await layoutOf(page)).labels.every((label) => label === 'none' || label === 'normal')).toBe(true);
    await context.close();
  });
});
