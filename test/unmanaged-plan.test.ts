// Plans list what the manifests do not manage, and never as a change (issue 17, point 1; docs/unmanaged.md).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { planWithState } from '../src/engine.js';
import { planJson } from '../src/plan/json.js';
import { renderPlanMarkdown } from '../src/render/markdown.js';
import { renderPlanText } from '../src/render/text.js';
import { renderPlanHtml } from '../src/render/html.js';
import { BACKENDS, dropTestSchemas } from './helpers/backends.js';
import { PASSWORD, portalCase, type PortalCase } from './helpers/portal.js';
import { proveAddress } from './helpers/proof.js';

afterAll(dropTestSchemas);

const MANIFEST = '  - { email: ada@example.com, fullName: Ada, status: approved }\n';

/** Three pending sign-ups, one approved self-service developer with a key, and a key ada made herself. */
async function busyPortal(c: PortalCase): Promise<void> {
  for (const name of ['first', 'second', 'third']) {
    await c.portal.register({ email: `${name}@example.com`, fullName: `The ${name}`, password: PASSWORD });
    await proveAddress(c.w, `${name}@example.com`); // an access request once verified
  }
  const sam = await c.signUp('sam@example.com');
  await c.portal.createCredential(sam, { type: 'key-auth', name: 'sam-key' });
}

async function planOf(c: PortalCase) {
  return (await planWithState({ paths: ['m.yaml'], state: c.w.state, cwd: c.w.dir, env: {} })).plan;
}

describe.each(BACKENDS)('the unmanaged section of a plan on $name', (backend) => {
  it('lists every unmanaged developer and credential in plan --json, pending requests oldest first, with no change', async () => {
    const c = await portalCase(backend, MANIFEST);
    try {
      await busyPortal(c);
      const plan = await planOf(c);
      expect(plan.changes).toEqual([]);
      const json = planJson(plan) as { unmanaged: Array<Record<string, unknown>> };
      expect(json.unmanaged.map((o) => [o.address, o.kind, o.origin, o.status])).toEqual([
        ['developer["first@example.com"]', 'developer', 'self-service', 'pending'],
        ['developer["second@example.com"]', 'developer', 'self-service', 'pending'],
        ['developer["third@example.com"]', 'developer', 'self-service', 'pending'],
        ['developer["sam@example.com"]', 'developer', 'self-service', 'approved'],
        ['developer["sam@example.com"].credential["key-auth:sam-key"]', 'credential', 'self-service', undefined],
      ]);
      for (const o of json.unmanaged) expect(Date.parse(String(o.createdAt))).not.toBeNaN();
      expect(Object.keys(json.unmanaged[4]!)).not.toContain('status');
    } finally {
      await c.close();
    }
  });
});

describe('the unmanaged section in each format', () => {
  const sqlite = BACKENDS[0]!;

  it('names the pending requests first in text, markdown and html, then counts the rest', async () => {
    const c = await portalCase(sqlite, MANIFEST);
    try {
      await busyPortal(c);
      const plan = await planOf(c);
      const text = [...renderPlanText(plan, false)].join('\n');
      expect(text).toContain('No changes. The state matches the manifests.');
      expect(text).toContain('Not managed by the manifests (left as they are; none of this is a change):');
      expect(text).toContain('3 pending access requests, oldest first:');
      expect(text.indexOf('first@example.com')).toBeLessThan(text.indexOf('second@example.com'));
      expect(text.indexOf('second@example.com')).toBeLessThan(text.indexOf('third@example.com'));
      expect(text).toContain('1 other self-registered developer');
      expect(text).toContain('1 self-made credential');
      expect(text).not.toContain('sam@example.com');

      const markdown = renderPlanMarkdown(plan).join('\n');
      expect(markdown).toContain('**Not managed by the manifests');
      expect(markdown).toContain('`developer["first@example.com"]`');
      expect(markdown).toContain('- 1 self-made credential');

      const page = [...renderPlanHtml(plan)].join('\n');
      expect(page).toContain('3 pending access requests, oldest first');
      expect(page).toContain('1 self-made credential');
    } finally {
      await c.close();
    }
  });

  it('names only the first requests, then "and N more"', async () => {
    const c = await portalCase(sqlite, MANIFEST);
    try {
      for (let i = 0; i < 13; i++) {
        const email = `r${String(i).padStart(2, '0')}@example.com`;
        await c.portal.register({ email, fullName: 'R', password: PASSWORD });
        await proveAddress(c.w, email);
      }
      const text = [...renderPlanText(await planOf(c), false)].join('\n');
      expect(text).toContain('13 pending access requests');
      expect(text).toContain('r09@example.com');
      expect(text).not.toContain('r10@example.com');
      expect(text).toContain('… and 3 more');
    } finally {
      await c.close();
    }
  });

  it('shows the section on the CLI and reads no unmanaged developer in full', async () => {
    const c = await portalCase(sqlite, MANIFEST);
    try {
      await busyPortal(c);
      const timings = join(c.w.dir, 'timings.json');
      const result = c.w.run(['plan', 'm.yaml', '--json'], { env: { PORTALFORM_TIMINGS: timings } });
      expect(result.code, result.stderr).toBe(0);
      expect(JSON.parse(result.stdout).unmanaged).toHaveLength(5);
      const counts = JSON.parse(readFileSync(timings, 'utf8')).counts;
      expect(counts['developers read in full'] ?? 0).toBe(0);
      expect(counts['unmanaged objects listed']).toBe(5);
      const text = c.w.run(['plan', 'm.yaml', '--detailed-exitcode']);
      // Listing the unmanaged objects is not a change: exit 0, not 2.
      expect(text.code, text.stderr).toBe(0);
      expect(text.stdout).toContain('3 pending access requests');
    } finally {
      await c.close();
    }
  });

  it('leaves out what the plan itself changes: an adopted developer is a change, not a listing', async () => {
    const c = await portalCase(sqlite, MANIFEST);
    try {
      await busyPortal(c);
      c.w.write(
        'm.yaml',
        `version: 1\ndevelopers:\n${MANIFEST}  - { email: first@example.com, fullName: The first, status: approved }\n`,
      );
      const plan = await planOf(c);
      expect(plan.changes.some((ch) => ch.address === 'developer["first@example.com"]')).toBe(true);
      expect(plan.unmanaged!.map((o) => o.address)).not.toContain('developer["first@example.com"]');
      expect(plan.unmanaged!.filter((o) => o.status === 'pending')).toHaveLength(2);
    } finally {
      await c.close();
    }
  });
});
