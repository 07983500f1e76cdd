// Issue 24's page points in Chromium: a reload after a rotation does not rotate again, the
// credential pages speak in labels and times (photographed), and no page asks for a missing icon.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchChromium } from './helpers/chromium.js';
import { PASSWORD, startPortal, type PortalServer } from './helpers/pages-server.js';
import { proveAddress } from './helpers/proof.js';

const available = chromiumAvailable('the credentials browser suite');
const SHOTS = mkdtempSync(join(tmpdir(), 'portalform-credential-screens-'));
const MANIFEST = 'developers:\n  - { email: ada@example.com, fullName: Ada Lovelace, status: approved }\n';
const APPROVED = `${MANIFEST}  - { email: lin@example.com, fullName: Lin, status: approved }\n`;

async function submit(page: Page, button: string): Promise<void> {
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: button }).click()]);
}

describe.skipIf(!available)('credential pages in Chromium', { timeout: 120_000 }, () => {
  let browser: Browser;
  let server: PortalServer;

  beforeAll(async () => {
    browser = await launchChromium();
    server = await startPortal(MANIFEST, { listen: true });
    const registered = await fetch(`${server.url}/api/v1/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'lin@example.com', fullName: 'Lin', password: PASSWORD }),
    });
    expect(registered.status).toBe(201);
    await proveAddress(server.w, 'lin@example.com'); // a plan adopts only a verified sign-up
    server.apply(APPROVED);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    console.info(`Screenshots of the credential pages: ${SHOTS}`);
  });

  it('rotates once however often the page is reloaded, in labels and times, without a missing icon', async () => {
    const context = await browser.newContext({ baseURL: server.url });
    const page = await context.newPage();
    const missing: string[] = [];
    page.on('response', (response) => {
      if (response.status() === 404) missing.push(response.url());
    });
    page.on('dialog', (dialog) => dialog.accept());

    await page.goto('/login');
    await page.getByLabel('Email').fill('lin@example.com');
    await page.getByLabel('Password').fill(PASSWORD);
    await submit(page, 'Log in');
    await page.goto('/credentials/new');
    await page.getByText('OAuth 2.0 client (oauth2)', { exact: true }).click();
    await page.locator('#new-oauth2-name').fill('Mobile app');
    await page.locator('#new-oauth2-redirectUris').fill('https://app.example.com/callback');
    await submit(page, 'Create OAuth 2.0 client (oauth2) credential');
    const created = (await page.locator('#secret-clientSecret').textContent())!;
    await page.getByRole('button', { name: 'Copy Client secret' }).waitFor();
    await page.screenshot({ path: join(SHOTS, 'secret.png'), fullPage: true });
    const text = (await page.locator('main').textContent()) ?? '';
    for (const raw of ['clientType', 'hashSecret', 'redirectUris', 'clientSecret']) expect(text).not.toContain(raw);
    expect(text).toMatch(/Client type\s*confidential/);
    expect(text).toMatch(/Created\s*\d{1,2} \w+ \d{4}(,| at) \d{2}:\d{2} UTC/);

    await page.goto('/dashboard');
    await page.screenshot({ path: join(SHOTS, 'dashboard.png'), fullPage: true });
    await submit(page, 'Rotate secret');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Your rotated credential');
    const rotated = (await page.locator('#secret-clientSecret').textContent())!;
    expect(rotated).not.toBe(created);

    await page.reload();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('This secret was shown once');
    expect(await page.content()).not.toContain(rotated);
    await page.goBack();
    await page.reload();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Your API credentials');

    // The rotate form sent twice with the browser's cookies, as a replayed POST: the second is refused.
    const action = (await page.locator('form[action$="/rotate"]').first().getAttribute('action'))!;
    const fields = await page.evaluate<Record<string, string>>(
      `Object.fromEntries(new FormData(document.querySelector('form[action$="/rotate"]')))`,
    );
    const form = { ...fields, confirm: 'yes' };
    const first = await context.request.post(action, { form, maxRedirects: 0 });
    const second = await context.request.post(action, { form, maxRedirects: 0 });
    const resent = { first: first.status(), second: second.status(), text: await second.text() };
    expect(resent.first).toBe(303);
    expect(resent.second).toBe(409);
    expect(resent.text).toContain('This form was already sent');
    await page.goto('/credentials/new');
    await page.getByText('JSON Web Token (jwt)', { exact: true }).click();
    await page.locator('#new-jwt-key').fill('issuer-without-key');
    await page.locator('#new-jwt-algorithm').selectOption('RS256');
    await submit(page, 'Create JSON Web Token (jwt) credential');
    await page.screenshot({ path: join(SHOTS, 'form-error.png'), fullPage: true });
    const refused = (await page.locator('main').textContent()) ?? '';
    expect(refused).not.toContain('fromFile');
    expect(refused.split('verifies tokens with a public key').length - 1).toBe(1);
    expect(missing).toEqual([]);
    await context.close();
  });
});
