// The pages in a real browser: Debian's Chromium driven by playwright-core, every page checked with
// axe-core and photographed at 1280 and 360 px. Without Chromium the suite skips, loudly; under
// CI=true it must run.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, Locator, Page } from 'playwright-core';
import { chromiumAvailable, launchChromium } from './helpers/chromium.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_TOKEN, PASSWORD, startPortal, type PortalServer } from './helpers/pages-server.js';
import { proveAddress } from './helpers/proof.js';
import { mailedVerifyToken } from './helpers/verification.js';

const available = chromiumAvailable('the browser suite');

const SHOTS = mkdtempSync(join(tmpdir(), 'portalform-screens-'));
const WIDTHS = [1280, 360] as const;

const MANIFEST = [
  'developers:',
  '  - { email: ada@example.com, fullName: Ada Lovelace, status: approved, credentials: [ { type: acl, group: partners } ] }',
  '  - { email: bob@example.com, fullName: Bob Builder, status: approved }',
  '',
].join('\n');
const APPROVED = `${MANIFEST}  - { email: new@example.com, fullName: New Developer, status: approved }\n`;

async function photograph(page: Page, name: string): Promise<void> {
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: join(SHOTS, `${name}-${width}.png`), fullPage: true });
  }
}

/** Checks the page with axe (no serious or critical violation), that nothing overflows at 360 px, and photographs it at both widths. */
async function inspect(page: Page, name: string): Promise<void> {
  await photograph(page, name);
  const overflow = await page.evaluate<number>(
    'document.documentElement.scrollWidth - document.documentElement.clientWidth',
  );
  expect(overflow, `${name} is wider than 360 px`).toBeLessThanOrEqual(0);
  await page.setViewportSize({ width: 1280, height: 900 });
  const results = await new AxeBuilder({ page }).analyze();
  const grave = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(
    grave.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
    `axe on ${name}`,
  ).toEqual([]);
}

/** Clicks and waits for the page it leads to. */
async function follow(page: Page, target: Locator): Promise<void> {
  await Promise.all([page.waitForNavigation(), target.click()]);
}

async function textOf(target: Locator): Promise<string> {
  await target.first().waitFor();
  return (await target.first().textContent())?.trim() ?? '';
}

async function visible(target: Locator): Promise<void> {
  await target.first().waitFor({ state: 'visible' });
}

/** Waits until `count()` of the locator is `n`. */
async function countOf(page: Page, target: Locator, n: number): Promise<void> {
  for (let i = 0; i < 50 && (await target.count()) !== n; i++) await page.waitForTimeout(100);
  expect(await target.count()).toBe(n);
}

describe.skipIf(!available)('pages in Chromium', { timeout: 240_000 }, () => {
  let browser: Browser;
  let server: PortalServer;

  beforeAll(async () => {
    browser = await launchChromium();
    server = await startPortal(MANIFEST, { listen: true });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    console.info(`Screenshots of every page at 1280 and 360 px: ${SHOTS}`);
  });

  it('signs up, waits for approval by an apply, logs in, creates a credential, sees the secret once, deletes it, deletes the account', async () => {
    const context = await browser.newContext({ baseURL: server.url });
    const page = await context.newPage();
    const dialogs: string[] = [];
    page.on('dialog', async (dialog) => {
      dialogs.push(dialog.message());
      await dialog.accept();
    });

    await page.goto('/');
    await inspect(page, 'home');
    await follow(page, page.getByRole('link', { name: 'Sign up' }).first());
    await inspect(page, 'signup');
    await page.getByLabel('Full name').fill('New Developer');
    await page.getByLabel('Email').fill('new@example.com');
    await page.getByLabel('Password').fill(PASSWORD);
    await follow(page, page.getByRole('button', { name: 'Sign up' }));
    expect(await textOf(page.getByRole('heading', { level: 1 }))).toBe('Check your mail');
    expect(await textOf(page.getByRole('status'))).toMatch(/waits for approval/);
    await inspect(page, 'signup-pending');

    await page.goto('/login');
    await inspect(page, 'login');
    await page.getByLabel('Email').fill('new@example.com');
    await page.getByLabel('Password').fill(PASSWORD);
    await follow(page, page.getByRole('button', { name: 'Log in' }));
    // Not verified yet: told to use the mailed link, and offered to have it sent again.
    expect(await page.getByRole('alert').textContent()).toMatch(/use the link we mailed you/);
    await visible(page.getByRole('button', { name: 'Resend the verification mail' }));
    await inspect(page, 'login-unverified');
    const token = await mailedVerifyToken(server.w.state, server.w.dir, 'new@example.com');
    await page.goto(`/verify?token=${token}`);
    await inspect(page, 'verify');
    await page.getByLabel('Password').fill(PASSWORD);
    await follow(page, page.getByRole('button', { name: 'Confirm my address' }));
    expect(await textOf(page.getByRole('heading', { level: 1 }))).toBe('Your address is confirmed');
    await page.goto('/login');
    await page.getByLabel('Email').fill('new@example.com');
    await page.getByLabel('Password').fill(PASSWORD);
    await follow(page, page.getByRole('button', { name: 'Log in' }));
    expect(await page.getByRole('alert').textContent()).toMatch(/waiting for approval/);
    await inspect(page, 'login-pending');

    await proveAddress(server.w, 'new@example.com'); // a plan adopts only a verified sign-up
    server.apply(APPROVED);
    await page.getByLabel('Password').fill(PASSWORD);
    await follow(page, page.getByRole('button', { name: 'Log in' }));
    await page.waitForURL('**/dashboard');
    await inspect(page, 'dashboard-empty');

    await follow(page, page.getByRole('link', { name: 'Create API credential' }));
    await inspect(page, 'credential-new');
    await page.getByText('API key (key-auth)', { exact: true }).click();
    await page.locator('#new-key-auth-name').fill('ci');
    await follow(page, page.getByRole('button', { name: 'Create API key (key-auth) credential' }));
    expect(await textOf(page.getByRole('heading', { level: 1 }))).toBe('Your new credential');
    const secret = (await page.locator('#secret-key').textContent())!;
    expect(secret.length).toBeGreaterThanOrEqual(20);
    await context.grantPermissions(['clipboard-read', 'clipboard-write']);
    await page.getByRole('button', { name: 'Copy API key' }).click();
    await visible(page.getByRole('button', { name: 'Copied' }));
    expect(await page.evaluate<string>('navigator.clipboard.readText()')).toBe(secret);
    await inspect(page, 'credential-secret');

    await follow(page, page.getByRole('link', { name: 'Done: back to your credentials' }));
    expect(await page.content()).not.toContain(secret);
    await inspect(page, 'dashboard');
    await follow(page, page.getByRole('link', { name: 'Edit' }));
    await inspect(page, 'credential-edit');
    await page.goBack();
    const deleteAction = (await page.locator('form[data-confirm]:has(button.danger)').first().getAttribute('action'))!;
    await page.goto(deleteAction);
    await inspect(page, 'credential-delete-confirm');
    await page.goto('/password?token=an-invite-token');
    await inspect(page, 'password-from-invite');
    await page.goto('/dashboard');

    await follow(page, page.getByRole('button', { name: 'Delete' }));
    expect(await textOf(page.getByRole('status'))).toContain('The credential is deleted');
    expect(dialogs.at(-1)).toMatch(/lose access/);
    await visible(page.getByText('You have no credentials yet.'));

    await follow(page, page.getByRole('link', { name: 'Account settings' }));
    await inspect(page, 'account');
    await page.locator('#delete-password').fill(PASSWORD);
    await follow(page, page.getByRole('button', { name: 'Delete my account' }));
    expect(dialogs.at(-1)).toMatch(/revoked immediately and every credential is deleted/);
    expect(await textOf(page.getByRole('heading', { level: 1 }))).toBe('Your account is deleted');
    await inspect(page, 'account-deleted');
    await context.close();
  });

  it('confirms a delete on a page of its own when JavaScript is off', async () => {
    const context = await browser.newContext({ baseURL: server.url, javaScriptEnabled: false });
    const page = await context.newPage();
    const invite = server.w.run(['invite', 'developer["bob@example.com"]', '--public-url', server.url, '--json']);
    expect(invite.code, invite.stderr).toBe(0);
    await page.goto(JSON.parse(invite.stdout).url);
    await photograph(page, 'password-from-invite');
    await page.getByLabel('New password').fill(PASSWORD);
    await follow(page, page.getByRole('button', { name: 'Set my password' }));
    await page.getByLabel('Email').fill('bob@example.com');
    await page.getByLabel('Password').fill(PASSWORD);
    await follow(page, page.getByRole('button', { name: 'Log in' }));
    await page.waitForURL('**/dashboard');
    await page.goto('/credentials/new');
    await page.getByText('OAuth 2.0 client (oauth2)', { exact: true }).click();
    await page.locator('#new-oauth2-name').fill('bob-app');
    await page.locator('#new-oauth2-redirectUris').fill('https://bob.example.com/callback');
    await follow(page, page.getByRole('button', { name: 'Create OAuth 2.0 client (oauth2) credential' }));
    await visible(page.locator('#secret-clientSecret'));
    expect(await page.getByRole('button', { name: /^Copy/ }).count()).toBe(0);
    await page.goto('/dashboard');
    await follow(page, page.getByRole('button', { name: 'Delete' }));
    expect(await textOf(page.getByRole('heading', { level: 1 }))).toMatch(/^Delete oauth2 “bob-app”\?$/);
    expect(await textOf(page.getByRole('alert'))).toContain(
      'Applications and services using this credential lose access',
    );
    await photograph(page, 'credential-delete-confirm');
    await follow(page, page.getByRole('button', { name: 'Delete credential' }));
    await visible(page.getByText('You have no credentials yet.'));
    await context.close();
  });

  it('goes through the console: sign-in, access requests, developers, one developer, history, chart', async () => {
    await browserSignUp('zoe@example.com', 'Zoe Pending');
    await proveAddress(server.w, 'zoe@example.com'); // an access request once verified
    const context = await browser.newContext({ baseURL: server.url });
    const page = await context.newPage();
    await page.goto('/console');
    await page.waitForURL('**/console/login');
    await inspect(page, 'console-login');
    await page.getByLabel('Console token').fill(CONSOLE_TOKEN);
    await follow(page, page.getByRole('button', { name: 'Sign in' }));
    await page.waitForURL('**/console/requests');
    await visible(page.getByRole('heading', { name: 'zoe@example.com' }));
    await visible(page.getByRole('button', { name: 'Copy entry for zoe@example.com' }));
    await inspect(page, 'console-requests');
    // A sign-up that has not verified its address is listed apart, with no entry to approve it.
    await browserSignUp('yan@example.com', 'Yan Unverified');
    await page.goto('/console/requests');
    await visible(page.getByRole('heading', { name: '1 unverified sign-up' }));
    await countOf(page, page.getByRole('button', { name: 'Copy entry for yan@example.com' }), 0);
    await inspect(page, 'console-requests-unverified');

    await follow(page, page.getByRole('link', { name: 'Developers' }));
    await page.getByLabel('Search by email or name').fill('ada');
    await follow(page, page.getByRole('button', { name: 'Search developers' }));
    await visible(page.getByRole('link', { name: 'ada@example.com' }));
    await countOf(page, page.getByRole('link', { name: 'bob@example.com' }), 0);
    await inspect(page, 'console-developers');
    await follow(page, page.getByRole('link', { name: 'ada@example.com' }));
    await visible(page.getByRole('cell', { name: 'partners' }).first());
    await inspect(page, 'console-developer');

    await follow(page, page.getByRole('link', { name: 'History' }));
    await visible(page.getByText('Applies: verified'));
    await visible(page.getByText(/Other events.*: verified/));
    await inspect(page, 'console-history');
    await follow(page, page.getByRole('link', { name: 'Chart' }));
    await countOf(page, page.locator('svg.chart-wide polyline, svg.chart-wide circle'), 4);
    await inspect(page, 'console-chart');
    await context.close();
  });

  async function browserSignUp(email: string, fullName: string): Promise<void> {
    const context = await browser.newContext({ baseURL: server.url });
    const page = await context.newPage();
    await page.goto('/signup');
    await page.getByLabel('Full name').fill(fullName);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await follow(page, page.getByRole('button', { name: 'Sign up' }));
    expect(await textOf(page.getByRole('heading', { level: 1 }))).toBe('Check your mail');
    await context.close();
  }

  it('opens an HTML plan offline: no request leaves, the filter box hides the developers that do not match', async () => {
    server.w.write(
      'portal/developers.yaml',
      'version: 1\ndevelopers:\n  - { email: ada@example.com, fullName: Ada Lovelace, status: revoked }\n  - { email: carol@example.com, fullName: "<img src=x onerror=alert(1)>", status: approved }\n  - { email: dan@example.com, fullName: Dan, status: pending }\n',
    );
    const plan = server.w.run(['plan', 'portal', '--format', 'html']);
    expect(plan.code, plan.stderr).toBe(0);
    const file = join(SHOTS, 'plan.html');
    writeFileSync(file, plan.stdout);
    const context = await browser.newContext();
    const page = await context.newPage();
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    await context.route('**', (route) => {
      if (route.request().url() === `file://${file}`) return route.continue();
      requests.push(`routed ${route.request().url()}`);
      return route.abort();
    });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
    await page.goto(`file://${file}`);
    await visible(page.getByRole('heading', { name: /Warning: this plan deletes \d+ objects?, revokes 1 developer/ }));
    await inspect(page, 'plan-html');
    // ada, bob (deleted), carol, dan, and new@ — who deleted their account above: the plan clears
    // that tombstone now that no manifest declares the email.
    const sections = page.locator('details.developer');
    await countOf(page, sections, 5);
    expect(await textOf(sections.filter({ hasText: 'new@example.com' }).locator('summary'))).toContain('update');
    await sections.filter({ hasText: 'dan@example.com' }).locator('summary').click();
    await visible(sections.filter({ hasText: 'dan@example.com' }).locator('pre'));
    await page.getByLabel('Filter developers by email or name').fill('car');
    await countOf(page, page.locator('details.developer:visible'), 1);
    expect(await textOf(page.locator('details.developer:visible summary'))).toContain('carol@example.com');
    expect(await textOf(page.getByRole('status'))).toBe('1 of 5 developers shown');
    await page.getByLabel('Filter developers by email or name').fill('');
    await countOf(page, page.locator('details.developer:visible'), 5);
    expect(requests.filter((url) => url !== `file://${file}`)).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });
});
