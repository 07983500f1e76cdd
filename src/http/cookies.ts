// The cookies the service sets: the session cookie of a login (shared by the JSON API and the
// pages, with the same attributes) and the anonymous CSRF cookie of a browser without a session.
import type { FastifyReply } from 'fastify';

export const SESSION_COOKIE = 'portalform_session';
export const CSRF_COOKIE = 'portalform_csrf';

export interface CookieSettings {
  /** Secure when the public URL is https. */
  secure: boolean;
}

export function cookieSettingsFor(publicUrl: string | undefined): CookieSettings {
  return { secure: publicUrl !== undefined && new URL(publicUrl).protocol === 'https:' };
}

export function setSessionCookie(
  reply: FastifyReply,
  token: string,
  expiresAt: string,
  settings: CookieSettings,
): void {
  reply.setCookie(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'strict',
    secure: settings.secure,
    path: '/',
    expires: new Date(expiresAt),
  });
}

export function clearSessionCookie(reply: FastifyReply, settings: CookieSettings): void {
  reply.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'strict', secure: settings.secure, path: '/' });
}

export function setCsrfCookie(reply: FastifyReply, secret: string, settings: CookieSettings): void {
  reply.setCookie(CSRF_COOKIE, secret, { httpOnly: true, sameSite: 'strict', secure: settings.secure, path: '/' });
}
