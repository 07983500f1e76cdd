// The security headers of every answer (helmet's, CSP included). @fastify/helmet builds helmet's
// middleware again on every request; the headers do not depend on the request, so they are worked
// out once here and set by one hook.
import helmet from 'helmet';
import type { FastifyInstance } from 'fastify';

export const HELMET_OPTIONS = { contentSecurityPolicy: { useDefaults: true } } as const;

/** The headers helmet sets with `options`, collected from one run of its middleware. */
export function helmetHeaders(options: Parameters<typeof helmet>[0] = HELMET_OPTIONS): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: string | number | readonly string[]) =>
      void (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => void delete headers[name.toLowerCase()],
  };
  helmet(options)({} as never, response as never, (error?: unknown) => {
    if (error) throw error;
  });
  return headers;
}

export function useSecurityHeaders(app: FastifyInstance): void {
  const headers = helmetHeaders();
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(headers);
    done();
  });
}
