// Issue 15 point 16: the README's library example holds. Errors come one way (a thrown
// PortalformError with diagnostics), and apply() takes the reviewed plan — a Plan object or a
// saved plan file — instead of planning again.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { apply, listState, plan, PortalformError, writePlanFile, type Plan } from '../src/index.js';
import { tempDir } from './helpers/temp.js';

const entry = (status: string, name = 'Ada') =>
  `version: 1\ndevelopers:\n  - { email: ada@example.com, fullName: ${name}, status: ${status} }\n`;

function portal(manifest: string) {
  const dir = tempDir('portalform-library-');
  writeFileSync(join(dir, 'm.yaml'), manifest);
  const options = { paths: ['m.yaml'], state: join(dir, 'portal.db'), cwd: dir, env: {} };
  return { dir, options, write: (text: string) => writeFileSync(join(dir, 'm.yaml'), text) };
}

async function thrown(promise: Promise<unknown>): Promise<PortalformError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(PortalformError);
    return error as PortalformError;
  }
  throw new Error('expected a PortalformError');
}

describe('the library API', () => {
  it('reports a manifest error and an illegal transition the same way: a PortalformError with located diagnostics', async () => {
    const bad = portal('version: 1\ndevelopers:\n  - { email: not-an-email, fullName: A, status: pending }\n');
    const manifestError = await thrown(plan(bad.options));
    expect(manifestError.diagnostics.some((d) => d.severity === 'error' && d.location?.file.endsWith('m.yaml'))).toBe(
      true,
    );

    const p = portal(entry('approved'));
    await apply(p.options);
    p.write(entry('pending'));
    const illegal = await thrown(plan(p.options));
    expect(illegal.message).toMatch(/the plan has 1 error/);
    expect(illegal.diagnostics[0]).toMatchObject({
      severity: 'error',
      message: expect.stringMatching(/cannot go back to pending/),
    });
  });

  it('applies the reviewed Plan object as it is, without planning again', async () => {
    const p = portal(entry('pending'));
    const reviewed: Plan = await plan(p.options);
    expect(reviewed.errors).toEqual([]);
    const result = await apply({ ...p.options, plan: reviewed });
    expect(result.plan).toBe(reviewed);
    expect(result.applied).toBe(true);
    expect((await listState(p.options)).developers).toMatchObject([{ email: 'ada@example.com', status: 'pending' }]);
  });

  it('refuses the reviewed plan, rather than applying something else, once the manifests say otherwise', async () => {
    const p = portal(entry('pending'));
    await apply(p.options);
    p.write(entry('approved'));
    const reviewed = await plan(p.options);
    p.write(entry('rejected'));
    expect((await thrown(apply({ ...p.options, plan: reviewed }))).message).toMatch(/step \d+ .* is refused/);
    expect((await listState(p.options)).developers).toMatchObject([{ status: 'pending' }]);
  });

  it('takes a saved plan file by its path, and refuses an edited Plan object', async () => {
    const p = portal(entry('pending'));
    const reviewed = await plan(p.options);
    writePlanFile(join(p.dir, 'portal.plan'), reviewed);
    const edited: Plan = JSON.parse(JSON.stringify(reviewed));
    (edited.changes[0]!.action as { developer: { status: string } }).developer.status = 'approved';
    expect((await thrown(apply({ ...p.options, plan: edited }))).message).toMatch(/^Saved plan is not authentic/);
    expect((await apply({ ...p.options, plan: join(p.dir, 'portal.plan') })).applied).toBe(true);
  });
});
