// What the access checks write to the service's log (docs/access-checks.md#logs): each refusal,
// with its reason and its request id; nothing for a check that lets the request through (the
// proxy's own access log has it), on the main listener and on --access-listen alike; the other
// routes keep their request lines; and building either listener warns of nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loggerOptions, requestId } from '../src/service/app.js';
import { buildAccessService } from '../src/service/access-listener.js';
import { parseAccessClients } from '../src/service/routes/access.js';
import { accessCase, logSink, SECRETS, type AccessCase } from './helpers/access.js';
import { BACKENDS } from './helpers/backends.js';

const KEY = { apikey: SECRETS.PORTALFORM_SECRET_KEY };

function records(lines: string[]): Array<Record<string, unknown>> {
  return lines
    .join('')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('access checks in the log', () => {
  let c: AccessCase;
  const warnings: Error[] = [];
  const onWarning = (warning: Error) => warnings.push(warning);
  beforeAll(async () => {
    process.on('warning', onWarning);
    c = await accessCase(BACKENDS[0]!);
  });
  afterAll(async () => {
    process.off('warning', onWarning);
    await c?.close();
  });

  it('on the main listener: a refusal is one record with its request id, an allowed check none', async () => {
    c.logs.length = 0;
    const allowed = await c.check('/api/v1/access/payments', KEY);
    expect(allowed.statusCode).toBe(200);
    expect(c.logs).toEqual([]);
    const refused = await c.check('/api/v1/access/payments', { apikey: 'nobody', 'x-request-id': 'check-17' });
    expect(refused.statusCode).toBe(401);
    const written = records(c.logs);
    expect(written).toHaveLength(1);
    expect(written[0]).toMatchObject({ reqId: 'check-17', msg: 'access check refused' });
    expect(JSON.stringify(written)).not.toContain('nobody');
    // Every other route keeps its request lines.
    c.logs.length = 0;
    await c.app.inject({ method: 'GET', url: '/healthz' });
    expect(records(c.logs).map((record) => record.msg)).toEqual(['incoming request', 'request completed']);
  });

  it('on --access-listen: the same, and no deprecation or other warning from building either listener', async () => {
    const { log, logs: lines } = logSink();
    const app = await buildAccessService(
      { checker: c.access.checker, clients: parseAccessClients(undefined) },
      { logger: loggerOptions({ log, logLevel: 'info' }), genReqId: requestId },
    );
    try {
      const url = await app.listen({ host: '127.0.0.1', port: 0 });
      const ask = (headers: Record<string, string>) => fetch(`${url}/api/v1/access/payments/v1/charges`, { headers });
      expect((await ask(KEY)).status).toBe(200);
      expect(lines.filter((line) => !line.includes('Server listening'))).toEqual([]);
      lines.length = 0;
      expect((await ask({ apikey: 'nobody', 'x-request-id': 'check-18' })).status).toBe(401);
      expect(records(lines)).toEqual([
        expect.objectContaining({ reqId: 'check-18', msg: 'access check refused', level: 30 }),
      ]);
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.map((warning) => warning.message)).toEqual([]);
    } finally {
      await app.close();
    }
  });
});
