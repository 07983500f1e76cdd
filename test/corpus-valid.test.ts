// The valid corpus: inputs that look odd but are right (a byte order mark, CRLF, unicode and
// mixed-case emails, values that look like SQL or shell, 10 MB strings, symbolic link loops between
// directories) validate, apply, are stored as written (emails in canonical form), and re-plan empty.
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listState } from '../src/index.js';
import { runCli, type AsyncRunResult } from './helpers/cli.js';
import { listCases, manifestArgs, prepareCase, type ValidCaseExpectation } from './helpers/corpus.js';

const CASES = listCases<ValidCaseExpectation & { absentFiles?: string[] }>('test/corpus-valid');
const CASE_TIMEOUT_MS = 180_000;

function describeRun(args: string[], result: AsyncRunResult): string {
  return `portalform ${args.join(' ')} → exit ${result.code}\n${result.stderr.slice(0, 2000)}`;
}

function byEmail<T extends { email?: unknown }>(developers: T[]): T[] {
  return [...developers].sort((a, b) => String(a.email).localeCompare(String(b.email)));
}

describe.concurrent('the valid corpus', () => {
  it.for(CASES)(
    '$name applies and is stored as written',
    { timeout: CASE_TIMEOUT_MS },
    async ({ dir, expected }, { expect }) => {
      const work = prepareCase(dir, expected);
      try {
        const state = join(work, 'portalform.db');
        const env = {
          PORTALFORM_STATE: state,
          PORTALFORM_STATE_KEY: 'corpus-valid-state-key-0123456789abcdef',
          ...expected.env,
        };
        for (const command of [['validate'], ['apply', '--auto-approve'], ['plan', '--detailed-exitcode']]) {
          const args = [...command, ...manifestArgs(expected)];
          const result = await runCli(args, { cwd: work, env });
          expect(result.code, describeRun(args, result)).toBe(0);
          if (expected.warning) expect(result.stderr).toContain(expected.warning);
        }
        const listing = await listState({ state });
        expect(listing.serial).toBe(1);
        expect(byEmail(listing.developers)).toMatchObject(byEmail(expected.developers));
        for (const file of expected.absentFiles ?? []) expect(existsSync(join(work, file)), file).toBe(false);
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
    },
  );
});

it('the valid corpus covers the required odd inputs', () => {
  const names = CASES.map((c) => c.name).join(' ');
  for (const required of [
    'byte-order-mark',
    'crlf',
    'unicode-emails',
    'mixed-case-email',
    'sql-looking',
    'shell-looking',
    'ten-mb',
  ]) {
    expect(names).toContain(required);
  }
});
