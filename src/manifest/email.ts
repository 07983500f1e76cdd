// What counts as an email address, for manifests and the portal's sign-ups alike: one rule, so an
// address the portal accepts is one a manifest may declare.
import { shown } from './files.js';

/**
 * One @, a local part without spaces, controls or invisible format characters (zero-width spaces,
 * bidirectional overrides), and a domain of at least two labels whose last is not all digits.
 */
export function isValidEmail(email: string): boolean {
  const parts = email.split('@');
  if (parts.length !== 2 || email.length > 254) return false;
  const [local, domain] = parts as [string, string];
  const localOk = /^[^\s\p{Cc}\p{Cf}"(),:;<>[\\\]]{1,64}$/u.test(local) && !/^\.|\.$|\.\./.test(local);
  const labels = domain.split('.');
  const labelOk = (label: string) => /^[\p{L}\p{N}\p{M}](?:[\p{L}\p{N}\p{M}-]{0,61}[\p{L}\p{N}\p{M}])?$/u.test(label);
  return localOk && labels.length >= 2 && labels.every(labelOk) && !/^\d+$/.test(labels[labels.length - 1]!);
}

export function badEmail(email: string): string {
  return `${JSON.stringify(shown(email))} is not a valid email address (expected one @, no spaces, and a domain with a dot, like ada@example.com)`;
}
