import { readFileSync } from 'node:fs';
import Ajv04 from 'ajv-draft-04';

/** decK's own schema for its file format (test/fixtures/README.md says where it comes from). */
export function deckValidator() {
  const schema = JSON.parse(readFileSync(new URL('../fixtures/deck-kong_json_schema.json', import.meta.url), 'utf8'));
  return new Ajv04.default({ strict: false, allErrors: true }).compile(schema);
}
