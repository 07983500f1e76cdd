// Small generic helpers (src/util/): strings and their escaping (this module), the canonical form
// of an email (canonical-email.ts), the characters names and identifiers refuse
// (refused-characters.ts), the redirect-URI rule (redirect-uri.ts), files and chunks.
import { onFirstUse } from './lazy.js';

/** Orders strings by UTF-16 code unit, the same on every machine whatever its locale or collation. */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** How many characters of a value a message shows; the rest is cut, and its length said. */
export const MESSAGE_VALUE_MAX = 80;

/**
 * Characters a message never prints as they are: controls (C0 with ESC, CR and LF; DEL; C1),
 * format characters (bidirectional controls, zero-width spaces and joiners, the BOM, tag
 * characters), line and paragraph separators, spaces other than the plain one, private-use and
 * other default-ignorable (invisible) characters, and lone surrogates. Any of them could move the
 * cursor, clear a screen, start a forged line in a CI log, or make one value look like another.
 */
const UNSAFE = onFirstUse(
  () =>
    /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Co}\p{Cs}\p{Default_Ignorable_Code_Point}\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]/gu,
);

const JSON_UNSAFE = onFirstUse(
  () =>
    /[\u007f-\u009f\p{Cf}\p{Zl}\p{Zp}\p{Co}\p{Cs}\p{Default_Ignorable_Code_Point}\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]/gu,
);

/** How a quoted value is delimited: not at all, in double quotes (JSON's escapes), or as `code`. */
export type QuoteStyle = 'bare' | 'double' | 'code';

/**
 * A value from a manifest, the state or the command line as any message shows it — the one way
 * every message of every output (text, Markdown, JSON) echoes such a value: every character of
 * UNSAFE escaped as `\u…` (`\n`, `\r` and `\t` as such), and a long value cut after `max`
 * characters with an ellipsis and its full length, e.g. `"aaaa…" (200000 characters)`.
 */
export function quoteForMessage(value: string, style: QuoteStyle = 'bare', max = MESSAGE_VALUE_MAX): string {
  const length = codePointCount(value);
  const cut = length > max ? `${sliceCodePoints(value, max)}…` : value;
  const escaped = escapeUnsafe(
    style === 'double' ? cut.replace(/[\\"]/g, '\\$&') : style === 'code' ? cut.replace(/`/g, '\\u0060') : cut,
  );
  const quoted = style === 'double' ? `"${escaped}"` : style === 'code' ? `\`${escaped}\`` : escaped;
  return length > max ? `${quoted} (${length} characters)` : quoted;
}

/**
 * Text that is already a message (a parser's, or one that holds an address) with UNSAFE
 * characters escaped as quoteForMessage does: the last guard before a terminal or a log.
 */
export function escapeForMessage(text: string): string {
  return escapeUnsafe(text);
}

/**
 * JSON text with every UNSAFE character written as a `\u` escape (JSON.stringify leaves C1,
 * bidirectional and invisible characters raw): the same value for a parser, nothing raw for a
 * terminal or a log that shows the JSON.
 */
export function escapeJsonText(json: string): string {
  // JSON.stringify escapes C0 controls inside strings itself; outside them, a newline is layout.
  const unsafe = JSON_UNSAFE();
  unsafe.lastIndex = 0;
  if (!unsafe.test(json)) return json;
  return json.replace(unsafe, (char) =>
    Array.from({ length: char.length }, (_, i) => `\\u${char.charCodeAt(i).toString(16).padStart(4, '0')}`).join(''),
  );
}

/** Whether the text holds a character a message would have to escape. */
export function hasUnsafeCharacter(text: string): boolean {
  const unsafe = UNSAFE();
  unsafe.lastIndex = 0;
  return unsafe.test(text);
}

function escapeUnsafe(text: string): string {
  const unsafe = UNSAFE();
  unsafe.lastIndex = 0;
  if (!unsafe.test(text)) return text;
  return text.replace(unsafe, (char) => {
    if (char === '\n') return '\\n';
    if (char === '\r') return '\\r';
    if (char === '\t') return '\\t';
    const code = char.codePointAt(0)!;
    return code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** The code point at `offset` in "U+200B" form, for a message that names a character. */
export function codePointName(text: string, offset = 0): string {
  return `U+${text.codePointAt(offset)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

function codePointCount(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    // A high surrogate followed by a low one is one character.
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    count++;
  }
  return count;
}

function sliceCodePoints(text: string, count: number): string {
  let end = 0;
  for (let n = 0; n < count && end < text.length; n++) {
    const unit = text.charCodeAt(end);
    const next = text.charCodeAt(end + 1);
    end += unit >= 0xd800 && unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff ? 2 : 1;
  }
  return text.slice(0, end);
}
