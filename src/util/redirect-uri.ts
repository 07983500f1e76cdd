// What an OAuth 2.0 redirect URI may be, for manifests and the service's credential input alike
// (docs/manifests.md): one rule, so the service accepts exactly what a manifest may declare.
// A redirect URI receives an authorization code: a script scheme (javascript:, data:, vbscript:),
// a local file or a plain-http host on the network would hand that code to whoever controls it.
import { quoteForMessage } from './strings.js';

/** Hosts where plain http stays on the developer's own machine (RFC 8252 §7.3). */
export const LOOPBACK_HOSTS: readonly string[] = ['127.0.0.1', '[::1]', 'localhost'];

const EXAMPLE = 'like https://app.example.com/callback';
const CONTROL = /[\u0000-\u001f\u007f-\u009f]|%(?:[01][0-9a-f]|7f)/i;
const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):(.*)$/s;

/** Why `uri` is not an acceptable redirect URI, or undefined when it is one. */
export function redirectUriProblem(uri: string): string | undefined {
  const shown = quoteForMessage(uri, 'double');
  if (CONTROL.test(uri)) return `redirect URI ${shown} holds a control character (raw or percent-encoded)`;
  if (uri.includes('#')) return `redirect URI ${shown} has a fragment (#...), which OAuth 2.0 forbids`;
  const scheme = SCHEME.exec(uri);
  if (!scheme || scheme[2] === '')
    return `redirect URI ${shown} is not an absolute URL; write it with a scheme and host, ${EXAMPLE}`;
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return `redirect URI ${shown} is not a valid URL; write it ${EXAMPLE}`;
  }
  const name = scheme[1]!.toLowerCase();
  if (name === 'https')
    return url.hostname === '' ? `redirect URI ${shown} has no host; write it ${EXAMPLE}` : undefined;
  if (name === 'http') {
    return LOOPBACK_HOSTS.includes(url.hostname)
      ? undefined
      : `redirect URI ${shown} uses http for a host that is not loopback; use https (http only for ${LOOPBACK_HOSTS.join(', ')})`;
  }
  if (name.includes('.') && /^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(name)) return undefined;
  return (
    `redirect URI ${shown} uses the scheme ${quoteForMessage(`${name}:`, 'double')}; allowed: https, ` +
    `http for a loopback host, or an app's private-use scheme named by a reverse domain (com.example.app:/callback)`
  );
}
