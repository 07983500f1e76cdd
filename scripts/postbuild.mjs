// After tsc, before scripts/build-bundle.mjs bundles the CLI: the CLI entry must be executable
// for `npx portalform` and the package's bin link, and the manifest schema is compiled once, here, into the validator the loader uses (compiling it
// at every start cost a few hundred milliseconds), and the loader's code digest is written.
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
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

// Every parse cache key includes the digest of the loader's built code (see code-digest.ts); it is
// computed last, over the code as it will run, the validator just compiled included.
const codeDigestModule = new URL('../dist/src/manifest/fastpath/code-digest.js', import.meta.url);
if (existsSync(codeDigestModule)) {
  const { LOADER_DIGEST_FILE, loaderCodeDigest } = await import(codeDigestModule.href);
  const digest = loaderCodeDigest(fileURLToPath(new URL('../dist/src/manifest', import.meta.url)));
  writeFileSync(new URL(LOADER_DIGEST_FILE, codeDigestModule), `${JSON.stringify({ digest })}\n`);
}
