// The build compiles the manifest schema into a standalone validator, which the CLI uses instead
// of compiling the schema at every start. It must judge every document exactly as Ajv compiling
// the schema at run time does (which the tests of the sources use).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import { expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { AJV_OPTIONS, findSchemaFile, STANDALONE_VALIDATOR } from '../src/manifest/schema.js';
import { ROOT } from './helpers/cli.js';

function manifests(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? manifests(path) : /\.(ya?ml|json)$/.test(name) ? [path] : [];
  });
}

function documents(): unknown[] {
  const files = ['test/corpus', 'test/corpus-valid', 'examples'].flatMap((dir) => manifests(join(ROOT, dir)));
  const docs = files.flatMap((file) =>
    parseAllDocuments(readFileSync(file, 'utf8')).flatMap((doc) => ('toJS' in doc ? toJS(doc) : [])),
  );
  // A few more that reach the schema's corners.
  docs.push(
    {
      version: 1,
      developers: [
        {
          email: 'a@example.com',
          fullName: 'A',
          status: 'approved',
          credentials: [{ type: 'jwt', key: 'k', algorithm: 'XX' }],
        },
      ],
    },
    { version: 1, developers: [{ email: 'a@example.com', fullName: 'A', status: 'aproved', credntials: [] }] },
    { version: 2, portal: { credentialTypes: ['key-auth', 'nope'] }, moved: [{ from: 'a@example.com' }] },
  );
  return docs;
}

/** The corpus holds broken YAML too: those documents are of no use here. */
function toJS(doc: { toJS(): unknown }): unknown[] {
  try {
    return [doc.toJS()];
  } catch {
    return [];
  }
}

const shape = (errors: ErrorObject[] | null | undefined) =>
  (errors ?? []).map(({ instancePath, schemaPath, keyword, params, message }) => ({
    instancePath,
    schemaPath,
    keyword,
    params,
    message,
  }));

it('the built standalone validator judges every document as the schema compiled at run time', () => {
  const built = createRequire(import.meta.url)(
    join(ROOT, 'dist/src/manifest', STANDALONE_VALIDATOR),
  ) as ValidateFunction;
  const compiled = new Ajv2020.default(AJV_OPTIONS).compile(JSON.parse(readFileSync(findSchemaFile(), 'utf8')));
  const docs = documents();
  expect(docs.length).toBeGreaterThan(100);
  let invalid = 0;
  for (const doc of docs) {
    const valid = compiled(doc);
    expect(built(doc)).toBe(valid);
    expect(shape(built.errors)).toEqual(shape(compiled.errors));
    if (!valid) invalid++;
  }
  expect(invalid).toBeGreaterThan(10);
});
