// The console's history and chart read the self-service events of applications and registrations
// (docs/applications.md) as the changes they are: an application or a registration made or
// withdrawn is one of those, never a developer's — so a withdrawn registration request does not
// take a pending developer off the chart.
import { describe, expect, it } from 'vitest';
import { changesOf } from '../src/console/read-model.js';
import { statusPoints } from '../src/console/status-series.js';

const BILLING = 'developer["a@x.com"].application["billing"]';
const REGISTRATION = `${BILLING}.registration["payments"]`;

describe('self-service events of applications and registrations in the console', () => {
  it('reads each as a change of its own kind and op', () => {
    const read = (action: string, address: string, fields: Record<string, unknown>) =>
      changesOf({ kind: 'self-service', action, address, ...fields })[0];
    expect(read('create-application', BILLING, { after: { name: 'billing', description: null } })).toEqual({
      address: BILLING,
      kind: 'application',
      op: 'create',
      before: null,
      after: { name: 'billing', description: null },
    });
    expect(read('delete-application', BILLING, { before: { name: 'billing', description: 'B' } })).toMatchObject({
      kind: 'application',
      op: 'delete',
      after: null,
    });
    expect(read('request-registration', REGISTRATION, { after: { status: 'pending' } })).toEqual({
      address: REGISTRATION,
      kind: 'registration',
      op: 'create',
      before: null,
      after: { status: 'pending' },
    });
    expect(read('withdraw-registration', REGISTRATION, { before: { status: 'pending' } })).toEqual({
      address: REGISTRATION,
      kind: 'registration',
      op: 'delete',
      before: { status: 'pending' },
      after: null,
    });
    expect(read('create-credential', `${BILLING}.credential["key-auth:ci"]`, { after: {} })).toMatchObject({
      kind: 'credential',
      op: 'create',
    });
  });

  it('counts developers only: registrations asked for and withdrawn leave the chart as it was', () => {
    const event = (seq: number, action: string, address: string, fields: Record<string, unknown>) => ({
      at: `2026-01-0${seq}T00:00:00.000Z`,
      seq,
      changes: changesOf({ kind: 'self-service', action, address, ...fields }),
    });
    const points = statusPoints([
      event(1, 'register', 'developer["a@x.com"]', { after: { fullName: 'A', status: 'pending' } }),
      event(2, 'request-registration', REGISTRATION, { after: { status: 'pending' } }),
      event(3, 'withdraw-registration', REGISTRATION, { before: { status: 'pending' } }),
      event(4, 'delete-application', BILLING, { before: { name: 'billing', description: null } }),
    ]);
    expect(points).toEqual([
      { at: '2026-01-01T00:00:00.000Z', counts: { pending: 1, approved: 0, rejected: 0, revoked: 0 } },
    ]);
  });
});
