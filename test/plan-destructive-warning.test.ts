// Issue 24, point 14: the warning about what a plan destroys or cuts off — deletions, replacements
// and revocations — counts and names the same objects in every format: text, Markdown and HTML.
import { describe, expect, it } from 'vitest';
import { workspace } from './helpers/cli.js';

const BEFORE = `version: 1
developers:
  - email: ada@example.com
    fullName: Ada
    status: approved
    credentials:
      - { type: key-auth, name: ci }
      - { type: acl, group: partners }
  - { email: bob@example.com, fullName: Bob, status: approved }
  - { email: carol@example.com, fullName: Carol, status: approved }
`;
const AFTER = `version: 1
developers:
  - email: ada@example.com
    fullName: Ada
    status: approved
    credentials:
      - { type: key-auth, name: ci }
  - { email: bob@example.com, fullName: Bob, status: revoked }
`;
const HEADLINE =
  'this plan deletes 2 objects, replaces 1 object (deleted, then created anew), revokes 1 developer (their credentials stop working)';
const NAMED = [
  'developer["ada@example.com"].credential["acl:partners"]',
  'developer["carol@example.com"]',
  'developer["ada@example.com"].credential["key-auth:ci"]',
  'developer["bob@example.com"]',
];

describe('plan --replace with deletions and a revocation', () => {
  it('warns with one headline and the same objects in text, Markdown and HTML', () => {
    const w = workspace();
    w.write('m.yaml', BEFORE);
    expect(w.run(['apply', 'm.yaml', '--auto-approve', '--secrets-out', 'generated.json']).code).toBe(0);
    w.write('m.yaml', AFTER);
    const args = ['plan', 'm.yaml', '--replace', NAMED[2]!];
    const text = w.run(args);
    const markdown = w.run([...args, '--format', 'markdown']);
    const html = w.run([...args, '--format', 'html']);
    for (const result of [text, markdown, html]) expect(result.code, result.stderr).toBe(0);
    expect(text.stdout).toContain('Plan: 1 to create, 0 to update, 3 to delete, 1 status transition');

    expect(text.stdout).toContain(`Warning: ${HEADLINE}:`);
    expect(markdown.stdout).toContain(`> ⚠️ **T${HEADLINE.slice(1)}.**`);
    expect(html.stdout).toContain(`Warning: ${HEADLINE}</h2>`);
    const warningOf = (output: string, from: string, to: string) =>
      output.slice(output.indexOf(from), output.indexOf(to, output.indexOf(from)));
    const sections = [
      warningOf(text.stdout, 'Warning:', '\n\n'),
      warningOf(markdown.stdout, '> [!CAUTION]', '\n\n'),
      warningOf(html.stdout, '<section class="warning"', '</section>').replaceAll('&quot;', '"'),
    ];
    for (const section of sections) {
      const positions = NAMED.map((address) => section.indexOf(address));
      expect(
        positions.every((p) => p >= 0),
        section,
      ).toBe(true);
      expect([...positions].sort((a, b) => a - b)).toEqual(positions);
      expect(section).toContain('must be replaced (--replace): deleted, then created anew');
      expect(section).toContain('will be revoked (its credentials stop working)');
    }
  });
});
