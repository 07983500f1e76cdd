// `removed` entries naming applications, their credentials and registrations (docs/unmanaged.md's table).
import { describe, expect, it } from 'vitest';
import type { Status } from '../src/model.js';
import { credential } from './helpers/builders.js';
import {
  api,
  application,
  owner,
  planOf,
  registration,
  steps,
  storedOwner,
  storedState,
  wanted,
} from './helpers/plan-app.js';

const ADA = 'developer["ada@example.com"]';
const APP = `${ADA}.application["billing"]`;
const KEY = `${APP}.credential["key-auth:prod"]`;
const REG = `${APP}.registration["payments"]`;
const PAYMENTS = api('payments');

const withApp = (status: Status = 'approved') =>
  owner('ada@example.com', status, [
    application('billing', {
      credentials: [credential('key-auth', 'prod', {}, { key: 'ada-prod-key-000000000000' })],
      registrations: [registration('payments', 'approved')],
    }),
  ]);
const without = () => owner('ada@example.com', 'approved', []);

describe('removed entries of applications', () => {
  it('{developer, application} deletes a self-made application with its credentials and registrations', () => {
    const s = storedState([storedOwner(withApp(), 'manifest', 'self-service')], [PAYMENTS]);
    const p = planOf(
      wanted([without()], {
        apis: [PAYMENTS],
        removed: [{ developer: 'ada@example.com', application: 'billing', keep: false }],
      }),
      s,
    );
    expect(p.errors).toEqual([]);
    expect(steps(p.changes)).toEqual([`delete ${KEY}`, `delete ${REG}`, `delete ${APP}`]);
  });

  it('{developer, application, keep: true} releases a managed application, its credentials and registrations', () => {
    const s = storedState([storedOwner(withApp())], [PAYMENTS]);
    const p = planOf(
      wanted([without()], {
        apis: [PAYMENTS],
        removed: [{ developer: 'ada@example.com', application: 'billing', keep: true }],
      }),
      s,
    );
    expect(p.changes.map((c) => [c.op, c.address, c.before?.origin, c.after?.origin])).toEqual([
      ['update', APP, 'manifest', 'released'],
      ['update', KEY, 'manifest', 'released'],
      ['update', REG, 'manifest', 'released'],
    ]);
    expect(p.changes.map((c) => c.action)).toEqual([
      { do: 'application.update', email: 'ada@example.com', name: 'billing', set: { release: true } },
      {
        do: 'credential.update',
        email: 'ada@example.com',
        application: 'billing',
        type: 'key-auth',
        identity: 'prod',
        release: true,
      },
      { do: 'registration.update', email: 'ada@example.com', application: 'billing', api: 'payments', release: true },
    ]);
  });

  it('{developer, keep: true} releases the applications with the developer', () => {
    const s = storedState([storedOwner(withApp())], [PAYMENTS]);
    const p = planOf(wanted([], { apis: [PAYMENTS], removed: [{ developer: 'ada@example.com', keep: true }] }), s);
    expect(steps(p.changes)).toEqual([`update ${ADA}`, `update ${APP}`, `update ${KEY}`, `update ${REG}`]);
  });

  it('{developer, application, credential} deletes one of the application credentials', () => {
    const s = storedState([storedOwner(withApp(), 'manifest', 'self-service')], [PAYMENTS]);
    const p = planOf(
      wanted([without()], {
        apis: [PAYMENTS],
        removed: [
          {
            developer: 'ada@example.com',
            application: 'billing',
            credential: { type: 'key-auth', identity: 'prod' },
            keep: false,
          },
        ],
      }),
      s,
    );
    expect(steps(p.changes)).toEqual([`delete ${KEY}`]);
    expect(p.changes[0]!.action).toMatchObject({ do: 'credential.delete', application: 'billing' });
  });

  it('{developer, application, registration} deletes one registration, a self-made rejected one included', () => {
    const stored = storedOwner(withApp(), 'manifest', 'self-service');
    stored.applications![0]!.registrations[0]!.status = 'rejected';
    const p = planOf(
      wanted([without()], {
        apis: [PAYMENTS],
        removed: [{ developer: 'ada@example.com', application: 'billing', registration: 'payments', keep: false }],
      }),
      storedState([stored], [PAYMENTS]),
    );
    expect(steps(p.changes)).toEqual([`delete ${REG}`]);
    expect(p.changes[0]!.before).toEqual({ api: 'payments', status: 'rejected' });
  });

  it('one step per object even when an entry names what its owner deletes already', () => {
    const s = storedState([storedOwner(withApp())], [PAYMENTS]);
    const p = planOf(
      wanted([], {
        apis: [PAYMENTS],
        removed: [{ developer: 'ada@example.com', application: 'billing', registration: 'payments', keep: false }],
      }),
      s,
    );
    expect(steps(p.changes)).toEqual([`delete ${KEY}`, `delete ${REG}`, `delete ${APP}`, `delete ${ADA}`]);
  });

  it('warns about an entry naming nothing stored, a registration gone with its API included', () => {
    const p = planOf(
      wanted([without()], {
        removed: [
          { developer: 'ada@example.com', application: 'nothing', keep: false },
          { developer: 'ada@example.com', application: 'billing', registration: 'payments', keep: false },
        ],
      }),
      storedState([storedOwner(without())]),
    );
    expect(p.changes).toEqual([]);
    expect(p.warnings.map((w) => w.message)).toEqual([
      `removed entry names ${ADA}.application["nothing"], which is not in the state: nothing to remove; delete the entry`,
      `removed entry names ${REG}, which is not in the state: nothing to remove; delete the entry`,
    ]);
    expect(p.warnings[0]!.location).toEqual({ file: 'test.yaml', line: 40, column: 1 });
  });

  it('refuses an entry naming what the manifests still declare, naming both places', () => {
    const s = storedState([storedOwner(withApp())], [PAYMENTS]);
    const p = planOf(
      wanted([withApp()], {
        apis: [PAYMENTS],
        removed: [
          { developer: 'ada@example.com', application: 'billing', keep: false },
          { developer: 'ada@example.com', application: 'billing', registration: 'payments', keep: false },
        ],
      }),
      s,
    );
    expect(p.errors.map((e) => [e.message, e.location?.line])).toEqual([
      [
        `removed entry names ${APP}, which the manifests still declare at test.yaml:7:1; remove the declaration to delete or release it, or remove the removed entry to keep managing it`,
        40,
      ],
      [
        `removed entry names ${REG}, which the manifests still declare at test.yaml:1:1; remove the declaration to delete or release it, or remove the removed entry to keep managing it`,
        40,
      ],
    ]);
  });
});
