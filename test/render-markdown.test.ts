import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makePlan } from '../src/engine.js';
import type { DesiredDeveloper } from '../src/model.js';
import type { Plan } from '../src/plan/types.js';
import { completePortalSettings } from '../src/portal-settings.js';
import { renderPlanMarkdown, writeMarkdownParts } from '../src/render/markdown.js';
import { EMPTY_STATE, type StateSnapshot } from '../src/store/types.js';
import { credential, desired, developer, state, stored, vault } from './helpers/builders.js';
import { tempDir } from './helpers/temp.js';

function planOf(wanted: DesiredDeveloper[], current: StateSnapshot = EMPTY_STATE): Plan {
  return makePlan(desired(wanted), current, vault, {});
}

function manyDevelopers(count: number): DesiredDeveloper[] {
  return Array.from({ length: count }, (_, i) =>
    developer(`dev${String(i).padStart(3, '0')}@example.com`, 'approved', {
      credentials: [credential('acl', 'partners'), credential('key-auth', `ci-${i}`, { ttl: 3600 })],
    }),
  );
}

/** Checks that a part renders alone: fences and <details> opened and closed in order. */
function expectSelfContained(part: string): void {
  let inFence = false;
  let openDetails = 0;
  for (const line of part.split('\n')) {
    if (/^```/.test(line)) {
      expect(line === '```diff' ? !inFence : inFence && line === '```').toBe(true);
      inFence = !inFence;
    } else if (!inFence && line.startsWith('<details>')) openDetails++;
    else if (!inFence && line === '</details>') openDetails--;
    expect(openDetails === 0 || openDetails === 1).toBe(true);
  }
  expect(inFence).toBe(false);
  expect(openDetails).toBe(0);
}

describe('renderPlanMarkdown', () => {
  it('puts a summary first, outside any fold, and the changes in a diff block per developer', () => {
    const plan = planOf(manyDevelopers(2));
    const [comment, ...rest] = renderPlanMarkdown(plan);
    expect(rest).toEqual([]);
    expect(comment!.split('\n')[0]).toBe(
      '**Plan: 6 to create, 0 to update, 0 to delete, 0 status transitions, 0 to move.**',
    );
    expect(comment).toContain('<details><summary>Show the 6 changes to 2 developers</summary>');
    expect(comment).toContain('### `developer["dev000@example.com"]`');
    expect(comment).toContain(
      '```diff\n  # developer["dev000@example.com"] will be created\n+   developer "dev000@example.com" {',
    );
    expect(comment).toMatch(/^\+ {7}key {4}= \(sensitive\)$/m);
    expect(comment).not.toContain('[!CAUTION]');
    expectSelfContained(comment!);
  });

  it('shows a change of the portal settings first, under its own heading', () => {
    const ada = developer('ada@example.com', 'approved');
    const wanted = {
      ...desired([ada]),
      portal: completePortalSettings({ autoApprove: true, selfService: { maxCredentials: 3 } }),
    };
    const [comment] = renderPlanMarkdown(makePlan(wanted, EMPTY_STATE, vault, {}));
    expect(comment!.split('\n')[0]).toBe(
      '**Plan: 1 to create, 1 to update, 0 to delete, 0 status transitions, 0 to move.**',
    );
    expect(comment).toContain('<details><summary>Show the 2 changes to the portal settings and 1 developer</summary>');
    expect(comment).toContain(
      [
        '### `portal`',
        '',
        '```diff',
        '  # portal will be updated in-place',
        '!   portal {',
        '!       autoApprove = false -> true',
        '!       selfService = {"maxCredentials":20} -> {"maxCredentials":3}',
        '    }',
        '```',
      ].join('\n'),
    );
    expect(comment!.indexOf('### `portal`')).toBeLessThan(comment!.indexOf('### `developer["ada@example.com"]`'));
    expectSelfContained(comment!);
  });

  it('marks in-place changes with "!" so GitHub colours them', () => {
    const ada = developer('ada@example.com', 'pending');
    const [comment] = renderPlanMarkdown(
      planOf([{ ...ada, status: 'approved', fullName: 'Ada L.' }], state([stored(ada)])),
    );
    expect(comment).toMatch(/^! {7}status = "pending" -> "approved"$/m);
    expect(comment).toMatch(/^! {7}fullName = "Test Developer" -> "Ada L."$/m);
  });

  it('splits at developer boundaries, exactly at the limit, losing nothing', () => {
    const plan = planOf(manyDevelopers(30));
    const [whole] = renderPlanMarkdown(plan);
    expect(renderPlanMarkdown(plan, { maxChars: whole!.length })).toEqual([whole]);

    for (const maxChars of [whole!.length - 1, 4000, 1500]) {
      const parts = renderPlanMarkdown(plan, { maxChars });
      expect(parts.length).toBeGreaterThan(1);
      parts.forEach((part, i) => {
        expect(part.length).toBeLessThanOrEqual(maxChars);
        expect(part.split('\n')[0]).toMatch(/^\*\*Plan: 90 to create, .*\*\* · Part \d+ of \d+$/);
        expect(part.split('\n')[0]).toContain(`Part ${i + 1} of ${parts.length}`);
        expect(part).not.toContain('(continued)');
        expectSelfContained(part);
      });
      const joined = parts.join('\n');
      for (const change of plan.changes) expect(joined).toContain(`# ${change.address} will be created`);
    }
  });

  it('splits a developer too large for one part at line boundaries', () => {
    const credentials = Array.from({ length: 60 }, (_, i) => credential('acl', `group-${i}`));
    const plan = planOf([developer('big@example.com', 'approved', { credentials })]);
    const parts = renderPlanMarkdown(plan, { maxChars: 2000 });
    expect(parts.length).toBeGreaterThan(2);
    parts.forEach((part, i) => {
      expect(part.length).toBeLessThanOrEqual(2000);
      expectSelfContained(part);
      if (i > 0) expect(part).toContain('### `developer["big@example.com"] (continued)`');
    });
    const joined = parts.join('\n');
    for (const change of plan.changes) expect(joined).toContain(change.address);
  });

  it('warns loudly about deletions, naming how many, before the fold', () => {
    const gone = developer('gone@example.com', 'approved', { credentials: [credential('key-auth', 'ci')] });
    const [comment] = renderPlanMarkdown(planOf([], state([stored(gone)])));
    const caution = comment!.indexOf('> [!CAUTION]');
    expect(caution).toBeGreaterThan(0);
    expect(caution).toBeLessThan(comment!.indexOf('<details>'));
    expect(comment).toContain('> ⚠️ **This plan deletes 2 objects.**');
    expect(comment).toContain('> - `developer["gone@example.com"]` will be deleted');
    expect(comment).toContain('> - `developer["gone@example.com"].credential["key-auth:ci"]` will be deleted');
    expect(comment).toMatch(/^- {3}developer "gone@example.com" \{$/m);
  });

  it('warns loudly about revocations', () => {
    const ada = developer('ada@example.com', 'approved', { credentials: [credential('acl', 'partners')] });
    const [comment] = renderPlanMarkdown(planOf([{ ...ada, status: 'revoked' }], state([stored(ada)])));
    expect(comment).toContain('> ⚠️ **This plan revokes 1 developer (their credentials stop working).**');
    expect(comment).toContain('> - `developer["ada@example.com"]` will be revoked (its credentials stop working)');
  });

  it('writes a short comment when nothing changes, still listing errors and warnings', () => {
    const ada = developer('ada@example.com', 'approved');
    const plan = planOf([ada], state([stored(ada)]));
    expect(renderPlanMarkdown(plan)).toEqual(['**No changes.** The state matches the manifests.']);

    const failing = planOf([{ ...ada, status: 'pending' }], state([stored(ada)]));
    failing.warnings.push({
      severity: 'warning',
      message: 'a literal <secret> in the manifest',
      location: { file: 'x.yaml', line: 3, column: 5 },
    });
    const [comment] = renderPlanMarkdown(failing);
    expect(comment).toContain('**❌ 1 error: this plan cannot be applied.**');
    expect(comment).toContain(
      '- test.yaml:1:1: error: developer\\["ada\\@example.com"\\]: an approved developer cannot go back to pending',
    );
    expect(comment).toContain('- x.yaml:3:5: warning: a literal \\<secret\\> in the manifest');
  });

  it('writes the parts as plan-1.md, plan-2.md, … and removes stale ones', () => {
    const dir = tempDir('portalform-md-');
    writeFileSync(join(dir, 'plan-3.md'), 'stale');
    writeFileSync(join(dir, 'notes.md'), 'mine');
    const paths = writeMarkdownParts(['one', 'two'], dir);
    expect(paths).toEqual([join(dir, 'plan-1.md'), join(dir, 'plan-2.md')]);
    expect(readFileSync(paths[1]!, 'utf8')).toBe('two');
    expect(readdirSync(dir).sort()).toEqual(['notes.md', 'plan-1.md', 'plan-2.md']);
  });
});
