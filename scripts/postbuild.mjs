// After tsc: the CLI entry must be executable for `npx portalform` and the package's bin link, and
// the manifest schema is compiled once, here, into the validator the loader uses (compiling it
// at every start cost a few hundred milliseconds).
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import standaloneCode from 'ajv/dist/standalone/index.js';

const bin = new URL('../dist/cmd/portalform.js', import.meta.url);
if (existsSync(bin)) chmodSync(bin, 0o755);

const schemaModule = new URL('../dist/src/manifest/schema.js', import.meta.url);
if (existsSync(schemaModule)) {
  const { AJV_OPTIONS, STANDALONE_VALIDATOR, findSchemaFile } = await import(schemaModule.href);
  const ajv = new Ajv2020.default({ ...AJV_OPTIONS, code: { source: true } });
  const validate = ajv.compile(JSON.parse(readFileSync(findSchemaFile(), 'utf8')));
  writeFileSync(new URL(STANDALONE_VALIDATOR, schemaModule), standaloneCode.default(ajv, validate));
}
