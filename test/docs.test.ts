// The README stays a front page (at most 20 KB) and every link in it and in docs/ leads somewhere:
// a file of the repository and, when the link names one, a heading of that file.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/cli.js';

const PAGES = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

/** The anchors GitHub gives a page's headings: lower case, punctuation dropped, spaces to dashes, repeats numbered. */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  const withoutCode = markdown.replace(/^```[\s\S]*?^```/gm, '');
  for (const [, heading] of withoutCode.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const slug = heading!
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

/** Every inline link target of a page, outside code blocks and code spans. */
function linksOf(markdown: string): string[] {
  const prose = markdown.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, 'code');
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1]!);
}

function brokenLinks(page: string): string[] {
  const text = readFileSync(join(ROOT, page), 'utf8');
  const broken: string[] = [];
  for (const link of linksOf(text)) {
    if (/^[a-z]+:/.test(link)) continue; // https:, mailto:: outside the repository
    const [target, anchor] = link.split('#') as [string, string | undefined];
    const file = target === '' ? join(ROOT, page) : join(ROOT, dirname(page), target);
    if (!existsSync(file) || relative(ROOT, file).startsWith('..')) {
      broken.push(`${page}: ${link} (no such file)`);
    } else if (
      anchor !== undefined &&
      !(statSync(file).isFile() && headingAnchors(readFileSync(file, 'utf8')).has(anchor))
    ) {
      broken.push(`${page}: ${link} (no heading #${anchor})`);
    }
  }
  return broken;
}

describe('the documentation', () => {
  it('keeps the README at most 20 KB', () => {
    expect(statSync(join(ROOT, 'README.md')).size).toBeLessThanOrEqual(20 * 1024);
  });

  it('links the README to every page of docs/', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    for (const page of PAGES.filter((p) => p.startsWith('docs/'))) expect(linksOf(readme)).toContain(page);
  });

  it.each(PAGES)('has no broken link in %s', (page) => {
    expect(brokenLinks(page)).toEqual([]);
  });

  it('finds anchors the way GitHub makes them', () => {
    const anchors = headingAnchors(
      '# State\n## Several portals in one database: `?schema=`\n```\n# not a heading\n```\n## Export\n## Export\n',
    );
    expect([...anchors]).toEqual(['state', 'several-portals-in-one-database-schema', 'export', 'export-1']);
  });
});
