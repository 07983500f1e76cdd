// The one form of an address in which it is stored, shown and compared (docs/manifests.md, "Emails"),
// a leaf module so that the store, the manifests, the CLI and the service all use this one function.
import { domainToASCII } from 'node:url';

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/**
 * The whole address in NFKC and lower case, then its domain in ASCII by UTS #46 non-transitional
 * processing, so that `JOSÉ@exämple.com`, its decomposed and full-width spellings and
 * `josé@xn--exmple-cua.com` are one address. A domain UTS #46 refuses is left as it is (and the
 * address is not valid).
 */
export function canonicalEmail(email: string): string {
  return canonicalForm(email).canonical;
}

/** Printable ASCII without an A-label: lower case is all UTS #46 would do to it. */
export function plainAscii(email: string): boolean {
  return PRINTABLE_ASCII.test(email) && !/xn--/i.test(email);
}

export function canonicalForm(email: string): { canonical: string; domainRefused: boolean } {
  if (plainAscii(email)) return { canonical: email.toLowerCase(), domainRefused: false };
  const folded = email.normalize('NFKC').toLowerCase();
  const at = folded.lastIndexOf('@');
  const domain = at < 0 ? '' : domainToASCII(folded.slice(at + 1));
  return domain === ''
    ? { canonical: folded, domainRefused: true }
    : { canonical: `${folded.slice(0, at)}@${domain}`, domainRefused: false };
}

/**
 * A search text as the stored addresses spell it: a whole address in canonical form, the start of
 * one (or of a name) in NFKC and lower case.
 */
export function canonicalSearch(text: string): string {
  const { canonical, domainRefused } = canonicalForm(text);
  return domainRefused ? text.normalize('NFKC').toLowerCase() : canonical;
}
