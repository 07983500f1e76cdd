// The dashboard's applications in Chromium (docs/applications.md): every page checked with axe,
// kept within 360 px and photographed at 1280 and 360 px into /tmp/pages-app-*.png; the delete and
// withdraw confirmations say what goes, with JavaScript and without.
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchChromium } from './helpers/chromium.js';
import { AdminManifests } from './helpers/pages-app.js';
import { PASSWORD, startPortal, type PortalServer } from './helpers/pages-server.js';
import { proveAddress } from './helpers/proof.js';

const available = chromiumAvailable('the applications browser suite');
const WIDTHS = [1280, 360] as const;
const MANIFEST = 'developers:\n  - { email: ada@example.com, fullName: Ada Lovelace, status: approved }\n';
const LONG_NAME = 'mobile-app-with-a-rather-long-name-for-narrow-screens';

/**
 * Axe finds no violation at all (axe runs as a script: not where JavaScript is off), nothing
 * is wider than 360 px, and both widths are photographed.
 */
async function inspect(page: Page, name: string, { axe = true } = {}): Promise<void> {
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: `/tmp/pages-app-${name}-${width}.png`, fullPage: true });
    if (width === 360) {
      const overflow = await page.evaluate<number>(
        'document.documentElement.scrollWidth - document.documentElement.clientWidth',
      );
      expect(overflow, `${name} is wider than 360 px`).toBeLessThanOrEqual(0);
    }
  }
  await page.setViewportSize({ width: 1280, height: 900 });
  if (!axe) return;
  const results = await new AxeBuilder({ page }).analyze();
  expect(
    results.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
    `axe on ${name}`,
  ).toEqual([]);
}

async function follow(page: Page, target: Locator): Promise<void> {
  await Promise.all([page.waitForNavigation(), target.click()]);
}

async function mainText(page: Page): Promise<string> {
  return ((await page.locator('main').textContent()) ?? '').replace(/\s+/g, ' ');
}

async function logIn(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  await page.goto('/login');
  await page.getByLabel('Email').fill('lin@example.com');
  await page.getByLabel('Password').fill(PASSWORD);
  await follow(page, page.getByRole('button', { name: 'Log in' }));
  return page;
}

async function createApplication(page: Page, name: string, description?: string): Promise<void> {
  await page.goto('/applications/new');
  await page.getByLabel('Name').fill(name);
  if (description) await page.getByLabel('Description (optional)').fill(description);
  await follow(page, page.getByRole('button', { name: 'Create application' }));
}

async function register(page: Page, api: string): Promise<void> {
  await page.getByLabel('API', { exact: true }).selectOption(api);
  await follow(page, page.getByRole('button', { name: 'Request registration' }));
}

describe.skipIf(!available)('the applications pages in Chromium', { timeout: 90_000 }, () => {
  let browser: Browser;
  let server: PortalServer;
  let admin: AdminManifests;

  beforeAll(async () => {
    browser = await launchChromium();
    server = await startPortal(MANIFEST, { listen: true });
    const registered = await fetch(`${server.url}/api/v1/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'lin@example.com', fullName: 'Lin', password: PASSWORD }),
    });
    expect(registered.status).toBe(201);
    await proveAddress(server.w, 'lin@example.com');
    admin = new AdminManifests(server.w, [
      { email: 'ada@example.com', fullName: 'Ada Lovelace' },
      { email: 'lin@example.com', fullName: 'Lin' },
    ]);
    admin.apply();
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('creates an application, registers it, gives it a credential, shows each status, deletes it', async () => {
    const context = await browser.newContext({ baseURL: server.url });
    const page = await logIn(context);
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      return dialog.accept();
    });

    await follow(page, page.getByRole('link', { name: 'Applications', exact: true }));
    expect(await mainText(page)).toContain('You have no applications yet.');
    await inspect(page, 'list-empty');

    await createApplication(page, 'Billing App');
    expect(await page.getByLabel('Name').getAttribute('aria-invalid')).toBe('true');
    await inspect(page, 'new-refused');

    await createApplication(page, 'billing', 'Charges our customers every month.');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Application “billing”');
    await page.getByText('About these APIs').click();
    expect(await mainText(page)).toContain('Charge cards and refunds. An administrator approves each registration.');
    await inspect(page, 'created');

    await register(page, 'payments');
    expect(await mainText(page)).toContain('The registration is requested');
    await register(page, 'weather');
    expect(await mainText(page)).toContain('The registration is approved');
    const rows = page.locator('table tbody tr');
    expect(await rows.count()).toBe(2);
    expect(await rows.filter({ hasText: 'payments' }).locator('.badge').textContent()).toBe('pending');
    expect(await rows.filter({ hasText: 'weather' }).locator('.badge').textContent()).toBe('approved');

    await follow(page, page.getByRole('link', { name: 'Create credential for billing' }));
    await inspect(page, 'credential-new');
    await page.getByText('API key (key-auth)', { exact: true }).click();
    await page.locator('#new-key-auth-name').fill('billing-prod');
    await follow(page, page.getByRole('button', { name: 'Create API key (key-auth) credential' }));
    const key = (await page.locator('#secret-key').textContent())!;
    expect(key.length).toBeGreaterThan(20);
    await inspect(page, 'secret');
    await follow(page, page.getByRole('link', { name: 'Done: back to application “billing”' }));
    expect(await page.content()).not.toContain(key);
    expect(await mainText(page)).toContain('key-auth “billing-prod”');
    await inspect(page, 'registered');

    await follow(page, page.getByRole('button', { name: 'Withdraw the registration to payments' }));
    expect(dialogs.at(-1)).toContain('Withdraw the registration to payments?');
    expect(await mainText(page)).toContain('The registration is withdrawn');
    expect(await rows.count()).toBe(1);

    await page.goto('/applications');
    await inspect(page, 'list');
    await follow(page, page.getByRole('link', { name: 'billing' }));
    const billing = page.url();
    await page.goto(`${billing}/delete`);
    expect(await mainText(page)).toContain('the credential key-auth “billing-prod”');
    await inspect(page, 'delete-confirm');
    await page.goto(billing);
    await follow(page, page.getByRole('button', { name: 'Delete billing' }));
    expect(dialogs.at(-1)).toBe(
      'Delete billing? Its 1 credential and 1 API registration are deleted with it. Services using its credentials lose access at once.',
    );
    expect(page.url()).toMatch(/\/applications\?done=deleted$/);
    expect(await mainText(page)).toContain('The application is deleted, with its credentials and registrations.');
    // The developer's own credentials stay apart from the application's, and point to them.
    await follow(page, page.getByRole('link', { name: 'Credentials', exact: true }));
    expect(await mainText(page)).not.toContain('billing-prod');
    await follow(page, page.getByRole('main').getByRole('link', { name: 'applications' }));
    expect(page.url()).toMatch(/\/applications$/);
    await page.goBack();
    await inspect(page, 'dashboard');
    await context.close();
  });

  it('shows a registration an administrator rejected, and leaves that application to the administrator', async () => {
    const context = await browser.newContext({ baseURL: server.url });
    const page = await logIn(context);
    await createApplication(page, LONG_NAME, 'The phone app.');
    await register(page, 'payments');
    await register(page, 'catalogue-search');
    // The administrator rejects one (declaring the application adopts it), then releases it.
    admin.developer('lin@example.com').applications = [
      `      - name: ${LONG_NAME}\n        registrations: [ { api: payments, status: rejected }, { api: catalogue-search, status: pending } ]\n`,
    ];
    admin.apply();
    admin.developer('lin@example.com').applications = [];
    admin.apply([`{ developer: lin@example.com, application: ${LONG_NAME}, keep: true }`]);
    await page.reload();
    const rejected = page.locator('table tbody tr').filter({ hasText: 'payments' });
    expect(await rejected.locator('.badge').textContent()).toBe('rejected');
    expect(await rejected.textContent()).toContain('Only an administrator can remove it.');
    expect(await rejected.getByRole('button').count()).toBe(0);
    expect(await page.getByRole('button', { name: /^Delete mobile-app/ }).count()).toBe(0);
    expect(await mainText(page)).toContain('Only an administrator can delete it');
    await inspect(page, 'held');
    await context.close();
  });

  it('asks on a page of its own, naming what goes, when JavaScript is off', async () => {
    const context = await browser.newContext({ baseURL: server.url, javaScriptEnabled: false });
    const page = await logIn(context);
    await createApplication(page, 'no-script');
    await register(page, 'weather');
    await follow(page, page.getByRole('button', { name: 'Delete no-script' }));
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Delete application “no-script”?');
    expect(await mainText(page)).toContain('the registration to weather (approved)');
    await inspect(page, 'delete-confirm-no-script', { axe: false });
    await follow(page, page.getByRole('button', { name: 'Delete no-script' }));
    expect(page.url()).toMatch(/\/applications\?done=deleted$/);
    await context.close();
  });
});
