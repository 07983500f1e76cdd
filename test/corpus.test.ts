// The bad-input corpus: every case in test/corpus is refused by validate, plan and apply with
// exit 1, its located message, no stack trace, and the state left as it was.
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { apply, history, listState } from '../src/index.js';
import { runCli, type AsyncRunResult } from './helpers/cli.js';
import { listCases, manifestArgs, prepareCase, type BadCaseExpectation } from './helpers/corpus.js';

const CASES = listCases<BadCaseExpectation>('test/corpus');
const STACK_TRACE = /\n\s+at /;
/** One readable message: even a 10 MB value in the manifest must not be echoed whole. */
const MAX_STDERR = 16 * 1024;
/** Three CLI runs; the 10 MB cases parse 10 MB each time, on a machine that may be busy. */
const CASE_TIMEOUT_MS = 180_000;

/** What a user can see of a state: its listing and history, or that none exists. */
async function stateView(state: string): Promise<unknown> {
  if (!existsSync(state)) return null;
  return { listing: await listState({ state }), history: await history({ state }) };
}

/** True when some line of stderr is `location: error: …` carrying the expected fragment. */
function hasLocatedError(stderr: string, expected: BadCaseExpectation): boolean {
  const prefix = `${expected.location}: error: `;
  return stderr.split('\n').some((line) => line.startsWith(prefix) && line.includes(expected.message));
}

function describeRun(args: string[], result: AsyncRunResult): string {
  return `portalform ${args.join(' ')} → exit ${result.code}\n${result.stderr.slice(0, 2000)}`;
}

describe('the bad-input corpus', () => {
  it('holds at least 60 cases, each with a location and a message fragment', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(60);
    for (const { name, expected } of CASES) {
      expect(expected.location, name).toMatch(/^[^:]+:\d+:\d+$/);
      expect(expected.message.length, name).toBeGreaterThan(0);
    }
  });

  describe.concurrent('each case', () => {
    it.for(CASES)(
      '$name is refused with its located message, changing nothing',
      { timeout: CASE_TIMEOUT_MS },
      async ({ dir, expected }, { expect }) => {
        const work = prepareCase(dir, expected);
        try {
          const state = join(work, 'portalform.db');
          const env = { PORTALFORM_STATE: state, ...expected.env };
          if (expected.needsState) {
            await apply({ state, paths: ['seed.yaml'], cwd: work, env: { ...expected.env } });
            // The manifest alone is valid: only the stored state makes it wrong.
            const validated = await runCli(['validate', ...manifestArgs(expected)], { cwd: work, env });
            expect(validated.code, describeRun(['validate'], validated)).toBe(0);
          }
          const before = await stateView(state);
          const commands = [...(expected.needsState ? [] : [['validate']]), ['plan'], ['apply', '--auto-approve']];
          for (const command of commands) {
            const args = [...command, ...manifestArgs(expected)];
            const result = await runCli(args, { cwd: work, env });
            expect(result.code, describeRun(args, result)).toBe(1);
            expect(hasLocatedError(result.stderr, expected), describeRun(args, result)).toBe(true);
            expect(result.stderr).not.toMatch(STACK_TRACE);
            expect(result.stderr.length).toBeLessThan(MAX_STDERR);
            for (const secret of [
              ...Object.values(expected.env ?? {}).filter((value) => value.length >= 8),
              ...(expected.neverPrinted ?? []),
            ]) {
              expect(result.stdout + result.stderr, 'a secret value is never printed').not.toContain(secret);
            }
          }
          expect(await stateView(state)).toEqual(before);
        } finally {
          rmSync(work, { recursive: true, force: true });
        }
      },
    );
  });
});
