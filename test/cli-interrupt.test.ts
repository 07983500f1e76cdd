// Issue 24, point 21: Ctrl-C during a long apply says what became of it — nothing — and exits 130,
// as a shell reports an interrupted command; the state stays as it was.
import { describe, expect, it } from 'vitest';
import { startCli } from './helpers/cli.js';
import { workspace } from './helpers/cli.js';

const DEVELOPERS = 4000;

function manifest(): string {
  const lines = ['version: 1', 'developers:'];
  for (let i = 0; i < DEVELOPERS; i++)
    lines.push(
      `  - { email: dev${i}@example.com, fullName: Developer ${i}, status: approved, credentials: [ { type: key-auth, name: ci } ] }`,
    );
  return `${lines.join('\n')}\n`;
}

describe('Ctrl-C during apply', () => {
  it('prints "Interrupted; nothing was changed", exits 130, and the state is as before', async () => {
    const w = workspace();
    w.write('m.yaml', 'version: 1\ndevelopers:\n  - { email: ada@example.com, fullName: Ada, status: approved }\n');
    expect(w.run(['apply', 'm.yaml', '--auto-approve']).code).toBe(0);
    w.write('m.yaml', manifest());

    const { child, done } = startCli(['apply', 'm.yaml', '--auto-approve', '--secrets-out', 'generated.json'], {
      cwd: w.dir,
      env: { PORTALFORM_STATE: w.state },
    });
    // Apply prints the plan's summary line once it is approved, right before the writes begin.
    let printed = '';
    await new Promise<void>((resolve) => {
      child.stdout!.on('data', (chunk: string) => {
        printed += chunk;
        if (printed.includes('\nPlan: ')) resolve();
      });
      void done.then(() => resolve());
    });
    child.kill('SIGINT');
    const result = await done;
    expect(result.code, result.stderr).toBe(130);
    expect(result.stderr).toContain('Interrupted; nothing was changed.');
    expect(result.stderr).not.toMatch(/\n\s+at /);

    const listed = JSON.parse(w.run(['state', 'list', '--json']).stdout);
    expect(listed.serial).toBe(1);
    expect(listed.developers.map((d: { email: string }) => d.email)).toEqual(['ada@example.com']);
  });
});
