// What counts as an email address, for manifests and the portal's sign-ups alike: one rule, so an
// address the portal accepts is one a manifest may declare. And its canonical form, in which every
// address is stored, shown and compared (docs/manifests.md, "Emails").
import { canonicalForm, plainAscii } from '../util/canonical-email.js';
import { onFirstUse } from '../util/lazy.js';
import { codePointName, quoteForMessage } from '../util/strings.js';

/**
 * Characters no address may hold, because they are invisible or change how the text around them
 * shows: controls, format characters (zero-width spaces and joiners, bidirectional controls, the
 * BOM), other default-ignorable characters (Hangul fillers, variation selectors), separators and
 * every space but the plain one (refused as a space), private-use characters and lone surrogates. With one of them, an address can render
 * exactly like another developer's.
 */
const INVISIBLE = onFirstUse(() => /(?! )[\s\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Z}\p{Default_Ignorable_Code_Point}\u2800]/u);

/**
 * One @, a local part without spaces, controls or invisible characters, and a domain of at least
 * two labels whose last is not all digits.
 */
export function isValidEmail(email: string): boolean {
  return emailProblem(email) === undefined;
}

export function badEmail(email: string): string {
  const problem = emailProblem(email);
  const why = problem?.startsWith('it holds')
    ? problem
    : 'expected one @, no spaces, and a domain with a dot, like ada@example.com';
  return `${quoteForMessage(email, 'double')} is not a valid email address (${why})`;
}

/** What an address's parts may be made of; the ASCII form is the Unicode one restricted to printable ASCII. */
interface EmailShape {
  local: RegExp;
  label: RegExp;
}

/**
 * An address of printable ASCII, the common case, is checked without the Unicode property classes,
 * which take a start-up milliseconds to build. For such text the rule is the same: no printable
 * ASCII character is invisible (the plain space fails the shape), none is a control or format
 * character, and its letters, digits and marks are [A-Za-z0-9]. test/email.test.ts holds the two to
 * the same answers.
 */
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

export { canonicalEmail } from '../util/canonical-email.js';
const ASCII_SHAPE: EmailShape = {
  local: /^[^\s"(),:;<>[\\\]]{1,64}$/,
  label: /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/,
};
const UNICODE_SHAPE = onFirstUse<EmailShape>(() => ({
  local: /^[^\s\p{Cc}\p{Cf}"(),:;<>[\\\]]{1,64}$/u,
  label: /^[\p{L}\p{N}\p{M}](?:[\p{L}\p{N}\p{M}-]{0,61}[\p{L}\p{N}\p{M}])?$/u,
}));

/** What is wrong with the address as given: invisible characters in it as typed, or the shape of its canonical form. */
function emailProblem(email: string): string | undefined {
  if (plainAscii(email)) return asciiEmailProblem(email);
  const invisible = INVISIBLE().exec(email);
  if (invisible) return invisibleProblem(invisible[0]);
  const { canonical, domainRefused } = canonicalForm(email);
  if (domainRefused) return 'shape';
  return PRINTABLE_ASCII.test(canonical) ? asciiEmailProblem(canonical) : unicodeEmailProblem(canonical);
}

function invisibleProblem(char: string): string {
  return `it holds ${codePointName(char)}, an invisible or control character, with which an address can look like another one; type it again`;
}

/** The full rule, for any address (the test compares it with the ASCII form). */
export function unicodeEmailProblem(email: string): string | undefined {
  const invisible = INVISIBLE().exec(email);
  if (invisible) return invisibleProblem(invisible[0]);
  return shapeProblem(email, UNICODE_SHAPE());
}

/** Exported for the test that holds the ASCII form to the Unicode one. */
export function asciiEmailProblem(email: string): string | undefined {
  return shapeProblem(email, ASCII_SHAPE);
}

function shapeProblem(email: string, shape: EmailShape): 'shape' | undefined {
  const parts = email.split('@');
  if (parts.length !== 2 || email.length > 254) return 'shape';
  const [local, domain] = parts as [string, string];
  const localOk = shape.local.test(local) && !/^\.|\.$|\.\./.test(local);
  const labels = domain.split('.');
  return localOk &&
    labels.length >= 2 &&
    labels.every((label) => shape.label.test(label)) &&
    !/^\d+$/.test(labels[labels.length - 1]!)
    ? undefined
    : 'shape';
}

/** Scripts whose letters look like Latin ones, or like each other's; any other script counts as itself. */
const SCRIPTS = [
  'Latin',
  'Cyrillic',
  'Greek',
  'Armenian',
  'Cherokee',
  'Georgian',
  'Han',
  'Hiragana',
  'Katakana',
  'Hangul',
  'Bopomofo',
  'Arabic',
  'Hebrew',
] as const;
const SCRIPT_PATTERNS = onFirstUse(() =>
  SCRIPTS.map((script) => [script, new RegExp(`\\p{Script=${script}}`, 'u')] as const),
);
/** Mixes that are one writing system (UTS #39's "highly restrictive" level): Japanese, Chinese, Korean, each with Latin. */
const ONE_WRITING_SYSTEM = [
  new Set(['Latin', 'Han', 'Hiragana', 'Katakana']),
  new Set(['Latin', 'Han', 'Bopomofo']),
  new Set(['Latin', 'Han', 'Hangul']),
];

/**
 * The scripts of the part of a valid address (local part or domain) whose letters mix scripts
 * that do not belong together, like Latin and Cyrillic (`pаypal.com` with a Cyrillic а): such an
 * address can pass for another one. Undefined when neither part mixes. A warning, not an error:
 * a real address may do it.
 */
export function mixedScripts(email: string): { part: 'local part' | 'domain'; scripts: string[] } | undefined {
  if (PRINTABLE_ASCII.test(email)) return undefined; // Latin letters only
  const [local = '', domain = ''] = email.split('@');
  for (const [part, text] of [
    ['local part', local],
    ['domain', domain],
  ] as const) {
    const scripts = new Set<string>();
    for (const char of text) {
      if (!/\p{L}/u.test(char)) continue;
      scripts.add(SCRIPT_PATTERNS().find(([, pattern]) => pattern.test(char))?.[0] ?? 'another script');
    }
    if (scripts.size > 1 && !ONE_WRITING_SYSTEM.some((system) => [...scripts].every((script) => system.has(script)))) {
      return { part, scripts: [...scripts] };
    }
  }
  return undefined;
}

/** The warning for an address that mixes scripts, if it does. */
export function mixedScriptsWarning(email: string): string | undefined {
  const mixed = mixedScripts(email);
  if (!mixed) return undefined;
  const scripts = `${mixed.scripts.slice(0, -1).join(', ')} and ${mixed.scripts.at(-1)}`;
  return (
    `email ${quoteForMessage(email, 'double')} mixes ${scripts} letters in its ${mixed.part}, so it can pass ` +
    `for another address; check that it is the one you mean`
  );
}
