// The console's tables and chart as a browser shows them (issue 24, points 10 and 11): at 1280 px
// no word is broken inside ("approve|d", "margaret@example.co|m", "basic|-auth"; only after a hyphen) and no time wraps;
// the chart puts its points on a real time axis, counts on even integer ticks, every status's line
// visible even where they share a value, a legend, and stays readable at 360 px. Debian's Chromium
// over real HTTP; without it the suite skips, loudly. PORTALFORM_SCREENSHOTS=DIR keeps screenshots.
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendEvent } from '../src/history.js';
import { STATUSES } from '../src/model.js';
import { openStore } from '../src/store/index.js';
import { chromiumAvailable, launchChromium } from './helpers/chromium.js';
import { CONSOLE_TOKEN, startPortal, type PortalServer } from './helpers/pages-server.js';

const available = chromiumAvailable('the console layout suite');

const manifest = (credentials: boolean) =>
  [
    'developers:',
    '  - email: margaret.hamilton-apollo-guidance@example.com',
    '    fullName: Margaret Heafield Hamilton of the Apollo Guidance Computer team',
    '    status: revoked',
    ...(credentials
      ? [
          '    credentials:',
          '      - { type: basic-auth, username: margaret-hamilton-deploy-pipeline }',
          '      - { type: acl, group: partners-with-a-rather-long-group-name }',
        ]
      : []),
    '  - { email: barbara.liskov-substitution@example.com, fullName: Barbara Liskov, status: approved }',
    '  - { email: pat@example.com, fullName: Pat Pending, status: pending }',
    '',
  ].join('\n');

/** Self-service sign-ups recorded at uneven times: the day each came, and the status each has. */
const SIGN_UPS: Array<{ at: string; statuses: string[] }> = [
  { at: '2026-03-01T09:00:00.000Z', statuses: [...STATUSES] },
  { at: '2026-03-02T09:00:00.000Z', statuses: [...STATUSES] },
  { at: '2026-03-20T09:00:00.000Z', statuses: ['pending', 'approved', 'approved'] },
];

/**
 * Runs in the page (a string: the tests are compiled without the DOM's types). A word is broken
 * when its text continues on another line anywhere but after a hyphen, where text may wrap.
 */
const BROKEN_WORDS = `(() => {
  const broken = [];
  const lineOf = (node, i) => {
    const range = document.createRange();
    range.setStart(node, i);
    range.setEnd(node, i + 1);
    const rect = [...range.getClientRects()].find((r) => r.width > 0);
    return rect ? Math.round(rect.top) : null;
  };
  for (const cell of document.querySelectorAll('table td')) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const match of node.textContent.matchAll(/\\S+/g)) {
        for (let i = match.index + 1; i < match.index + match[0].length; i++) {
          if (lineOf(node, i) !== lineOf(node, i - 1) && node.textContent[i - 1] !== '-') broken.push(match[0]);
        }
      }
    }
  }
  return {
    broken,
    wrappedTimes: [...document.querySelectorAll('td time')]
      .filter((t) => new Set([...t.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top))).size > 1)
      .map((t) => t.textContent),
    pageOverflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
    tableOverflow: [...document.querySelectorAll('.table-wrap')].map((w) => w.scrollWidth - w.clientWidth),
  };
})()`;

interface ChartLayout {
  yTicks: string[];
  xTicks: Array<{ label: string; x: number; right: number; fontPx: number }>;
  /** Each status's points' x positions, in page pixels. */
  xs: Record<string, number[]>;
  /** Pixels of each status's colour in the drawn chart. */
  pixels: Record<string, number>;
  legend: string[];
  pageOverflow: number;
  tableOverflow: number[];
}

/** The visible chart drawing's geometry, and its pixels by colour (drawn on a canvas: the context bypasses the CSP). */
const CHART = `(async () => {
  const svg = [...document.querySelectorAll('svg.chart')].find((s) => s.getBoundingClientRect().width > 0);
  const box = svg.getBoundingClientRect();
  const scale = box.width / svg.viewBox.baseVal.width;
  const series = [...svg.querySelectorAll('.series')];
  const xs = {};
  for (const line of series) xs[line.dataset.status] = [...line.points].map((p) => box.left + p.x * scale).filter((x, i, all) => all.indexOf(x) === i);
  const image = new Image();
  image.src = URL.createObjectURL(new Blob([new XMLSerializer().serializeToString(svg)], { type: 'image/svg+xml' }));
  await image.decode();
  const canvas = document.createElement('canvas');
  canvas.width = svg.viewBox.baseVal.width;
  canvas.height = svg.viewBox.baseVal.height;
  const context = canvas.getContext('2d');
  context.drawImage(image, 0, 0);
  const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
  const pixels = {};
  for (const line of series) {
    const hex = line.getAttribute('stroke');
    const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
    let n = 0;
    for (let i = 0; i < data.length; i += 4) if (data[i] === r && data[i + 1] === g && data[i + 2] === b && data[i + 3] === 255) n++;
    pixels[line.dataset.status] = n;
  }
  return {
    yTicks: [...svg.querySelectorAll('text.y-tick')].map((t) => t.textContent),
    xTicks: [...svg.querySelectorAll('text.x-tick')].map((t) => {
      const r = t.getBoundingClientRect();
      return { label: t.textContent, x: r.left, right: r.right, fontPx: r.height };
    }),
    xs,
    pixels,
    legend: [...document.querySelectorAll('.legend li')].map((li) => li.textContent.trim()),
    pageOverflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
    tableOverflow: [...document.querySelectorAll('.table-wrap')].map((w) => w.scrollWidth - w.clientWidth),
  };
})()`;

async function recordSignUps(server: PortalServer): Promise<void> {
  const store = openStore(server.w.state, server.w.dir);
  try {
    const db = store.backend.db()!;
    let n = 0;
    for (const { at, statuses } of SIGN_UPS) {
      for (const status of statuses) {
        const address = `developer[${JSON.stringify(`signup${++n}@example.com`)}]`;
        const entry = {
          kind: 'self-service',
          serial: 1,
          at,
          actor: 'self-service',
          action: 'register',
          address,
          after: { status },
        };
        await db.transaction().execute((trx) => appendEvent(trx, store.backend.kind, entry));
      }
    }
  } finally {
    await store.close();
  }
}

describe.skipIf(!available)('the console tables and chart in a browser', { timeout: 120_000 }, () => {
  let browser: Browser;
  let server: PortalServer;
  let page: Page;
  const shots = process.env.PORTALFORM_SCREENSHOTS;
  const shoot = async (name: string) => {
    if (shots) await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
  };

  beforeAll(async () => {
    browser = await launchChromium();
    server = await startPortal(manifest(false), { listen: true });
    // The credential's generated password goes to a file: the state has no key to keep it.
    server.w.write('portal/developers.yaml', `version: 1\n${manifest(true)}`);
    const applied = server.w.run(['apply', 'portal', '--auto-approve', '--secrets-out', 'secrets.json']);
    expect(applied.code, applied.stderr).toBe(0);
    await recordSignUps(server);
    const context = await browser.newContext({
      baseURL: server.url,
      viewport: { width: 1280, height: 900 },
      bypassCSP: true,
    });
    page = await context.newPage();
    await page.goto('/console/login');
    await page.getByLabel('Console token').fill(CONSOLE_TOKEN);
    await Promise.all([page.waitForURL('**/console/requests'), page.getByRole('button', { name: 'Sign in' }).click()]);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('breaks no word and wraps no time in the developer and credential tables at 1280 px', async () => {
    await page.setViewportSize({ width: 1280, height: 900 });
    for (const url of [
      '/console/developers',
      `/console/developers/${encodeURIComponent('margaret.hamilton-apollo-guidance@example.com')}`,
    ]) {
      await page.goto(url);
      await shoot(url.includes('%40') ? 'credentials-1280' : 'developers-1280');
      const layout = await page.evaluate<{
        broken: string[];
        wrappedTimes: string[];
        pageOverflow: number;
        tableOverflow: number[];
      }>(BROKEN_WORDS);
      expect(layout.broken, url).toEqual([]);
      expect(layout.wrappedTimes, url).toEqual([]);
      expect(layout.pageOverflow, url).toBeLessThanOrEqual(0);
      expect(layout.tableOverflow, url).toEqual([0]);
    }
    await page.setViewportSize({ width: 360, height: 800 });
    await shoot('credentials-360');
    await page.goto('/console/developers');
    await shoot('developers-360');
  });

  it('draws the chart on a time axis with integer ticks, every status visible and a legend, at 1280 and 360 px', async () => {
    for (const width of [1280, 360]) {
      await page.setViewportSize({ width, height: 900 });
      await page.goto('/console/chart');
      await shoot(`chart-${width}`);
      const chart = await page.evaluate<ChartLayout>(CHART);
      // The largest count is 5 approved developers: ticks at an even step up to it, none skipped.
      expect(chart.yTicks.map(Number), `${width}`).toEqual(width === 1280 ? [0, 1, 2, 3, 4, 5] : [0, 2, 4, 6]);
      // Sign-ups on March 1, 2 and 20: the gaps on the axis are as 1 day to 18.
      const [first, second, third] = chart.xs.approved!;
      // (a day is a few pixels wide, so within a pixel's rounding).
      const ratio = (third! - second!) / (second! - first!);
      expect(ratio, `${width}`).toBeGreaterThan(15);
      expect(ratio, `${width}`).toBeLessThan(21);
      for (const status of STATUSES) expect(chart.pixels[status], `${status} at ${width}`).toBeGreaterThan(100);
      expect(chart.legend.map((l) => l.split(' ')[0])).toEqual([...STATUSES]);
      // Readable: labels at least 11 px high, none overlapping the next.
      for (const [i, tick] of chart.xTicks.entries()) {
        expect(tick.fontPx, `${tick.label} at ${width}`).toBeGreaterThanOrEqual(11);
        if (i > 0) expect(tick.x, `${tick.label} at ${width}`).toBeGreaterThan(chart.xTicks[i - 1]!.right);
      }
      expect(chart.pageOverflow, `${width}`).toBeLessThanOrEqual(0);
      expect(chart.tableOverflow, `${width}`).toEqual([0]);
    }
  });
});
