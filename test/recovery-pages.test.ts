// The recovery pages as a browser without JavaScript uses them, over real HTTP against
// `portalform serve`: "Forgot password?", the page a reset link opens (its form only while the
// link can be used), the strength refusal at the field, and the account page's pending address.
import { afterAll, expect, it } from 'vitest';
import { BACKENDS, dropTestSchemas } from './helpers/backends.js';
import { linkOf, NEW_PASSWORD, recoveryCase, verifiedSignUp, type RecoveryCase } from './helpers/recovery.js';

afterAll(dropTestSchemas);

/** A cookie jar and the CSRF fields of the last page: enough to send the pages' forms. */
function browser(c: RecoveryCase) {
  const cookies = new Map<string, string>();
  let last = '';
  const request = async (method: string, path: string, form?: Record<string, string>) => {
    const hidden: Record<string, string> = {};
    for (const name of ['_csrf', '_once']) {
      const value = new RegExp(`name="${name}" value="([^"]+)"`).exec(last)?.[1];
      if (value) hidden[name] = value;
    }
    const response = await fetch(c.url + path, {
      method,
      redirect: 'manual',
      headers: {
        cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; '),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(form ? { body: new URLSearchParams({ ...hidden, ...form }).toString() } : {}),
    });
    for (const header of response.headers.getSetCookie()) {
      const [pair] = header.split(';');
      const [name, value] = pair!.split('=');
      cookies.set(name!, value ?? '');
    }
    last = await response.text();
    return { status: response.status, body: last, location: response.headers.get('location') };
  };
  return {
    get: (path: string) => request('GET', path),
    post: (path: string, form: Record<string, string>) => request('POST', path, form),
  };
}

it('asks for the address behind "Forgot password?", says the same for any, and refuses a dead link up front', async () => {
  const c = await recoveryCase(BACKENDS[0]!, '  - { email: ada@example.com, fullName: Ada, status: approved }\n');
  await verifiedSignUp(c, 'sam@example.com');
  const page = browser(c);
  expect((await page.get('/login')).body).toContain('<a href="/password-reset">Forgot password?</a>');
  expect((await page.get('/password-reset')).body).toContain('Send me a link');
  const unknown = await page.post('/password-reset', { email: 'nobody@example.com' });
  await page.get('/password-reset');
  const known = await page.post('/password-reset', { email: 'sam@example.com' });
  for (const answer of [unknown, known]) {
    expect(answer.status).toBe(200);
    expect(answer.body).toContain('If an account exists for that address, we sent a link to it');
  }
  const [mail] = await c.deliver();
  const { token } = linkOf(mail!);

  const dead = await page.get('/password?token=not-a-live-token');
  expect(dead.status).toBe(410);
  expect(dead.body).toContain('This link can no longer be used');
  expect(dead.body).not.toContain('New password');
  await page.get(`/password?token=${token}`);
  const weak = await page.post('/password', { token, password: 'password1234' });
  expect(weak.status).toBe(400);
  expect(weak.body).toMatch(/<span class="error-text" id="f-password-error">is too easy to guess: [^<]*common/);
  const set = await page.post('/password', { token, password: NEW_PASSWORD });
  expect(set.body).toContain('Your password is set');

  await page.get('/login');
  expect((await page.post('/login', { email: 'sam@example.com', password: NEW_PASSWORD })).location).toBe('/dashboard');
  await page.get('/account');
  const changed = await page.post('/account/email', { email: 'sam2@example.com', password: NEW_PASSWORD });
  expect(changed.body).toContain('Check your new address');
  expect(changed.body).toMatch(/Waiting for confirmation: <strong>sam2@example.com<\/strong>/);
  expect(changed.body).toMatch(/value="sam@example.com"/);
  expect(c.logs()).not.toContain(token);
});
