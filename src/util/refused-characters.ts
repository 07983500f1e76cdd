// The characters no email, name or identifier may hold, wherever it enters (manifests, the service,
// the command line): ones that are invisible, or that change how the text around them shows, so
// that a value could pass for another or rewrite an admin's terminal (docs/manifests.md, "Refused
// characters"). One rule, so that what one entry point accepts no other refuses.
import { onFirstUse } from './lazy.js';
import { codePointName } from './strings.js';

/** An identifier (customId, a credential's identity), a name (fullName, an application's), or free text (meta values, descriptions, titles). */
export type TextKind = 'identifier' | 'name' | 'free';

/**
 * Controls, format characters (bidirectional controls, zero-width spaces and joiners, the BOM, tag
 * characters), line and paragraph separators, private-use characters, lone surrogates and the other
 * default-ignorable code points, variation selectors excepted (an emoji's presentation).
 */
const REFUSED = onFirstUse(
  () =>
    /(?![\ufe00-\ufe0f\u{e0100}-\u{e01ef}])[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]/gu,
);
const LETTER = onFirstUse(() => /[\p{L}\p{M}]/u);
const VARIATION_SELECTOR = /[\ufe00-\ufe0f\u{e0100}-\u{e01ef}]/u;

/** The first character of `text` that a value of this kind may not hold, with its offset; undefined when there is none. */
export function refusedCharacter(text: string, kind: TextKind): { char: string; index: number } | undefined {
  const refused = REFUSED();
  refused.lastIndex = 0;
  for (let match = refused.exec(text); match; match = refused.exec(text)) {
    const char = match[0];
    if (kind === 'free' && (char === '\t' || char === '\n')) continue;
    if (kind === 'name' && (char === '\u200c' || char === '\u200d') && joinsLetters(text, match.index)) continue;
    return { char, index: match.index };
  }
  if (kind === 'identifier') {
    const selector = VARIATION_SELECTOR.exec(text);
    if (selector) return { char: selector[0], index: selector.index };
  }
  return undefined;
}

/** ZWJ and ZWNJ between two letters (a letter's marks count as the letter), as IDNA's CONTEXTJ rules allow them. */
function joinsLetters(text: string, index: number): boolean {
  const before = text.codePointAt(index - 1);
  const after = text.codePointAt(index + 1);
  return (
    before !== undefined &&
    after !== undefined &&
    LETTER().test(String.fromCodePoint(before)) &&
    LETTER().test(String.fromCodePoint(after))
  );
}

/** Why a value of this kind is refused ("holds U+202E, …"), or undefined when it is not. */
export function refusedCharacterProblem(text: string, kind: TextKind): string | undefined {
  const found = refusedCharacter(text, kind);
  if (!found) return undefined;
  const allowed = kind === 'free' ? ' (tab and newline are allowed)' : '';
  return `holds ${codePointName(found.char)}, a control, bidirectional or invisible character${allowed}; remove it`;
}

/** Whether a stored value would be refused as input of this kind (export leaves such a value out). */
export function isRefusedText(text: string, kind: TextKind): boolean {
  return refusedCharacter(text, kind) !== undefined;
}
