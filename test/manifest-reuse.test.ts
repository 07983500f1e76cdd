// A changed file parsed from its previous version (src/manifest/fastpath/reuse.ts) must give exactly the
// value a whole-file parse gives, whatever the edit; and must decline whatever could make an
// unchanged entry's text mean something else.
import { describe, expect, it } from 'vitest';
import { parseManifestFile } from '../src/manifest/parse.js';
import { itemDigestsOf, parseReusingItems, type PreviousVersion } from '../src/manifest/fastpath/reuse.js';

const FILE = 'portal.yaml';

function wholeValue(text: string): { developers: unknown[] } {
  const parsed = parseManifestFile(FILE, new TextEncoder().encode(text));
  expect(parsed.diagnostics).toEqual([]);
  return parsed.documents[0]!.value as { developers: unknown[] };
}

function previousOf(text: string): PreviousVersion {
  const items = itemDigestsOf(text);
  expect(items).toBeDefined();
  return { items: items!, developers: wholeValue(text).developers };
}

/** One developer in one of a few formats: flow and block collections, block scalars, comments. */
function developer(i: number, suffix = ''): string {
  switch (i % 4) {
    case 0:
      return `  - email: dev${i}@example.com\n    fullName: "Developer ${i}${suffix}"\n    status: approved\n    credentials:\n      - { type: acl, group: g${i % 3} }`;
    case 1:
      return `  # developer ${i}\n  - email: dev${i}@example.com\n    fullName: Dev ${i}${suffix}\n    status: pending\n    meta: { team: t${i} }`;
    case 2:
      return `  - email: dev${i}@example.com\n    fullName: >-\n      Folded ${i}${suffix}\n      name\n    status: revoked\n`;
    default:
      return `  - { email: dev${i}@example.com, fullName: "F ${i}${suffix}", status: rejected }`;
  }
}

function manifest(indexes: number[], { head = 'version: 1\n', tail = '', changed = -1 } = {}): string {
  return `${head}developers:\n${indexes.map((i) => developer(i, i === changed ? ' (changed)' : '')).join('\n')}\n${tail}`;
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

function expectSameAsWhole(before: string, after: string): unknown[] {
  const result = parseReusingItems(FILE, after, previousOf(before));
  expect(result).toBeTruthy();
  const developers = (result!.documents[0]!.value as { developers: unknown[] }).developers;
  expect(result!.documents[0]!.value).toStrictEqual(wholeValue(after));
  expect(result!.items).toEqual(itemDigestsOf(after));
  return developers;
}

describe('parsing a changed file from its previous version', () => {
  const before = manifest(range(40));

  it.each([
    ['one entry changed', manifest(range(40), { changed: 17 })],
    [
      'the first and the last entry changed',
      manifest(range(40), { changed: 0 }).replace('dev39@example.com', 'dev39@example.org'),
    ],
    ['an entry added at the start', manifest([99, ...range(40)])],
    ['an entry added at the end', manifest([...range(40), 99])],
    ['an entry removed', manifest(range(40).filter((i) => i !== 20))],
    ['entries moved', manifest([...range(40).slice(20), ...range(20)])],
    ['a block before the developers', manifest(range(40), { head: 'version: 1\nportal:\n  credentialTypes: [acl]\n' })],
    [
      'a block after the developers',
      manifest(range(40), { tail: 'moved:\n  - { from: a@example.com, to: dev1@example.com }\n' }),
    ],
    ['a comment between entries', before.replace('  - email: dev8@', '# a comment\n  - email: dev8@')],
  ])('gives what a whole-file parse gives: %s', (_, after) => {
    expectSameAsWhole(before, after);
  });

  it('gives an entry written twice its own copy of the value', () => {
    const developers = expectSameAsWhole(before, manifest([...range(40), 5]));
    expect(developers[40]).toStrictEqual(developers[5]);
    expect(developers[40]).not.toBe(developers[5]);
  });

  it('reuses an entry only when its text is the same, indentation included', () => {
    const reindented = before.replace('  - { email: dev3@example.com', '  -   { email: dev3@example.com');
    expectSameAsWhole(before, reindented);
    const crlf = before.replace(/\n/g, '\r\n');
    expect(parseReusingItems(FILE, crlf, previousOf(before))).toBeUndefined(); // nothing the same: parsed whole
  });

  it('declines files where an entry could mean something else than its text alone says', () => {
    const withAlias =
      'version: 1\ndevelopers:\n  - email: a@example.com\n    fullName: &name Ada\n    status: approved\n  - email: b@example.com\n    fullName: *name\n    status: approved\n';
    expect(itemDigestsOf(withAlias)).toBeUndefined(); // a version with an alias leaves nothing to reuse
    expect(parseReusingItems(FILE, withAlias, previousOf(before))).toBeUndefined(); // and is not parsed by reuse
    const twoDocuments = `${before}---\nversion: 1\n`;
    expect(parseReusingItems(FILE, twoDocuments, previousOf(before))).toBeUndefined();
    const directive = `%YAML 1.2\n---\n${before}`;
    expect(parseReusingItems(FILE, directive, previousOf(before))).toBeUndefined();
  });

  it('parses the file whole when most entries changed', () => {
    const rewritten = manifest(range(40).map((i) => i + 100));
    expect(parseReusingItems(FILE, rewritten, previousOf(before))).toBeUndefined();
  });

  it('sends a file whose changed entry has a syntax error to the full path', () => {
    const broken = before.replace('fullName: Dev 9', 'fullName: "Dev 9');
    expect(parseReusingItems(FILE, broken, previousOf(before))).toBeNull();
  });
});
