// A smoke run of the side-by-side with Terraform at 20 developers: both tools apply and plan the
// same portal, the no-op plans show no changes (a change would fail the run), and the results
// hold the ratios. Nothing here looks at a time. Needs Terraform 1.11 at /usr/local/bin/terraform.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');
const TERRAFORM = '/usr/local/bin/terraform';

it.skipIf(!fs.existsSync(TERRAFORM))(
  'compares portalform with Terraform and writes the ratios',
  () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portalform-bench-terraform-'));
    try {
      const out = path.join(dir, 'terraform-results.json');
      const run = spawnSync(
        process.execPath,
        [path.join(ROOT, 'dist/bench/terraform.js'), '--developers', '20', '--runs', '1', '--out', out],
        { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', HOME: dir } },
      );
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      const results = JSON.parse(fs.readFileSync(out, 'utf8'));
      expect(results.objects).toBe(40);
      expect(results.machine.terraform).toMatch(/^Terraform v1\.11\./);
      for (const step of [results.firstApply, results.noopPlan]) {
        expect(step.ratio).toBeGreaterThan(0);
        expect(step.startupShareNode).toBeGreaterThan(0);
        expect(step.startupShareNode).toBeLessThan(1);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
  300_000,
);
