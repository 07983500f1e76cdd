// The console's sign-in as an attacker meets it over real HTTP against `portalform serve`:
// sessions kept in the state (sign-out and a removed token end them on every instance), failed
// tokens throttled per address across instances, and a short token keeping the console closed.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { BACKENDS, dropTestSchemas } from './helpers/backends.js';
import { appliedWorkspace, PageClient, startServe, type ServeProcess } from './helpers/serve-process.js';

afterAll(dropTestSchemas);

const TOKEN_A = 'console-token-a-SENTINEL-0123456789abcdef';
const TOKEN_B = 'console-token-b-0123456789abcdef-0123456789';

const running: ServeProcess[] = [];
afterEach(async () => {
  for (const server of running.splice(0)) await server.stop();
});

async function serve(...args: Parameters<typeof startServe>): Promise<ServeProcess> {
  const server = await startServe(...args);
  running.push(server);
  return server;
}

const env = (...tokens: string[]) => ({ PORTALFORM_CONSOLE_TOKEN: tokens.join(',') });

describe.each(BACKENDS)('console sessions on $name', (backend) => {
  it('sign-out ends the session on every instance, and the old cookie opens nothing', async () => {
    const ws = appliedWorkspace(backend.newState());
    const [one, two] = [await serve(ws, env(TOKEN_A)), await serve(ws, env(TOKEN_A))];
    const admin = new PageClient(one.url);
    const signIn = await admin.signIn(TOKEN_A);
    expect(signIn.status).toBe(303);
    const cookie = admin.cookies.get('portalform_console')!;
    expect(cookie).toMatch(/^[\w-]{43}$/);
    expect((await admin.get('/console/developers')).status).toBe(200);
    const elsewhere = new PageClient(two.url);
    elsewhere.cookies.set('portalform_console', cookie);
    expect((await elsewhere.get('/console/developers')).status).toBe(200);

    expect((await admin.post('/console/logout', {})).status).toBe(303);
    expect(admin.cookies.has('portalform_console')).toBe(false);
    for (const url of [one.url, two.url]) {
      const thief = new PageClient(url);
      thief.cookies.set('portalform_console', cookie);
      const page = await thief.get('/console/developers');
      expect(page.status, url).toBe(303);
      expect(page.headers.get('location')).toBe('/console/login');
    }
  });

  it('a token taken out of the configuration ends the sessions it opened, not the others', async () => {
    const ws = appliedWorkspace(backend.newState());
    const before = await serve(ws, env(TOKEN_A, TOKEN_B));
    const [byA, byB] = [new PageClient(before.url), new PageClient(before.url)];
    expect((await byA.signIn(TOKEN_A)).status).toBe(303);
    expect((await byB.signIn(TOKEN_B)).status).toBe(303);
    await before.stop();

    const after = await serve(ws, env(TOKEN_B));
    byA.url = after.url;
    byB.url = after.url;
    expect((await byA.get('/console/developers')).status).toBe(303);
    expect((await byB.get('/console/developers')).status).toBe(200);
    expect((await new PageClient(after.url).signIn(TOKEN_A)).status).toBe(401);
  });

  it('throttles wrong tokens per client address across instances: the 11th is a 429 with Retry-After', async () => {
    const ws = appliedWorkspace(backend.newState());
    const [one, two] = [await serve(ws, env(TOKEN_A)), await serve(ws, env(TOKEN_A))];
    for (let i = 0; i < 10; i++) {
      const client = new PageClient(i % 2 === 0 ? one.url : two.url);
      expect((await client.signIn(`wrong-guess-${i}`)).status).toBe(401);
    }
    const eleventh = await new PageClient(two.url).signIn('wrong-guess-10');
    expect(eleventh.status).toBe(429);
    expect(Number(eleventh.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await eleventh.text()).toContain('Too many failed sign-ins');
    // Even the right token waits: the guesses are not told apart from it.
    expect((await new PageClient(one.url).signIn(TOKEN_A)).status).toBe(429);
  });
});

describe('a console without a strong token', () => {
  it.each([
    ['a short token', env('short-SENTINEL-token'), /shorter than 32 characters/],
    ['a long and a short token', env(TOKEN_A, 'short-SENTINEL-token'), /shorter than 32 characters/],
    ['no token', {}, /no console token is configured/],
  ])('stays closed with %s: 503 saying why, serve warns and runs on', async (_name, settings, why) => {
    const ws = appliedWorkspace();
    const server = await serve(ws, settings);
    expect(server.stderr()).toMatch(/warning: the console at \/console is closed/);
    expect(server.stderr()).toMatch(why);
    expect(server.stderr()).not.toContain('SENTINEL');
    const client = new PageClient(server.url);
    for (const path of ['/console', '/console/login', '/console/developers']) {
      const page = await client.get(path);
      expect(page.status, path).toBe(503);
      expect(await page.text()).toMatch(why);
    }
    // The closed page has no form; a sign-in sent anyway opens nothing.
    const forced = await client.post('/console/login', { token: 'short-SENTINEL-token' });
    expect([403, 503]).toContain(forced.status);
    expect(client.cookies.has('portalform_console')).toBe(false);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});
