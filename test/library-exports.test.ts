// The library entry gives what its documented functions take and return: this file type-checks
// (npm run typecheck) only while the types are exported from src/index.ts.
import { describe, expect, it } from 'vitest';
import * as portalform from '../src/index.js';
import type {
  ApplyOptions,
  ApplyResult,
  ExportFormat,
  HistoryListing,
  LoadResult,
  LockInfo,
  Plan,
  PlanOptions,
  RevealOptions,
  StateListing,
  StateOptions,
  StateSnapshot,
  VerifyResult,
} from '../src/index.js';

type Returns = [ApplyResult, HistoryListing, LoadResult, LockInfo, Plan, StateListing, StateSnapshot, VerifyResult];

describe('the library entry', () => {
  it('exports the documented functions with the option types they take', () => {
    const options: [StateOptions, PlanOptions, ApplyOptions, RevealOptions] = [
      {},
      { paths: [] },
      { secretsOut: 'x' },
      { actor: 'ada' },
    ];
    const format: ExportFormat = 'deck';
    const names = [
      'apply',
      'plan',
      'planWithState',
      'load',
      'makePlan',
      'forceUnlock',
      'exportState',
      'history',
      'listState',
      'readState',
      'verifyHistory',
      'revealSecret',
      'verifyCredential',
    ] as const;
    for (const name of names) expect(typeof (portalform as Record<string, unknown>)[name]).toBe('function');
    expect(options).toHaveLength(4);
    expect(format).toBe('deck');
    expect(([] as Returns[]).length).toBe(0);
  });
});
