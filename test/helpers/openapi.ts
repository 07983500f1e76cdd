// Every JSON answer of the service suites, checked against the response schema the service
// publishes at GET /api/v1/openapi.json (OpenAPI 3.1, so JSON Schema 2020-12): the route's
// operation, then the status (exact, then 4XX-style, then default), then the content type. An
// answer with no published schema fails the test, as does one its schema refuses — except for the
// gaps listed in PUBLISHED_SCHEMA_GAPS, which are to be fixed in src/service/schemas.ts.
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';

interface OpenApiDocument {
  paths: Record<
    string,
    Record<string, { responses?: Record<string, { content?: Record<string, { schema?: object }> }> }>
  >;
}

/**
 * An answer the published document does not describe yet: `method` and `path` (the route template)
 * may be '*'. A gap only excuses a missing schema, never an answer that its published schema refuses;
 * an error answer it excuses is still checked against the generic problem+json shape.
 */
interface SchemaGap {
  method: string;
  path: string;
  status: number | '*';
  /** What is missing in the published document. */
  gap: string;
}

// TODO(src/service/schemas.ts): publish these, then delete the entries.
export const PUBLISHED_SCHEMA_GAPS: SchemaGap[] = [
  { method: '*', path: 'no operation', status: 404, gap: 'an unknown path: problem+json 404, in no operation' },
  {
    method: 'GET',
    path: '/api/v1/openapi.json',
    status: 200,
    gap: 'openapi.json itself: 200 without a content schema',
  },
];

/** What every problem+json answer holds (docs/portal-service.md), for the errors a gap excuses. */
const PROBLEM_SHAPE = {
  type: 'object',
  required: ['title', 'status'],
  properties: { title: { type: 'string' }, status: { type: 'integer' }, detail: { type: 'string' } },
};

interface Route {
  method: string;
  template: string;
  pattern: RegExp;
  responses: Record<string, { content?: Record<string, { schema?: object }> }>;
}

/** An answer as the checks see it, from `inject` or from a real HTTP response. */
export interface Answer {
  statusCode: number;
  contentType: string;
  body: string;
}

export interface PublishedContract {
  /** Why the answer breaks the published contract, or null when it keeps it (or is a listed gap). */
  check(method: string, url: string, answer: Answer): string | null;
}

const ajv = new Ajv2020.default({ strict: false, allErrors: true });
ajvFormats.default(ajv);
const compiled = new WeakMap<object, ValidateFunction>();

function validatorOf(schema: object): ValidateFunction {
  const known = compiled.get(schema);
  if (known) return known;
  const validate = ajv.compile(schema);
  compiled.set(schema, validate);
  return validate;
}

function routesOf(document: OpenApiDocument): Route[] {
  const routes: Route[] = [];
  for (const [template, operations] of Object.entries(document.paths)) {
    const pattern = new RegExp(
      `^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, '[^/]+')}$`,
    );
    for (const [method, operation] of Object.entries(operations))
      routes.push({ method: method.toUpperCase(), template, pattern, responses: operation.responses ?? {} });
  }
  return routes;
}

function isGap(method: string, template: string, status: number): boolean {
  return PUBLISHED_SCHEMA_GAPS.some(
    (g) =>
      (g.method === '*' || g.method === method) &&
      (g.path === '*' || g.path === template) &&
      (g.status === '*' || g.status === status),
  );
}

function parsed(body: string): { value: unknown } | null {
  try {
    return { value: JSON.parse(body) };
  } catch {
    return null;
  }
}

/** Why `body` breaks `schema`, or null. */
function schemaBreach(where: string, schema: object, body: string): string | null {
  const json = parsed(body);
  if (!json) return `${where}: the body is not JSON: ${body.slice(0, 200)}`;
  const validate = validatorOf(schema);
  if (validate(json.value)) return null;
  return `${where}: the answer does not match its published schema: ${ajv.errorsText(validate.errors)}\n${body.slice(0, 500)}`;
}

/** The checks of a published openapi.json (as fetched: its shape is trusted). */
export function contractOf(document: unknown): PublishedContract {
  const routes = routesOf(document as OpenApiDocument);
  return {
    check(method, url, response) {
      const contentType = response.contentType.split(';')[0]!.trim();
      if (!/^application\/([\w.+-]+\+)?json$/.test(contentType)) return null;
      const path = url.split('?')[0]!;
      const where = `${method} ${path} → ${response.statusCode} ${contentType}`;
      const route = routes.find((r) => r.method === method && r.pattern.test(path));
      const schema = route && publishedSchema(route, response.statusCode, contentType);
      if (schema) return schemaBreach(where, schema, response.body);
      if (isGap(method, route?.template ?? 'no operation', response.statusCode))
        return response.statusCode >= 400 ? schemaBreach(where, PROBLEM_SHAPE, response.body) : null;
      if (!route) return `${where}: openapi.json publishes no ${method} operation for this path`;
      return `${where}: ${method} ${route.template} publishes no ${contentType} schema for ${response.statusCode}`;
    },
  };
}

/** The schema published for this route, status and content type, if any. */
function publishedSchema(route: Route, statusCode: number, contentType: string): object | undefined {
  const status = String(statusCode);
  const answer =
    route.responses[status] ??
    route.responses[`${status[0]}XX`] ??
    route.responses[`${status[0]}xx`] ??
    route.responses.default;
  return answer?.content?.[contentType]?.schema;
}

/**
 * Wraps `app.inject` so every answer is checked against the published response schemas; a breach
 * rejects the request's promise, failing the test with the reason. Returns the same app.
 */
export function checkingAnswers<App extends FastifyInstance>(app: App): App {
  const inject = app.inject.bind(app) as (options: object) => Promise<LightMyRequestResponse>;
  let contract: Promise<PublishedContract> | undefined;
  const checked = async (options: string | { method?: string; url?: string; path?: string }) => {
    const request = typeof options === 'string' ? { url: options } : options;
    contract ??= inject({ method: 'GET', url: '/api/v1/openapi.json' }).then((r) => contractOf(r.json()));
    const response = await inject(request);
    const method = (request.method ?? 'GET').toUpperCase();
    const answer = {
      statusCode: response.statusCode,
      contentType: String(response.headers['content-type'] ?? ''),
      body: response.body,
    };
    const problem = (await contract).check(method, request.url ?? request.path ?? '/', answer);
    if (problem) throw new Error(`answer outside the published API: ${problem}`);
    return response;
  };
  (app as { inject: unknown }).inject = (options?: unknown, callback?: unknown) =>
    options === undefined || callback !== undefined
      ? (inject as (...args: unknown[]) => unknown)(options, callback)
      : checked(options as string);
  return app;
}
