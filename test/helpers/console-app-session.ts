// A console administrator over inject: signs in with the console token (CSRF and all), then
// fetches pages with the session cookie.
import type { LightMyRequestResponse } from 'fastify';
import { CONSOLE_TOKEN, type PortalServer } from './pages-server.js';

export interface ConsoleSession {
  get(url: string): Promise<LightMyRequestResponse>;
}

export async function consoleSession(server: PortalServer): Promise<ConsoleSession> {
  const cookies = new Map<string, string>();
  const remember = (response: LightMyRequestResponse) => {
    for (const cookie of response.cookies) cookies.set(cookie.name, cookie.value);
    return response;
  };
  const headers = () => ({ cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') });
  const get = async (url: string) => remember(await server.app.inject({ method: 'GET', url, headers: headers() }));
  const login = await get('/console/login');
  const csrf = /name="_csrf" value="([^"]+)"/.exec(login.body)?.[1];
  if (!csrf) throw new Error('no CSRF field on the console sign-in page');
  const signedIn = remember(
    await server.app.inject({
      method: 'POST',
      url: '/console/login',
      payload: new URLSearchParams({ _csrf: csrf, token: CONSOLE_TOKEN }).toString(),
      headers: { ...headers(), 'content-type': 'application/x-www-form-urlencoded' },
    }),
  );
  if (signedIn.statusCode !== 303) throw new Error(`console sign-in answered ${signedIn.statusCode}`);
  return { get };
}
