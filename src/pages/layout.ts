import { html, type SafeHtml } from '../render/html-template.js';

export interface NavLink {
  href: string;
  label: string;
}

export interface LayoutOptions {
  title: string;
  body: SafeHtml;
  /** The links of the header's navigation; the current page's is marked. */
  nav?: NavLink[];
  current?: string;
  /** A sign-out button in the header, posting to this path with the CSRF token. */
  logout?: { action: string; csrfToken: string; label: string };
  brand?: NavLink;
}

/** The page around every body: one stylesheet, one script, no inline style or script. */
export function layout(options: LayoutOptions): string {
  const brand = options.brand ?? { href: '/', label: 'Developer portal' };
  const nav = options.nav ?? [];
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${options.title} · ${brand.label}</title>
<link rel="icon" href="/favicon.ico" type="image/svg+xml">
<link rel="stylesheet" href="/assets/portal.css"><script src="/assets/portal.js" defer></script></head>
<body><a class="skip" href="#main">Skip to content</a>
<header class="top"><a class="brand" href="${brand.href}">${brand.label}</a>
${nav.length > 0 ? html`<nav aria-label="Main"><ul>${nav.map((link) => navItem(link, options.current))}</ul></nav>` : ''}
${options.logout ? logoutForm(options.logout) : ''}
</header>
<main id="main">
<h1>${options.title}</h1>
${options.body}
</main></body></html>`.text;
}

function navItem(link: NavLink, current: string | undefined): SafeHtml {
  return html`<li><a href="${link.href}"${link.href === current ? html` aria-current="page"` : ''}>${link.label}</a></li>`;
}

function logoutForm(logout: NonNullable<LayoutOptions['logout']>): SafeHtml {
  const button = html`<button type="submit" class="secondary">${logout.label}</button>`;
  return html`<form method="post" action="${logout.action}">${csrfField(logout.csrfToken)}${button}</form>`;
}

export function csrfField(token: string): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${token}">`;
}

export type NoticeKind = 'info' | 'ok' | 'warn' | 'error';

export function notice(kind: NoticeKind, ...paragraphs: Array<string | SafeHtml>): SafeHtml {
  const role = kind === 'error' || kind === 'warn' ? 'alert' : 'status';
  return html`<div class="notice ${kind}" role="${role}">${paragraphs.map((p) => html`<p>${p}</p>`)}</div>`;
}
