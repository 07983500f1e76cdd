// canonicalJson writes the sorted-key JSON in chunks, building no sorted copy; its text must stay
// byte for byte what JSON.stringify of a sorted copy gives, or the history's hashes would change.
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { canonicalJson } from '../src/history.js';

function reference(value: unknown): string {
  const sortKeysDeep = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sortKeysDeep)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, sortKeysDeep((v as Record<string, unknown>)[k])]),
          )
        : v;
  return JSON.stringify(sortKeysDeep(value));
}

it('writes the same text as JSON.stringify of a sorted copy', () => {
  const plainData = fc.anything({
    withBigInt: false,
    withBoxedValues: false,
    withDate: false,
    withMap: false,
    withSet: false,
    withNullPrototype: false,
    withObjectString: false,
    withSparseArray: false,
    withTypedArray: false,
  });
  fc.assert(
    fc.property(plainData, (value) => {
      const expected = reference(value);
      expect(canonicalJson(value)).toBe(expected);
    }),
    { numRuns: 2000 },
  );
});

it('orders array-index keys as an object would, and drops what JSON drops', () => {
  const odd = {
    b: 1,
    '10': 2,
    '9': [undefined, () => 1],
    a: undefined,
    'x y': { '0': 1, '01': 2, '4294967295': 3, '4294967294': 4 },
  };
  expect(canonicalJson(odd)).toBe(reference(odd));
  const big = { changes: Array.from({ length: 5000 }, (_, i) => ({ z: i, a: `value ${i}`, m: { y: null, x: [i] } })) };
  expect(canonicalJson(big)).toBe(reference(big));
});
