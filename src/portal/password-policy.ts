// What a portal password must be (docs/portal-service.md, "Passwords"): at least 12 characters and
// a zxcvbn strength score of at least 3 of 4, given the account's email and name, so that neither
// a common password nor the address itself passes. Passwords set before this rule keep working:
// it is checked only when a password is set.
import type { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { passwordErrors } from './answers.js';
import type { FieldError } from './contract.js';

const MIN_SCORE = 3;

let estimator: Promise<ZxcvbnFactory> | null = null;

/** The estimator, made once and only when a password is first set: its dictionaries are large. */
function zxcvbn(): Promise<ZxcvbnFactory> {
  estimator ??= (async () => {
    const [core, common, en] = await Promise.all([
      import('@zxcvbn-ts/core'),
      import('@zxcvbn-ts/language-common'),
      import('@zxcvbn-ts/language-en'),
    ]);
    return new core.ZxcvbnFactory({
      dictionary: { ...common.dictionary, ...en.dictionary },
      graphs: common.adjacencyGraphs,
      translations: en.translations,
      // The estimate runs on the event loop, and its cost grows fast with length and look-alike
      // characters: it scores the first 64 characters (what follows can only add strength).
      maxLength: 64,
      l33tMaxSubstitutions: 10,
    });
  })();
  return estimator;
}

/** Why `password` may not be set for the account with these email and name; empty when it may. */
export async function passwordPolicyErrors(
  field: string,
  password: unknown,
  account: { email: string; fullName?: string },
): Promise<FieldError[]> {
  const basic = passwordErrors(field, password);
  if (basic.length > 0 || typeof password !== 'string') return basic;
  const inputs = [account.email, ...account.email.split('@'), ...(account.fullName ? [account.fullName] : [])];
  const result = (await zxcvbn()).check(password, inputs.filter(Boolean));
  if (result.score >= MIN_SCORE) return [];
  const why = [result.feedback.warning, ...result.feedback.suggestions].filter(Boolean).join(' ');
  return [{ field, message: `is too easy to guess${why ? `: ${why}` : ''}` }];
}
