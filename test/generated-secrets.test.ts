// Generated secrets are what a developer authenticates with: every character must be equally likely.
import { describe, expect, it } from 'vitest';
import { generateSecretValue } from '../src/secrets/vault.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

describe('generated secret values', () => {
  it('have the asked length and only characters every Kong plugin accepts', () => {
    for (const length of [1, 7, 32, 40, 200]) {
      const value = generateSecretValue(length);
      expect(value).toHaveLength(length);
      expect(value).toMatch(/^[A-Za-z0-9]+$/);
    }
  });

  it('draw every character of the alphabet with the same probability', () => {
    const counts = new Map<string, number>();
    const samples = 5000;
    for (let i = 0; i < samples; i++) for (const c of generateSecretValue(40)) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual([...ALPHABET].sort());
    // Chi-square with 61 degrees of freedom: above 120 happens by chance about once in 100,000 runs;
    // a modulo bias (the first 8 characters drawn 5/4 as often) gives about 2,000.
    const expected = (samples * 40) / ALPHABET.length;
    const chiSquare = [...counts.values()].reduce((sum, n) => sum + (n - expected) ** 2 / expected, 0);
    expect(chiSquare).toBeLessThan(120);
  });

  it('do not repeat', () => {
    const values = new Set(Array.from({ length: 10_000 }, () => generateSecretValue()));
    expect(values.size).toBe(10_000);
  });
});
