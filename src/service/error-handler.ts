// The JSON API's error handler: every error becomes a problem+json answer (../http/problem.ts).
// Nothing from an unexpected error (its message, its stack) reaches the client; the log has it,
// keyed by the request id.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { PortalError, type FieldError } from '../portal/contract.js';
import { type Problem, sendProblem, titleOf } from '../http/problem.js';
import { isSecretField } from './schemas.js';

/** A malformed body, refused by the JSON parser without echoing any of it (Node's messages quote the input). */
export class MalformedJsonError extends Error {
  readonly statusCode = 400;
  constructor(readonly position: number | undefined) {
    super('malformed JSON');
  }
}

/** Ajv's errors as the fields they name: `/redirectUris/0` → `redirectUris[0]`, an unknown key by its own name. */
export function fieldErrors(validation: FastifyError['validation'], body?: unknown): FieldError[] {
  const errors: FieldError[] = [];
  for (const error of validation ?? []) {
    if (error.keyword === 'if') continue;
    const params = error.params as Record<string, unknown>;
    const at = fieldName(error.instancePath);
    const type = typeof body === 'object' && body !== null ? (body as Record<string, unknown>).type : undefined;
    if (error.keyword === 'additionalProperties') {
      const field = join(at, String(params.additionalProperty));
      const message =
        at === '' && isSecretField(String(params.additionalProperty), type)
          ? 'is a secret field: the service generates its value, which the answer shows once'
          : 'is not a known field';
      errors.push({ field, message });
    } else if (error.keyword === 'required') {
      errors.push({ field: join(at, String(params.missingProperty)), message: 'is required' });
    } else if (error.keyword === 'enum') {
      errors.push({
        field: at || '(body)',
        message: `must be one of: ${(params.allowedValues as unknown[]).join(', ')}`,
      });
    } else {
      errors.push({ field: at || '(body)', message: error.message ?? 'is invalid' });
    }
  }
  return dedupe(errors);
}

function fieldName(instancePath: string): string {
  return instancePath
    .split('/')
    .slice(1)
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((path, segment) => (/^\d+$/.test(segment) ? `${path}[${segment}]` : join(path, segment)), '');
}

function join(path: string, field: string): string {
  return path === '' ? field : `${path}.${field}`;
}

function dedupe(errors: FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const key = `${e.field}\0${e.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function listed(errors: FieldError[]): string {
  return errors.map((e) => `${e.field} ${e.message}`).join('; ');
}

/** Fastify's error handler: PortalError, validation, parsing and size errors to 4xx; the rest to a 500 that only the log explains. */
export function handleError(
  error: FastifyError | PortalError | MalformedJsonError,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  if (error instanceof PortalError) {
    request.log.info({ status: error.status, title: error.title }, 'request refused');
    const problem: Problem = {
      title: error.title,
      status: error.status,
      detail: error.detail,
      ...(error.errors?.length ? { errors: error.errors } : {}),
    };
    const retry = error.status === 429 || error.status === 503 ? (error.retryAfterSeconds ?? 1) : undefined;
    return sendProblem(reply, problem, retry);
  }
  if (error instanceof MalformedJsonError) {
    const where = error.position === undefined ? '' : ` (at character ${error.position + 1})`;
    return sendProblem(reply, {
      title: 'Malformed JSON',
      status: 400,
      detail: `The body is not valid JSON${where}.`,
      errors: [{ field: '(body)', message: `is not valid JSON${where}` }],
    });
  }
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) {
    const errors = fieldErrors(fastifyError.validation, request.body);
    const part =
      fastifyError.validationContext === 'params'
        ? 'The path'
        : fastifyError.validationContext === 'querystring'
          ? 'The query'
          : 'The body';
    return sendProblem(reply, {
      title: 'Invalid request',
      status: 400,
      detail: `${part} has invalid fields: ${listed(errors)}.`,
      errors,
    });
  }
  const status = fastifyError.statusCode ?? 500;
  if (status >= 400 && status < 500)
    return sendProblem(reply, { title: titleOf(status), status, detail: clientDetail(fastifyError, status) });
  request.log.error({ err: error }, 'request failed');
  return sendProblem(reply, {
    title: titleOf(500),
    status: 500,
    detail: `The service could not answer this request; its log has the details under request id ${request.id}.`,
  });
}

/** Fastify's own 4xx messages describe the request, never its content; anything else gets the status's words. */
function clientDetail(error: FastifyError, status: number): string {
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return 'The body is larger than the service accepts.';
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return 'Send the body as application/json.';
  if (error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return 'The body is empty; send a JSON object.';
  if (error.code?.startsWith('FST_')) return error.message;
  return `${titleOf(status)}.`;
}
