// The check the service suites run on every answer (test/helpers/openapi.ts): an answer its
// published schema refuses, or one with no schema, fails; a listed gap only excuses a missing schema.
import { describe, expect, it } from 'vitest';
import { contractOf } from './helpers/openapi.js';

const DOCUMENT = {
  paths: {
    '/api/v1/things/{id}': {
      get: {
        responses: {
          200: {
            content: {
              'application/json': {
                schema: { type: 'object', required: ['id'], properties: { id: { type: 'string', format: 'uuid' } } },
              },
            },
          },
          404: { content: { 'application/problem+json': { schema: { type: 'object', required: ['title'] } } } },
        },
      },
    },
  },
};
const contract = contractOf(DOCUMENT);
const json = (statusCode: number, body: unknown, contentType = 'application/json; charset=utf-8') => ({
  statusCode,
  contentType,
  body: JSON.stringify(body),
});
const ID = '0b6a3f4e-3c1d-4e8a-9f51-2d7c1b0e9a11';

describe('the published-schema check', () => {
  it('passes an answer its schema accepts, matching the path template and ignoring the query', () => {
    expect(contract.check('GET', `/api/v1/things/${ID}?full=1`, json(200, { id: ID }))).toBeNull();
  });

  it('fails an answer its schema refuses, saying why', () => {
    expect(contract.check('GET', `/api/v1/things/${ID}`, json(200, { id: 'not-a-uuid' }))).toMatch(
      /GET \/api\/v1\/things\/.* → 200 application\/json: the answer does not match its published schema: .*format "uuid"/,
    );
    expect(contract.check('GET', `/api/v1/things/${ID}`, json(200, {}))).toMatch(/must have required property 'id'/);
  });

  it('fails an answer whose status, content type or operation has no schema', () => {
    expect(contract.check('GET', `/api/v1/things/${ID}`, json(409, { title: 'x' }))).toMatch(
      /publishes no application\/json schema for 409/,
    );
    expect(contract.check('POST', `/api/v1/things/${ID}`, json(201, {}))).toMatch(/publishes no POST operation/);
  });

  it('checks a problem+json answer against the schema published for its status', () => {
    expect(
      contract.check('GET', `/api/v1/things/${ID}`, json(404, { title: 'Not found' }, 'application/problem+json')),
    ).toBeNull();
    expect(
      contract.check('GET', `/api/v1/things/${ID}`, json(404, { detail: 'gone' }, 'application/problem+json')),
    ).toMatch(/required property 'title'/);
  });

  it('lets a listed gap excuse only the missing schema: the answer must still be a problem', () => {
    const problem = (body: unknown) => json(404, body, 'application/problem+json');
    expect(contract.check('GET', '/api/v1/nothing', problem({ title: 'Not Found', status: 404 }))).toBeNull();
    expect(contract.check('GET', '/api/v1/nothing', problem({ oops: true }))).toMatch(/required property 'title'/);
  });

  it('leaves answers that are not JSON alone', () => {
    expect(contract.check('GET', '/console', { statusCode: 200, contentType: 'text/html', body: '<p>' })).toBeNull();
  });
});
