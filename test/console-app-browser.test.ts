// The console's applications and APIs in Debian's Chromium over real HTTP (issue 26, point 7): the
// access requests page with its registration requests and their copy buttons, a developer's
// applications, the APIs and one API's registrations by status — axe finds no serious or critical
// violation, and at 1280 and 360 px nothing scrolls sideways, no word breaks inside a table cell and
// at 360 px each row is a card of labelled values. Screenshots go to /tmp/console-app-*.png.
// Without Chromium the suite skips, loudly.
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedApplications } from './helpers/console-app-seed.js';
import { chromiumAvailable, launchChromium } from './helpers/chromium.js';
import { CONSOLE_TOKEN, type PortalServer, startPortal } from './helpers/pages-server.js';

const available = chromiumAvailable('the console applications suite');

const MANIFEST = [
  'developers:',
  '  - { email: ada@example.com, fullName: Ada Lovelace, status: approved, credentials: [ { type: acl, group: partners } ] }',
  '',
].join('\n');

interface Layout {
  pageOverflow: number;
  tableOverflow: number[];
  /** Links and badges in table cells drawn over more than one line. */
  brokenWords: string[];
  /** Cells whose label (shown before the value on a narrow card) is missing. */
  unlabelled: number;
  cardLabels: string[];
}

/** Runs in the page (a string: the tests are compiled without the DOM's types). */
const LAYOUT = `(() => {
  const doc = document.documentElement;
  const cells = [...document.querySelectorAll('table td')];
  const labelOf = (cell) => getComputedStyle(cell, '::before').content.replace(/^"|"$/g, '');
  return {
    pageOverflow: doc.scrollWidth - doc.clientWidth,
    tableOverflow: [...document.querySelectorAll('.table-wrap')].map((wrap) => wrap.scrollWidth - wrap.clientWidth),
    brokenWords: cells.flatMap((cell) => [...cell.querySelectorAll('a, .badge, code')]
      .filter((inline) => inline.getClientRects().length > 1)
      .map((inline) => inline.textContent)),
    unlabelled: cells.filter((cell) => cell.dataset.label && labelOf(cell) === 'none').length,
    cardLabels: cells.slice(0, 5).map(labelOf),
  };
})()`;

describe.skipIf(!available)('the console of applications and APIs in Chromium', { timeout: 180_000 }, () => {
  let browser: Browser;
  let server: PortalServer;
  let page: Page;

  beforeAll(async () => {
    browser = await launchChromium();
    server = await startPortal(MANIFEST, { listen: true });
    await seedApplications(server.w);
    const context = await browser.newContext({ baseURL: server.url, viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    await page.goto('/console/login');
    await page.getByLabel('Console token').fill(CONSOLE_TOKEN);
    await Promise.all([page.waitForURL('**/console/requests'), page.getByRole('button', { name: 'Sign in' }).click()]);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  /** axe at 1280 px, then the layout and a screenshot at each width. */
  async function inspect(name: string): Promise<Record<number, Layout>> {
    await page.setViewportSize({ width: 1280, height: 900 });
    const results = await new AxeBuilder({ page }).analyze();
    const grave = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(
      grave.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
      `axe on ${name}`,
    ).toEqual([]);
    const layouts: Record<number, Layout> = {};
    for (const width of [1280, 360]) {
      await page.setViewportSize({ width, height: 900 });
      await page.screenshot({ path: `/tmp/console-app-${name}-${width}.png`, fullPage: true });
      const layout = await page.evaluate<Layout>(LAYOUT);
      expect(layout.pageOverflow, `${name} at ${width}`).toBeLessThanOrEqual(0);
      expect(
        layout.tableOverflow.filter((o) => o > 0),
        `${name} at ${width}`,
      ).toEqual([]);
      expect(layout.brokenWords, `${name} at ${width}`).toEqual([]);
      layouts[width] = layout;
    }
    await page.setViewportSize({ width: 1280, height: 900 });
    return layouts;
  }

  it('lists the registration requests with the entry to copy for each', async () => {
    await page.goto('/console/requests');
    await page.getByText('3 pending registration requests').waitFor();
    await page.getByRole('heading', { name: 'mobile → payments' }).waitFor();
    const copy = page.getByRole('button', { name: 'Copy entry for billing to payments of ada@example.com' });
    await copy.waitFor({ state: 'visible' });
    await page
      .getByRole('button', { name: 'Copy the entries of all 3 registration requests' })
      .waitFor({ state: 'visible' });
    await inspect('requests');
  });

  it("shows a developer's applications with their credentials and registrations", async () => {
    await page.goto('/console/developers/ada%40example.com');
    await page.getByRole('heading', { name: 'Applications (2)' }).waitFor();
    await page.getByRole('heading', { name: 'billing', level: 3 }).waitFor();
    await page.getByRole('cell', { name: 'billing-prod', exact: true }).waitFor();
    const layouts = await inspect('developer');
    expect(layouts[360]!.unlabelled).toBe(0);
    expect(layouts[360]!.cardLabels).toEqual(['Type', 'Identity', 'Fields', 'Active', 'Origin']);
  });

  it('lists the APIs and one API’s registrations by status, paged', async () => {
    await page.getByRole('link', { name: 'APIs' }).click();
    await page.waitForURL('**/console/apis');
    await page.getByRole('link', { name: '55 approved registrations to payments' }).waitFor();
    const list = await inspect('apis');
    expect(list[360]!.cardLabels).toEqual(['API', 'Title', 'Auto-approve', 'Pending', 'Approved']);

    await page.getByRole('link', { name: 'payments', exact: true }).click();
    await page.waitForURL('**/console/apis/payments');
    await page.getByRole('heading', { name: 'Pending (3)' }).waitFor();
    await page.getByRole('heading', { name: 'Approved (55)' }).waitFor();
    await inspect('api');

    await page.getByRole('link', { name: 'All 55 approved registrations' }).click();
    await page.waitForURL('**/console/apis/payments?status=approved');
    await page.getByRole('cell', { name: 'fleet-50' }).waitFor();
    await inspect('api-approved-1');

    await page.getByRole('link', { name: 'Next approved registrations' }).click();
    await page.waitForURL(/status=approved&after=/);
    await page.getByRole('cell', { name: 'fleet-55' }).waitFor();
    expect(await page.getByRole('heading', { name: 'Pending (3)' }).count()).toBe(0);
    await inspect('api-approved-2');
  });
});
