// What openapi.json says of errors. Every error is answered as application/problem+json, and some
// can come from any operation (the rate limit, a failure, a closing instance) or from any that takes a
// body (its size, its type): the routes' own schemas name only the errors their handlers decide, so
// the document is completed here, once, rather than in every route.
import { responses } from './schemas.js';

interface Answer {
  description?: string;
  content?: Record<string, { schema?: unknown }>;
}

interface Operation {
  requestBody?: unknown;
  responses?: Record<string, Answer>;
}

const FROM_ANY_OPERATION: Record<string, string> = {
  429: 'Too many requests (the rate limit, or failed logins): Retry-After says when to try again.',
  500: 'An unexpected failure.',
  503: 'The service is closing or cannot read its state: Retry-After says when to try again.',
};

const FROM_ANY_BODY: Record<string, string> = {
  413: 'The body is larger than the service accepts.',
  415: 'The body is not application/json.',
};

const METHODS = new Set(['get', 'put', 'post', 'patch', 'delete', 'head', 'options']);

/** The document with every operation's error answers published as problem+json, the common ones added. */
export function withPublishedErrors<Document extends { paths?: object }>(document: Document): Document {
  for (const item of Object.values(document.paths ?? {}) as Array<Record<string, unknown>>) {
    for (const [method, value] of Object.entries(item ?? {})) {
      if (METHODS.has(method)) completeErrors(value as Operation);
    }
  }
  return document;
}

function completeErrors(operation: Operation): void {
  const answers = (operation.responses ??= {});
  const common = operation.requestBody ? { ...FROM_ANY_OPERATION, ...FROM_ANY_BODY } : FROM_ANY_OPERATION;
  for (const [status, description] of Object.entries(common)) {
    answers[status] ??= { description, content: { 'application/json': { schema: responses.problem } } };
  }
  for (const [status, answer] of Object.entries(answers)) {
    const json = answer.content?.['application/json'];
    if (Number(status) >= 400 && json) answer.content = { 'application/problem+json': json };
  }
}
