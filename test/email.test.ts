// The email rule (src/manifest/email.ts) has two forms: the full one with Unicode property classes,
// and one for printable ASCII that start-up takes because building those classes costs
// milliseconds. For every printable ASCII text they must give the same answer.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { asciiEmailProblem, isValidEmail, mixedScripts, unicodeEmailProblem } from '../src/manifest/email.js';

/** Printable ASCII, weighted towards the characters an address is made of and the ones it may not hold. */
const asciiChar = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...'abcxyzABCXYZ0189') },
  { weight: 3, arbitrary: fc.constantFrom(...'@.-_+') },
  { weight: 2, arbitrary: fc.constantFrom(...' "(),:;<>[\\]!#$%&\'*/=?^`{|}~') },
);
const asciiText = fc.array(asciiChar, { maxLength: 80 }).map((chars) => chars.join(''));
/** Shaped like an address (local@label.label…), so that most cases get past the first checks. */
const addressLike = fc
  .tuple(
    asciiText,
    fc.array(
      fc.array(asciiChar, { minLength: 0, maxLength: 70 }).map((c) => c.join('')),
      { minLength: 1, maxLength: 4 },
    ),
  )
  .map(([local, labels]) => `${local}@${labels.join('.')}`);

describe('the email rule', () => {
  it('gives the same answer in its ASCII form as in its Unicode form, for any printable ASCII text', () => {
    fc.assert(
      fc.property(fc.oneof(asciiText, addressLike), (text) => {
        expect(asciiEmailProblem(text)).toBe(unicodeEmailProblem(text));
      }),
      { numRuns: 20_000 },
    );
  });

  it('agrees on the edges: lengths, dots, hyphens, digits and the plain space', () => {
    const cases = [
      'ada@example.com',
      'a@b.c',
      `${'a'.repeat(64)}@example.com`,
      `${'a'.repeat(65)}@example.com`,
      `ada@${'a'.repeat(63)}.com`,
      `ada@${'a'.repeat(64)}.com`,
      `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`,
      `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(62)}`,
      '.ada@example.com',
      'ada.@example.com',
      'a..da@example.com',
      'ada@-example.com',
      'ada@example-.com',
      'ada@exa-mple.com',
      'ada@example.123',
      'ada@123.example',
      'ada lovelace@example.com',
      'ada@example .com',
      'ada@@example.com',
      'ada@example',
      '',
    ];
    for (const email of cases) expect(asciiEmailProblem(email), email).toBe(unicodeEmailProblem(email));
    expect(cases.filter(isValidEmail)).toEqual([
      'ada@example.com',
      'a@b.c',
      `${'a'.repeat(64)}@example.com`,
      `ada@${'a'.repeat(63)}.com`,
      `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`,
      'ada@exa-mple.com',
      'ada@123.example',
    ]);
  });

  it('still applies the full rule to any address that is not printable ASCII', () => {
    expect(isValidEmail('ada\u200b@example.com')).toBe(false);
    expect(isValidEmail('ada\t@example.com')).toBe(false);
    expect(isValidEmail('zoë@example.com')).toBe(true);
    expect(isValidEmail('ada@exämple.com')).toBe(true);
    expect(mixedScripts('ada@p\u0430ypal.com')).toEqual({ part: 'domain', scripts: ['Latin', 'Cyrillic'] });
    expect(mixedScripts('ada@paypal.com')).toBeUndefined();
  });
});
