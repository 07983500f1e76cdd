// The test suites in three tiers (CONTRIBUTING.md, "Test tiers"), each runnable alone
// (`npm run test:unit`, `test:integration`, `test:scale`); `npm test` runs all three.
//   unit: pure modules, in process — no state, no CLI process, no service, no browser.
//   scale: large seedings, the bench smokes, crashes and SIGKILLs, a full disk, property runs.
//   integration: everything else (real SQLite and PostgreSQL states, CLI processes, the service,
//   Chromium). A new test file lands here unless it is listed in one of the other two.
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const UNIT = [
  'canonical-json',
  'console-chart',
  'docs',
  'email',
  'export',
  'generated-secrets',
  'library-exports',
  'lifecycle',
  'loader-digest',
  'manifest',
  'manifest-fastpath',
  'manifest-reuse',
  'manifest-schema',
  'manifest-secrets',
  'manifest-split',
  'manifest-syntax',
  'manifest-validate',
  'openapi-contract',
  'parse-cache',
  'plan-order',
  'render-diff',
  'render-html',
  'render-markdown',
  'schema-validator',
];

const SCALE = [
  'bench-portal-smoke',
  'bench-smoke',
  'bench-terraform-smoke',
  'console-history-scale',
  'console-scale',
  'crash',
  'full-disk',
  'properties',
  'properties-self-service',
];

const files = (names: string[]) => names.map((name) => `test/${name}.test.ts`);

/**
 * Vitest's order (by project name, then longest or largest file first), except that the scale
 * tier starts first: its files are few, small and long (one test of a minute or more each), so
 * started last they would run on alone at the end while everything else has finished.
 */
class ScaleTierFirst extends BaseSequencer {
  override async sort(specs: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(specs);
    const rank = (spec: TestSpecification) => (spec.project.name === 'scale' ? 0 : 1);
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
}

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    sequence: { sequencer: ScaleTierFirst },
    // Most suites wait on child processes, PostgreSQL, SMTP and Chromium rather than compute, so
    // more workers than cores keep the two cores of a CI machine busy (vitest's default is cores − 1).
    maxWorkers: 4,
    projects: [
      { extends: true, test: { name: 'unit', include: files(UNIT), isolate: false } },
      { extends: true, test: { name: 'scale', include: files(SCALE) } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: [...files(UNIT), ...files(SCALE)],
          isolate: false,
        },
      },
    ],
  },
});
